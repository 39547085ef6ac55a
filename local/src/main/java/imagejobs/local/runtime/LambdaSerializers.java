package imagejobs.local.runtime;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.amazonaws.services.lambda.runtime.serialization.events.serializers.OrgJsonSerializer;
import com.amazonaws.services.lambda.runtime.serialization.factories.JacksonFactory;
import com.amazonaws.services.lambda.runtime.serialization.util.SerializeUtil;

/**
 * Event JSON to handler input and handler output to JSON, chosen the way Lambda's Java runtime chooses: the events
 * library's own serializers (with their mix-ins) for the event classes it knows (SQSEvent, S3Event, ...), its
 * Jackson POJO serializer for everything else (APIGatewayV2HTTPEvent, SQSBatchResponse, records, maps).
 *
 * <p>Lambda has one function class loader per JVM; the stack has one per function. The serialization library
 * caches the classes it loads for mix-ins (SQSEvent$SQSMessage, org.joda.time.DateTime, ...) by name only, in a
 * static map, so the second function to build an SQSEvent serializer got the first function's nested classes:
 * its own SQSMessage went without the mix-in (eventSourceARN read as null) and a Joda type could come from another
 * jar. The cache is emptied before each such serializer is built, under one lock, so each function's serializer
 * is made from its own classes. The S3 event serializer also looks classes up through that cache on every call
 * (not only when built), so its calls run under the same lock with the cache emptied first: without that, a
 * second stack's edit-trigger got the first stack's S3EventNotification records ("argument type mismatch"). And
 * the library hands out one shared S3 serializer instance per class name, re-pointed at the last caller's class and
 * loader, so each function gets an instance of its own.
 */
final class LambdaSerializers {
    private static final Object EVENT_SERIALIZERS = new Object();

    private LambdaSerializers() {
    }

    @SuppressWarnings("unchecked")
    static PojoSerializer<Object> forType(Type type, ClassLoader functionLoader) {
        if (type instanceof Class<?> c && LambdaEventSerializers.isLambdaSupportedEvent(c.getName())) {
            PojoSerializer<Object> events;
            synchronized (EVENT_SERIALIZERS) {
                forgetLoadedClasses();
                events = (PojoSerializer<Object>) LambdaEventSerializers.serializerFor(c, functionLoader);
                if (events instanceof OrgJsonSerializer<?> shared) {
                    events = ownInstance(shared, c, functionLoader);
                }
            }
            return new Isolated(events);
        }
        return JacksonFactory.getInstance().getSerializer(type);
    }

    static String toJson(PojoSerializer<Object> serializer, Object value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        serializer.toJson(value, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static PojoSerializer<Object> ownInstance(OrgJsonSerializer<?> shared, Class<?> eventClass,
                                                      ClassLoader functionLoader) {
        try {
            OrgJsonSerializer own = shared.getClass().getConstructor().newInstance();
            return own.withClass(eventClass).withClassLoader(functionLoader);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Cannot build a serializer for " + eventClass.getName(), e);
        }
    }

    /** An events-library serializer whose every call sees only its own function's classes. */
    private record Isolated(PojoSerializer<Object> delegate) implements PojoSerializer<Object> {
        @Override
        public Object fromJson(java.io.InputStream input) {
            synchronized (EVENT_SERIALIZERS) {
                forgetLoadedClasses();
                return delegate.fromJson(input);
            }
        }

        @Override
        public Object fromJson(String input) {
            synchronized (EVENT_SERIALIZERS) {
                forgetLoadedClasses();
                return delegate.fromJson(input);
            }
        }

        @Override
        public void toJson(Object value, java.io.OutputStream output) {
            synchronized (EVENT_SERIALIZERS) {
                forgetLoadedClasses();
                delegate.toJson(value, output);
            }
        }
    }

    /** Empties SerializeUtil's by-name class cache (aws-lambda-java-serialization 1.1.6: {@code cachedClasses}). */
    private static void forgetLoadedClasses() {
        try {
            Field field = SerializeUtil.class.getDeclaredField("cachedClasses");
            field.setAccessible(true);
            ((Map<?, ?>) field.get(null)).clear();
        } catch (ReflectiveOperationException | RuntimeException e) {
            // A later library without this cache needs nothing done; LambdaSerializersTest shows if it still mixes.
        }
    }
}
