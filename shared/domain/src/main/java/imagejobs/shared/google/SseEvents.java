package imagejobs.shared.google;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.json.Json;

/**
 * The body of {@code :streamGenerateContent?alt=sse}: one server-sent event per {@code GenerateContentResponse},
 * {@code data: <one-line JSON>} ended by a blank line, and nothing else. The stream ends where the body ends.
 *
 * <p>Only {@code data:} lines, because that is all Google's SDKs read the same way: Java's reader skips comment
 * lines, but Python's takes any line that is not {@code data: } for a piece of raw JSON and fails on a
 * {@code : keep-alive} comment; JavaScript splits events at a blank line ({@code \n\n}, {@code \r\r} or
 * {@code \r\n\r\n}) and keeps those starting with {@code data:}. The JSON never holds a raw line break (Jackson
 * escapes them inside strings). Hand-written: an SSE event is one line of text, and none of the project's libraries
 * writes them.
 *
 * <p>An error goes out before the first event, as a plain HTTP error with Google's error body: the stream route
 * waits for the job before it writes anything, so it never has to report a failure mid-stream. Should one ever be
 * needed, {@link #error} writes Google's mid-stream form, {@code data: {"error": {...}}}, which the Java and Python
 * SDKs raise as an API error.
 */
public final class SseEvents {
    public static final String CONTENT_TYPE = "text/event-stream";
    private static final byte[] PREFIX = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private SseEvents() {
    }

    /** The whole body for these responses, one event each. */
    public static byte[] body(List<? extends JsonNode> responses) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        responses.forEach(r -> write(out, r));
        return out.toByteArray();
    }

    /** Writes one event. */
    public static void write(OutputStream out, JsonNode response) {
        try {
            out.write(PREFIX);
            out.write(Json.bytes(response));
            out.write(END);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The event for an error after the stream has begun: Google's error body as the event's data. */
    public static byte[] error(GoogleError error) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, error.body());
        return out.toByteArray();
    }
}
