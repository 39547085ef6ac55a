package imagejobs.local.emulators;

import java.net.URI;

/** An AWS service emulator running in this JVM as a real HTTP endpoint on 127.0.0.1. */
public interface Emulator extends AutoCloseable {

    /** Human name for logs, e.g. "DynamoDB Local". */
    String name();

    /** The port it listens on (the real one, also when started on port 0). */
    int port();

    default URI endpoint() {
        return URI.create("http://127.0.0.1:" + port());
    }

    /** Stops the server and its threads; safe to call twice. */
    @Override
    void close();
}
