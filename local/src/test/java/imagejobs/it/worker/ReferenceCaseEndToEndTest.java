package imagejobs.it.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.it.ServiceStack;
import imagejobs.shared.json.Json;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * References spelled with upper-case schemes, mixed-case hosts and trailing dots pass submit and are then used by the
 * worker as the same reference (issue 14, item 5): submit and worker read them with one parser, and the job stores
 * the canonical spelling. Through the whole stack: the front door, DynamoDB Local, S3Proxy, the worker and the
 * simulator, whose request log shows what went upstream.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ReferenceCaseEndToEndTest {
    private static final String MODEL = "gemini-2.5-flash-image";
    private static WorkerStack.Tenant tenant;
    private static SsrfFixtures.ImageHost host;

    @BeforeAll
    static void start() throws IOException {
        tenant = WorkerStack.tenant("wrefcase");
        host = new SsrfFixtures.ImageHost();
    }

    @AfterAll
    static void stop() {
        host.close();
    }

    /** Submits {@code reference} as the only image; returns the finished job and the one upstream call. */
    private static JsonNode[] run(String reference) {
        String marker = WorkerStack.marker("a cat");
        String id = WorkerStack.submit(tenant, WorkerStack.simple(MODEL, marker, "image", reference));
        JsonNode job = WorkerStack.awaitTerminal(tenant, id);
        List<JsonNode> calls = ServiceStack.simulatorCalls(marker);
        return new JsonNode[] {job, calls.isEmpty() ? null : calls.get(0)};
    }

    private static byte[] inlineImage(JsonNode call) {
        JsonNode data = call.at("/body/contents/0/parts/1/inlineData/data");
        assertTrue(data.isTextual(), "the reference went upstream inline: " + call.at("/body/contents"));
        return Base64.getDecoder().decode(data.asText());
    }

    @Test
    void anUpperCaseS3SchemeReadsTheTenantsOwnObject() {
        String key = "inputs/" + tenant.name() + "/upper/cat.png";
        WorkerStack.stack().s3().putObject(r -> r.bucket(ServiceStack.bucket()).key(key).contentType("image/png"),
                RequestBody.fromBytes(SsrfFixtures.ImageHost.PNG));
        for (String scheme : List.of("S3", "s3")) {
            JsonNode[] r = run(scheme + "://" + ServiceStack.bucket() + "/" + key);
            assertEquals("success", r[0].path("status").asText(), r[0]::toString);
            assertArrayEquals(SsrfFixtures.ImageHost.PNG, inlineImage(r[1]));
        }
    }

    @Test
    void upperAndMixedCaseUrlsAndHostsAreFetchedAsSubmitted() {
        // The shared stack admits plain http on loopback (ALLOW_LOOPBACK_REFERENCES): these stand for https URLs.
        for (String url : List.of("HTTP://127.0.0.1:" + host.port() + "/img.png",
                "Http://LocalHost:" + host.port() + "/img.png", "hTTp://LOCALHOST.:" + host.port() + "/img.png")) {
            int before = host.hits("/img.png");
            JsonNode[] r = run(url);
            assertEquals("success", r[0].path("status").asText(), url + " → " + r[0]);
            assertArrayEquals(SsrfFixtures.ImageHost.PNG, inlineImage(r[1]));
            assertEquals(before + 1, host.hits("/img.png"), "downloaded once from the image host: " + url);
        }
    }

    /**
     * An upper-case HTTPS:// reaches the fetcher as an https URL (before, the worker called it an unsupported
     * reference): against this plain-http image host the TLS handshake is what fails, and the message says so.
     */
    @Test
    void anUpperCaseHttpsSchemeIsDownloadedOverTls() {
        for (String scheme : List.of("HTTPS", "Https")) {
            String url = scheme + "://127.0.0.1:" + host.port() + "/img.png";
            JsonNode[] r = run(url);
            assertEquals("failed", r[0].path("status").asText(), r[0]::toString);
            assertEquals("INVALID_REFERENCE", r[0].at("/error/code").asText());
            String message = r[0].at("/error/message").asText();
            // The image host's HTTP server waits for a request line that a TLS hello never is: the handshake stalls.
            assertTrue(message.startsWith("reference https://127.0.0.1:" + host.port() + "/img.png ")
                    && message.contains("TLS handshake"), message);
            assertEquals(null, r[1], "Gemini is never called");
        }
    }

    /**
     * A Files API URI with an upper-case host and a trailing dot: accepted by submit as a Files API URI, stored and
     * passed to Gemini as fileData in its canonical spelling, never downloaded.
     */
    @Test
    void aFilesApiUriInAnyCaseGoesToGeminiAsFileData() {
        String canonical = "https://generativelanguage.googleapis.com/v1beta/files/abc123";
        for (String uri : List.of("https://GENERATIVELANGUAGE.googleapis.com./v1beta/files/abc123",
                "HTTPS://generativelanguage.GOOGLEAPIS.com:443/v1beta/files/abc123")) {
            JsonNode[] r = run(uri);
            assertEquals("success", r[0].path("status").asText(), r[0]::toString);
            JsonNode part = r[1].at("/body/contents/0/parts/1");
            assertEquals(canonical, part.at("/fileData/fileUri").asText(), part::toString);
            assertTrue(part.path("inlineData").isMissingNode(), "never downloaded: " + part);
            JsonNode stored = r[0].at("/outcome/next_turn_contents/0/parts/1/fileData/fileUri");
            assertEquals(canonical, stored.asText(), "next_turn_contents carries what went upstream");
        }
    }

    /** The native form's fileData takes the same rules: S3:// in a contents part is the tenant's own object. */
    @Test
    void theNativeFormReadsTheSameWay() {
        String key = "inputs/" + tenant.name() + "/native/cat.png";
        WorkerStack.stack().s3().putObject(r -> r.bucket(ServiceStack.bucket()).key(key).contentType("image/png"),
                RequestBody.fromBytes(SsrfFixtures.ImageHost.PNG));
        String marker = WorkerStack.marker("a cat");
        ObjectNode body = Json.object().put("model", MODEL);
        ArrayNode parts = body.putObject("payload").putArray("contents").addObject().put("role", "user")
                .putArray("parts");
        parts.addObject().put("text", marker);
        parts.addObject().putObject("fileData").put("mimeType", "image/png")
                .put("fileUri", "S3://" + ServiceStack.bucket() + "/" + key);
        JsonNode job = WorkerStack.awaitTerminal(tenant, WorkerStack.submit(tenant, body));
        assertEquals("success", job.path("status").asText(), job::toString);
        assertArrayEquals(SsrfFixtures.ImageHost.PNG, inlineImage(ServiceStack.simulatorCalls(marker).get(0)));
        assertEquals("s3://" + ServiceStack.bucket() + "/" + key,
                job.at("/outcome/next_turn_contents/0/parts/1/fileData/fileUri").asText(), "stored canonical");
    }
}
