package imagejobs.it.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;

/**
 * Suite 8, secrets: everything the reliability stack logged (the functions' JSON lines from their first cold start,
 * and the stack's own output), over whichever suites ran in this JVM before plus an exercise of its own through
 * the paths most likely to leak: wrong, disabled and valid keys in every header form, inline PNG and JPEG images in
 * both request forms, a reference URL carrying a token in its query, failing Gemini calls (their error bodies and the
 * key sent with them), presigned URLs handed out. None of the API keys, the Gemini key, the AWS secret, base64 image
 * data or a presigned signature may appear. Every other suite runs the same scan at its end.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SecretsInLogsReliabilityTest {
    private static final String SUITE = "secrets";
    private static final String MODEL = "gemini-2.5-flash-image";

    @Test
    void theLogsHoldNoKeyNoImageDataAndNoSignature() throws Exception {
        ReliabilityStack rs = ReliabilityStack.get();
        ApiClient api = rs.api(ReliabilityStack.SECRETS);
        ApiClient anonymous = rs.api(null);
        String run = UUID.randomUUID().toString().substring(0, 8);
        String png = Base64.getEncoder().encodeToString(image("png"));
        String jpeg = Base64.getEncoder().encodeToString(image("jpg"));
        assertTrue(png.startsWith("iVBORw0KGgo") && jpeg.startsWith("/9j/"), "real image data");

        // Keys, right and wrong, in every form.
        for (Map<String, String> headers : List.of(Map.of("authorization", "Bearer ij_rel_not_a_key_" + run),
                Map.of("x-api-key", ReliabilityStack.AUTH_A_DISABLED.key()),
                Map.of("x-goog-api-key", ReliabilityStack.SECRETS.key() + "-wrong"),
                Map.of("authorization", "Basic " + ReliabilityStack.SECRETS.key()),
                Map.of("authorization", "Bearer " + ReliabilityStack.SECRETS.key() + " trailing"))) {
            ApiClient.Response r = anonymous.send("GET", "/v1/requests", headers, null);
            assertTrue(r.status() == 401 || r.status() == 403, r.body());
        }
        // Inline images, both forms; one job whose Gemini calls fail; one whose reference URL carries a token.
        ObjectNode simple = Json.object().put("model", MODEL);
        simple.putObject("payload").put("prompt", "secrets simple " + run).put("image", "data:image/png;base64," + png);
        ObjectNode nativeBody = Json.object();
        var parts = nativeBody.putArray("contents").addObject().put("role", "user").putArray("parts");
        parts.addObject().put("text", "secrets native " + run);
        parts.addObject().putObject("inlineData").put("mimeType", "image/jpeg").put("data", jpeg);
        ObjectNode failing = Json.object().put("model", MODEL);
        failing.putObject("payload").put("prompt", "secrets failing " + run + " [sim:status=500]");
        ObjectNode token = Json.object().put("model", MODEL);
        token.putObject("payload").put("prompt", "secrets token " + run).put("image",
                "http://127.0.0.1:9/a.png?X-Amz-Signature=sekrit-signature&token=sekrit-token");
        List<ApiClient.Response> submits = List.of(api.post("/v1/requests", Json.write(simple)),
                api.post("/v1beta/models/" + MODEL + ":generateContent", Json.write(nativeBody)),
                api.post("/v1/requests", Json.write(failing)),
                api.post("/v1/requests", Json.write(token)));
        for (ApiClient.Response r : submits) {
            // Google's generateContent answers the finished job (200) where /v1/requests queues it (202).
            assertEquals(r == submits.get(1) ? 200 : 202, r.status(), r.body());
        }
        var jobs = rs.awaitTerminal(ReliabilityStack.SECRETS.tenant(), 4, Duration.ofSeconds(90));
        Map<String, String> outcomes = new TreeMap<>();
        for (ApiClient.Response r : submits) {
            // generateContent's answer names its job as responseId (and x-request-id).
            String id = r.json().path("request_id").asText(r.header("x-request-id"));
            JsonNode view = api.get("/v1/requests/" + id).json();
            outcomes.put(view.path("request_id").asText(), view.path("status").asText()
                    + (view.has("error") ? ":" + view.at("/error/code").asText() : ""));
            if (view.path("status").asText().equals("success")) {
                assertTrue(view.at("/outcome/media_urls/0/url").asText().contains("X-Amz-Signature"),
                        "a presigned URL was handed out: " + view);
            }
        }
        assertEquals(Set.of("success", "failed:UPSTREAM_UNAVAILABLE", "failed:INVALID_REFERENCE"),
                Set.copyOf(outcomes.values()), outcomes.toString());

        // The capture is not empty: it holds the lines every function writes.
        String text = rs.logs().text();
        Map<String, Long> loggers = text.lines().filter(l -> l.startsWith("{")).map(l -> {
            try {
                return Json.parse(l).path("logger").asText("?");
            } catch (RuntimeException e) {
                return "?";
            }
        }).collect(Collectors.groupingBy(l -> l, TreeMap::new, Collectors.counting()));
        ReliabilityStack.figure(SUITE, "jobs=" + jobs.size() + " outcomes " + outcomes.values() + " log lines by "
                + "logger " + loggers);
        for (String logger : List.of("JobProcessor", "SubmitService")) {
            assertTrue(loggers.getOrDefault(logger, 0L) > 0, "captured lines of " + logger + ": " + loggers);
        }
        rs.assertLogsClean(SUITE);
        rs.deleteObjects("outputs/" + ReliabilityStack.SECRETS.tenant() + "/", k -> true);
    }

    private static byte[] image(String format) throws IOException {
        BufferedImage image = new BufferedImage(24, 16, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, format, out);
        return out.toByteArray();
    }
}
