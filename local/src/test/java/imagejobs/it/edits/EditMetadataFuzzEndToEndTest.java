package imagejobs.it.edits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.it.ServiceStack;
import imagejobs.local.LocalStack;
import imagejobs.local.runtime.InvocationResult;
import imagejobs.shared.edits.S3Upload;
import imagejobs.shared.jobs.RequestIds;
import imagejobs.shared.json.Json;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Malformed metadata through the whole local stack: each case is stored in S3Proxy with the AWS SDK (so only what
 * S3 carries: ASCII header values of at most about 2 KB; shared's {@code EditMetadataFuzzTest} covers the rest on
 * in-memory stores), then its event is delivered to EditTriggerFunction synchronously (upper-case suffix: the
 * notification bridge stays silent). Every invocation must succeed (no exception leaves the handler), and every upload
 * must be exactly one job in the jobs table that the tenant sees through the API: queued (or already further on) or
 * failed with a message that shows no Java internals. Invocation time per kind is printed (FUZZ lines), not asserted.
 * {@code -Dimagejobs.fuzz.seed=N} replays a run.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class EditMetadataFuzzEndToEndTest {
    private static final List<String> FIELDS = List.of("prompt", "model", "aspect-ratio", "image-size");
    private static final Pattern INTERNALS = Pattern.compile(
            "\\b(?:java|javax|jdk|sun|com|org|software|imagejobs)\\.[a-z0-9_.]*[A-Z]\\w*|\\w+(?:Exception|Error)\\b");
    private static final Set<String> STATUSES = Set.of("queued", "processing", "success", "failed");
    private static final int MIXED_CASES = 40;

    private final LocalStack stack = ServiceStack.get();
    private final ServiceStack.Api api = ServiceStack.api(ServiceStack.TENANT_B);
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @Test
    void everyUploadEndsAsExactlyOneJobTheTenantSees() throws IOException {
        long seed = Long.getLong("imagejobs.fuzz.seed", System.nanoTime());
        Random random = new Random(seed);
        byte[] png = png();
        Map<String, List<String>> kinds = kinds(random);
        List<Map.Entry<String, Map<String, String>>> cases = cases(kinds, random);
        Map<String, long[]> millisByKind = new TreeMap<>();
        Map<String, Integer> outcomes = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            String name = cases.get(i).getKey();
            Map<String, String> metadata = cases.get(i).getValue();
            String key = "edits/" + ServiceStack.TENANT_B.tenant() + "/fuzz-" + run + "/" + i + ".PNG";
            stack.s3().putObject(r -> r.bucket(ServiceStack.bucket()).key(key).metadata(metadata),
                    RequestBody.fromBytes(png));
            String eTag = "etag-" + run + "-" + i;
            String sequencer = String.format("%016X", i + 1);
            long t0 = System.nanoTime();
            InvocationResult result = stack.function("EditTriggerFunction").invokeWithResult(event(key, eTag, sequencer));
            long millis = (System.nanoTime() - t0) / 1_000_000;
            String kind = name.replaceAll("#\\d+$", "");
            long[] t = millisByKind.computeIfAbsent(kind, k -> new long[3]);
            t[0]++;
            t[1] += millis;
            t[2] = Math.max(t[2], millis);
            if (result.functionError()) {
                problems.add(name + ": the invocation failed: " + result.payload());
                continue;
            }
            String outcome = Json.parse(result.payload()).asText();
            outcomes.merge(outcome, 1, Integer::sum);
            String problem = check(key, new S3Upload(ServiceStack.bucket(), key, png.length, eTag, null, sequencer),
                    outcome);
            if (problem != null) {
                problems.add(name + " " + metadata.keySet() + ": " + problem);
            }
        }
        millisByKind.forEach((kind, t) -> System.out.printf("FUZZ | edit metadata (end to end) | %-28s | %3d cases | "
                + "mean %4d ms | max %5d ms%n", kind, t[0], t[1] / t[0], t[2]));
        System.out.println("FUZZ | edit metadata (end to end) | seed " + seed + " | " + cases.size() + " cases | "
                + outcomes);
        if (!problems.isEmpty()) {
            fail(problems.size() + " of " + cases.size() + " uploads went wrong (seed " + seed + "):\n"
                    + String.join("\n", problems.subList(0, Math.min(20, problems.size()))));
        }
    }

    /** Null when the upload is exactly one job the tenant sees with a clear status. */
    private String check(String key, S3Upload upload, String outcome) {
        if (!outcome.equals("QUEUED") && !outcome.equals("FAILED")) {
            return "outcome " + outcome;
        }
        long inTable = stack.dynamoDb().scan(r -> r.tableName(stack.tableName("JobsTable"))
                .filterExpression("source_key = :k")
                .expressionAttributeValues(Map.of(":k",
                        software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(key)))).items().size();
        if (inTable != 1) {
            return inTable + " jobs in the table";
        }
        String id = RequestIds.fromName(upload.identity());
        ServiceStack.Response response = api.get("/v1/requests/" + id);
        JsonNode job = response.body();
        if (response.status() != 200 || !STATUSES.contains(job.path("status").asText())) {
            return "the API answers " + response.status() + ": " + job;
        }
        if (outcome.equals("FAILED") != job.path("status").asText().equals("failed")) {
            return "outcome " + outcome + " but status " + job.path("status").asText();
        }
        String message = job.at("/error/message").asText("");
        if (outcome.equals("FAILED") && (message.isBlank() || job.at("/error/code").asText("").isBlank())) {
            return "failed without a code and message: " + job;
        }
        if (INTERNALS.matcher(message).find() || message.length() > 600) {
            return "unclear message: " + message.substring(0, Math.min(300, message.length()));
        }
        return null;
    }

    /** One case per field and value of each kind, then mixes over all four fields. */
    private static List<Map.Entry<String, Map<String, String>>> cases(Map<String, List<String>> kinds, Random random) {
        List<Map.Entry<String, Map<String, String>>> cases = new ArrayList<>();
        for (String field : FIELDS) {
            kinds.forEach((kind, values) -> {
                for (String value : values) {
                    Map<String, String> metadata = new LinkedHashMap<>(Map.of("prompt", "fuzz"));
                    metadata.put(field, value);
                    cases.add(Map.entry(field + "/" + kind + "#" + cases.size(), metadata));
                }
            });
        }
        // S3 keeps at most 2 KB of user metadata per object: mixes leave the huge values out.
        List<String> names = kinds.keySet().stream().filter(k -> !k.equals("huge")).toList();
        for (int i = 0; i < MIXED_CASES; i++) {
            Map<String, String> metadata = new LinkedHashMap<>();
            for (String field : FIELDS) {
                if (random.nextInt(3) > 0) {
                    List<String> values = kinds.get(names.get(random.nextInt(names.size())));
                    metadata.put(field, values.get(random.nextInt(values.size())));
                }
            }
            cases.add(Map.entry("mixed#" + i, metadata));
        }
        return cases;
    }

    /** Values S3 carries (printable ASCII, at most about 2 KB), by kind of damage. */
    private static Map<String, List<String>> kinds(Random random) {
        Map<String, List<String>> kinds = new LinkedHashMap<>();
        kinds.put("good", List.of("=?UTF-8?B?YWpvdXRlIHVuIGNoYXBlYXU=?=", "1:1"));
        kinds.put("bad-q", List.of("=?UTF-8?Q?=ZZ?=", "=?UTF-8?Q?abc=4?="));
        kinds.put("bad-b", List.of("=?UTF-8?B?w6k*?=", "=?UTF-8?B?A?="));
        kinds.put("unknown-charset", List.of("=?X-NO-SUCH-" + random.nextInt(1000) + "?Q?abc?="));
        kinds.put("truncated", List.of("=?UTF-8?Q?abc", "=?UTF-8?B?YWpvdXRlIHVu".substring(0, 12 + random.nextInt(9))));
        kinds.put("invalid-utf8", List.of(b64("UTF-8", new byte[] {(byte) 0xC3}), "=?UTF-8?Q?=80=FF?="));
        kinds.put("lone-surrogate", List.of(b64("UTF-16BE", new byte[] {(byte) 0xD8, 0x00}),
                b64("UTF-32BE", new byte[] {0, 0, (byte) 0xDC, 0x00})));
        kinds.put("control", List.of("=?UTF-8?Q?=00=07=1B?=", b64("UTF-8", new byte[] {0x1B, 0x5B, 0x32, 0x4A})));
        kinds.put("huge", List.of("a".repeat(1_500), "=?UTF-8?Q?" + "=C3=A9".repeat(250) + "=Z?="));
        return kinds;
    }

    private static String b64(String charset, byte[] bytes) {
        return "=?" + charset + "?B?" + Base64.getEncoder().encodeToString(bytes) + "?=";
    }

    private static String event(String key, String eTag, String sequencer) {
        return "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"awsRegion\":\"us-east-1\","
                + "\"eventTime\":\"2026-11-23T10:00:00.000Z\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{"
                + "\"s3SchemaVersion\":\"1.0\",\"bucket\":{\"name\":\"" + ServiceStack.bucket() + "\"},"
                + "\"object\":{\"key\":\"" + URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/")
                + "\",\"size\":1,\"eTag\":\"" + eTag + "\",\"sequencer\":\"" + sequencer + "\"}}}]}";
    }

    private static byte[] png() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB), "png", out);
        return out.toByteArray();
    }
}
