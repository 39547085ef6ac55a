package imagejobs.local.emulators;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** The local tools' SDK clients end a stalled call: every one has an attempt and a call timeout. */
class ToolTimeoutsTest {

    @Test
    void everyClientOfTheLocalStackHasTimeouts() {
        URI nowhere = URI.create("http://127.0.0.1:9");
        try (LocalAwsClients clients = new LocalAwsClients(nowhere, nowhere, nowhere, "us-east-1")) {
            for (var config : new software.amazon.awssdk.core.client.config.ClientOverrideConfiguration[] {
                    clients.dynamoDb().serviceClientConfiguration().overrideConfiguration(),
                    clients.sqs().serviceClientConfiguration().overrideConfiguration(),
                    clients.s3().serviceClientConfiguration().overrideConfiguration()}) {
                assertEquals(Optional.of(ToolTimeouts.CALL), config.apiCallTimeout());
                assertEquals(Optional.of(ToolTimeouts.ATTEMPT), config.apiCallAttemptTimeout());
            }
        }
    }
}
