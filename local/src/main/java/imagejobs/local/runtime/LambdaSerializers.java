package imagejobs.local.runtime;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;

import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.amazonaws.services.lambda.runtime.serialization.factories.JacksonFactory;

/**
 * Event JSON to handler input and handler output to JSON, chosen the way Lambda's Java runtime chooses: the events
 * library's own serializers (with their mix-ins) for the event classes it knows (SQSEvent, S3Event, ...), its
 * Jackson POJO serializer for everything else (APIGatewayV2HTTPEvent, SQSBatchResponse, records, maps).
 */
final class LambdaSerializers {
    private LambdaSerializers() {
    }

    @SuppressWarnings("unchecked")
    static PojoSerializer<Object> forType(Type type, ClassLoader functionLoader) {
        if (type instanceof Class<?> c && LambdaEventSerializers.isLambdaSupportedEvent(c.getName())) {
            return (PojoSerializer<Object>) LambdaEventSerializers.serializerFor(c, functionLoader);
        }
        return JacksonFactory.getInstance().getSerializer(type);
    }

    static String toJson(PojoSerializer<Object> serializer, Object value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        serializer.toJson(value, out);
        return out.toString(StandardCharsets.UTF_8);
    }
}
