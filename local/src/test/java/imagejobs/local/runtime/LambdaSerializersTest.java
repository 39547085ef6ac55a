package imagejobs.local.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;

/** Event serializers of functions loaded side by side, each from its own class loader, as the stack loads them. */
class LambdaSerializersTest {
    private static final String ARN = "arn:aws:sqs:us-east-1:000000000000:JobsQueue";
    private static final String EVENT = "{\"Records\":[{\"messageId\":\"m1\",\"receiptHandle\":\"r1\",\"body\":\"{}\","
            + "\"attributes\":{\"ApproximateReceiveCount\":\"1\"},\"messageAttributes\":{},\"md5OfBody\":\"99914b932bd37a50b983c5e7c90ae93b\","
            + "\"eventSource\":\"aws:sqs\",\"eventSourceARN\":\"" + ARN + "\",\"awsRegion\":\"us-east-1\"}]}";

    @Test
    void everyFunctionsSqsEventGetsTheEventsLibrarysMixIns() throws Exception {
        URL[] jars = {location(SQSEvent.class), location(org.joda.time.DateTime.class)};
        try (URLClassLoader worker = new URLClassLoader("worker", jars, ClassLoader.getPlatformClassLoader());
             URLClassLoader deadLetter = new URLClassLoader("dead-letter", jars, ClassLoader.getPlatformClassLoader())) {
            for (ClassLoader function : List.of(worker, deadLetter, LambdaSerializersTest.class.getClassLoader(),
                    worker)) {
                Class<?> eventClass = Class.forName(SQSEvent.class.getName(), true, function);
                PojoSerializer<Object> serializer = LambdaSerializers.forType(eventClass, function);
                Object event = serializer.fromJson(new ByteArrayInputStream(EVENT.getBytes(StandardCharsets.UTF_8)));

                assertEquals(eventClass, event.getClass());
                List<?> records = (List<?>) eventClass.getMethod("getRecords").invoke(event);
                assertEquals(1, records.size(), "Records, through the SQSEvent mix-in");
                Object message = records.get(0);
                assertEquals(function, message.getClass().getClassLoader());
                assertEquals(ARN, message.getClass().getMethod("getEventSourceArn").invoke(message),
                        "eventSourceARN, through the SQSMessage mix-in, for " + function);
                assertEquals("m1", message.getClass().getMethod("getMessageId").invoke(message));
            }
        }
    }

    @Test
    void s3EventsOfTwoFunctionsBuiltFirstThenCalledInTurnEachGetTheirOwnClasses() throws Exception {
        String s3Event = "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"awsRegion\":\"us-east-1\","
                + "\"eventTime\":\"2026-11-23T10:00:00.000Z\",\"eventName\":\"ObjectCreated:Put\","
                + "\"s3\":{\"s3SchemaVersion\":\"1.0\",\"bucket\":{\"name\":\"images\",\"arn\":\"arn:aws:s3:::images\"},"
                + "\"object\":{\"key\":\"edits/t/cat.png\",\"size\":3,\"eTag\":\"e\",\"sequencer\":\"01\"}}}]}";
        URL[] jars = {location(com.amazonaws.services.lambda.runtime.events.S3Event.class),
                location(com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.class),
                location(org.joda.time.DateTime.class)};
        try (URLClassLoader first = new URLClassLoader("edit-trigger-1", jars, ClassLoader.getPlatformClassLoader());
             URLClassLoader second = new URLClassLoader("edit-trigger-2", jars, ClassLoader.getPlatformClassLoader())) {
            String name = com.amazonaws.services.lambda.runtime.events.S3Event.class.getName();
            PojoSerializer<Object> one = LambdaSerializers.forType(Class.forName(name, true, first), first);
            PojoSerializer<Object> two = LambdaSerializers.forType(Class.forName(name, true, second), second);
            for (int i = 0; i < 2; i++) {
                for (var pair : List.of(java.util.Map.entry(first, one), java.util.Map.entry(second, two))) {
                    Object event = pair.getValue().fromJson(s3Event);
                    assertEquals(pair.getKey(), event.getClass().getClassLoader());
                    List<?> records = (List<?>) event.getClass().getMethod("getRecords").invoke(event);
                    assertEquals(pair.getKey(), records.get(0).getClass().getClassLoader(),
                            "the records come from the calling function's own classes");
                }
            }
        }
    }

    private static URL location(Class<?> c) {
        return c.getProtectionDomain().getCodeSource().getLocation();
    }
}
