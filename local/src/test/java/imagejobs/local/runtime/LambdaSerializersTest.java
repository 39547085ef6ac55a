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

    private static URL location(Class<?> c) {
        return c.getProtectionDomain().getCodeSource().getLocation();
    }
}
