package imagejobs.it.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;

import imagejobs.local.LocalStack;
import imagejobs.local.resources.LocalKey;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.jobs.RequestIds;
import imagejobs.shared.json.Json;
import imagejobs.shared.queue.JobMessage;
import imagejobs.shared.status.ListCursors;
import imagejobs.shared.status.ListFilters;

/**
 * Suite 7, authentication and isolation, through the front door:
 * <ul>
 * <li>every route with no key, a wrong key, a malformed header, a disabled key, and another tenant's key;</li>
 * <li>list cursors replayed by another tenant, altered, reused with other filters, and minted with the fallback
 * cursor key (derived from the table name when CURSOR_SECRET is unset);</li>
 * <li>{@code s3://} references to another tenant's objects, other buckets, traversal and prefix tricks, at submit
 * and (for a job written past the validator) in the worker;</li>
 * <li>SSRF: reference URLs at private, loopback, link-local/metadata, IPv6 loopback and unique-local addresses, in
 * numeric spellings, redirects to them, and a DNS name that resolves to loopback, with ALLOW_LOOPBACK_REFERENCES
 * both on (as locally) and off (as in AWS).</li>
 * </ul>
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class AuthIsolationReliabilityTest {
    private static final String SUITE = "auth";
    private static final String MODEL = "gemini-3.1-flash-image-preview";
    private static final String WRONG_KEY = "ij_rel_not_a_key_0000000000";

    private final Map<String, Integer> checks = new TreeMap<>();
    private final List<String> wrong = new ArrayList<>();

    private void expect(String what, int expectedStatus, ApiClient.Response r, String expectedCode) {
        checks.merge(what.split(":")[0], 1, Integer::sum);
        String code = ApiClient.errorCode(r.json());
        if (r.status() != expectedStatus || (expectedCode != null && !expectedCode.equals(code))) {
            wrong.add(what + ": expected " + expectedStatus + (expectedCode == null ? "" : " " + expectedCode)
                    + ", got " + r.status() + " " + HostileInputReliabilityTest.abbreviate(r.body()));
        }
        for (String secret : List.of(WRONG_KEY, ReliabilityStack.AUTH_A.key(), ReliabilityStack.AUTH_B.key(),
                ReliabilityStack.AUTH_A_DISABLED.key())) {
            if (r.body().contains(secret)) {
                wrong.add(what + ": the body echoes an API key");
            }
        }
    }

    @Test
    void noKeyOpensAnotherTenantsJobsObjectsOrPrivateAddresses() throws Exception {
        ReliabilityStack rs = ReliabilityStack.get();
        LocalStack stack = rs.stack();
        ApiClient a = rs.api(ReliabilityStack.AUTH_A);
        ApiClient b = rs.api(ReliabilityStack.AUTH_B);
        String bucket = rs.bucket();
        String run = UUID.randomUUID().toString().substring(0, 8);
        long t0 = System.nanoTime();

        // Each tenant's finished job, with an image in the bucket.
        String idA = a.submit(MODEL, "tenant a's fox " + run, "0.5K");
        String idB = b.submit(MODEL, "tenant b's fox " + run, "0.5K");
        rs.awaitTerminal(ReliabilityStack.AUTH_A.tenant(), 1, Duration.ofSeconds(60));
        rs.awaitTerminal(ReliabilityStack.AUTH_B.tenant(), 1, Duration.ofSeconds(60));
        JsonNode jobB = b.get("/v1/requests/" + idB).json();
        String objectB = jobB.at("/outcome/images/0/s3_uri").asText();
        String objectA = a.get("/v1/requests/" + idA).json().at("/outcome/images/0/s3_uri").asText();
        assertTrue(objectB.startsWith("s3://" + bucket + "/outputs/relAuthB/"), objectB);
        int jobsOfA = rs.tenantJobs(ReliabilityStack.AUTH_A.tenant()).size();

        // --- Keys on every route.
        String submitBody = "{\"model\":\"" + MODEL + "\",\"payload\":{\"prompt\":\"refused " + run + "\"}}";
        String nativeBody = "{\"contents\":[{\"parts\":[{\"text\":\"refused " + run + "\"}]}]}";
        Map<String, String[]> routes = new LinkedHashMap<>();
        routes.put("POST /v1/requests", new String[] {"POST", "/v1/requests", submitBody});
        routes.put("POST /v1beta/models/{m}:generateContent", new String[] {"POST",
                "/v1beta/models/" + MODEL + ":generateContent", nativeBody});
        routes.put("GET /v1/requests/{id}", new String[] {"GET", "/v1/requests/" + idA, null});
        routes.put("GET /v1/requests", new String[] {"GET", "/v1/requests?limit=10", null});
        routes.put("POST /v1/requests/{id}/cancel", new String[] {"POST", "/v1/requests/" + idA + "/cancel", ""});
        routes.put("GET /v1/models", new String[] {"GET", "/v1/models", null});
        routes.put("GET /v1/models/{model}", new String[] {"GET", "/v1/models/" + MODEL, null});
        Map<String, Map<String, String>> credentials = new LinkedHashMap<>();
        credentials.put("no key", Map.of());
        credentials.put("wrong key", Map.of("authorization", "Bearer " + WRONG_KEY));
        credentials.put("wrong x-api-key", Map.of("x-api-key", WRONG_KEY));
        credentials.put("wrong x-goog-api-key", Map.of("x-goog-api-key", WRONG_KEY));
        credentials.put("empty bearer", Map.of("authorization", "Bearer "));
        credentials.put("basic auth", Map.of("authorization", "Basic " + java.util.Base64.getEncoder()
                .encodeToString(("relAuthA:" + ReliabilityStack.AUTH_A.key()).getBytes())));
        credentials.put("wrong key in the query string", Map.of());
        credentials.put("disabled key", Map.of("authorization", "Bearer " + ReliabilityStack.AUTH_A_DISABLED.key()));
        credentials.put("disabled x-api-key", Map.of("x-api-key", ReliabilityStack.AUTH_A_DISABLED.key()));
        ApiClient anonymous = rs.api(null);
        for (Map.Entry<String, String[]> route : routes.entrySet()) {
            String[] r = route.getValue();
            for (Map.Entry<String, Map<String, String>> c : credentials.entrySet()) {
                Map<String, String> headers = new LinkedHashMap<>(c.getValue());
                headers.put("content-type", "application/json");
                String path = c.getKey().equals("wrong key in the query string")
                        ? r[1] + (r[1].contains("?") ? "&" : "?") + "key=" + WRONG_KEY : r[1];
                ApiClient.Response response = anonymous.send(r[0], path, headers,
                        r[2] == null ? null : r[2].getBytes());
                boolean disabled = c.getKey().startsWith("disabled");
                expect("credentials: " + c.getKey() + " on " + route.getKey(), disabled ? 403 : 401, response,
                        disabled ? "KEY_DISABLED" : "UNAUTHENTICATED");
            }
        }
        assertEquals(jobsOfA, rs.tenantJobs(ReliabilityStack.AUTH_A.tenant()).size(),
                "refused credentials created no job");

        // Another tenant's key: A's job does not exist for B.
        expect("other tenant: GET A's job with B's key", 404, b.get("/v1/requests/" + idA), "NOT_FOUND");
        expect("other tenant: cancel A's job with B's key", 404, b.post("/v1/requests/" + idA + "/cancel", ""),
                "NOT_FOUND");
        ApiClient.Response listB = b.get("/v1/requests?limit=100");
        expect("other tenant: B lists", 200, listB, null);
        if (listB.body().contains(idA)) {
            wrong.add("B's listing shows A's job");
        }
        // Two different keys in one request are refused whichever comes first (no "first one wins").
        expect("other tenant: A's job with B's key in x-api-key beside A's Bearer", 401,
                a.send("GET", "/v1/requests/" + idA, Map.of("x-api-key", ReliabilityStack.AUTH_B.key()), null),
                "UNAUTHENTICATED");
        expect("other tenant: A's job with A's key in x-api-key beside B's Bearer", 401,
                b.send("GET", "/v1/requests/" + idA, Map.of("x-api-key", ReliabilityStack.AUTH_A.key()), null),
                "UNAUTHENTICATED");
        expect("other tenant: A's job with A's key as ?key= beside B's Bearer", 401,
                b.send("GET", "/v1/requests/" + idA + "?key=" + ReliabilityStack.AUTH_A.key(), Map.of(), null),
                "UNAUTHENTICATED");
        expect("A's job with A's key as ?key= only", 200,
                anonymous.send("GET", "/v1/requests/" + idA + "?key=" + ReliabilityStack.AUTH_A.key(), Map.of(), null),
                null);
        String unknownId = RequestIds.newId(System.currentTimeMillis());
        ApiClient.Response missing = b.get("/v1/requests/" + unknownId);
        ApiClient.Response foreign = b.get("/v1/requests/" + idA);
        if (!missing.json().path("error").path("message").asText().replace(unknownId, "ID")
                .equals(foreign.json().path("error").path("message").asText().replace(idA, "ID"))) {
            wrong.add("another tenant's job and a missing job answer differently: " + missing.body() + " vs "
                    + foreign.body());
        }

        // --- Cursors.
        for (int i = 0; i < 2; i++) {
            a.submit(MODEL, "another of a's jobs " + i + " " + run, "0.5K");
        }
        rs.awaitTerminal(ReliabilityStack.AUTH_A.tenant(), 3, Duration.ofSeconds(60));
        String cursorA = a.get("/v1/requests?limit=1").json().path("next_cursor").asText(null);
        if (cursorA == null) {
            cursorA = a.get("/v1/requests?limit=1").json().path("cursor").asText(null);
        }
        assertTrue(cursorA != null && !cursorA.isEmpty(), "a listing of 3 jobs with limit=1 has a cursor");
        expect("cursor: A's own cursor", 200, a.get("/v1/requests?limit=1&cursor=" + cursorA), null);
        expect("cursor: A's cursor replayed by B", 400, b.get("/v1/requests?limit=1&cursor=" + cursorA),
                "INVALID_CURSOR");
        expect("cursor: A's cursor with another filter", 400, a.get("/v1/requests?limit=1&status=failed&cursor="
                + cursorA), "INVALID_CURSOR");
        char[] chars = cursorA.toCharArray();
        for (int i = 0; i < Math.min(chars.length, 12); i++) {
            char[] altered = chars.clone();
            altered[chars.length - 1 - i] = altered[chars.length - 1 - i] == 'A' ? 'B' : 'A';
            expect("cursor: altered", 400, a.get("/v1/requests?limit=1&cursor=" + new String(altered)),
                    "INVALID_CURSOR");
        }
        expect("cursor: truncated", 400, a.get("/v1/requests?limit=1&cursor=" + cursorA.substring(0,
                cursorA.length() / 2)), "INVALID_CURSOR");
        // Minted with the fallback key, which anyone who knows the table name can derive: a cursor for A's tenant
        // fails B's tag check, and a cursor B mints for itself at A's job's position still lists only B's jobs.
        byte[] fallback = new Settings(new Environment(Map.of(Settings.JOBS_TABLE, stack.tableName("JobsTable"))))
                .cursorSecret();
        ListCursors minter = new ListCursors(fallback);
        Job a0 = rs.jobs().get(idA).orElseThrow();
        JobStore.Position atA = new JobStore.Position(imagejobs.shared.jobs.Timestamps.format(a0.createdAt()
                .plusSeconds(1)), idA);
        expect("cursor: minted for A, used by B", 400, b.get("/v1/requests?limit=5&cursor="
                + minter.encode(ReliabilityStack.AUTH_A.tenant(), ListFilters.NONE, atA)), "INVALID_CURSOR");
        ApiClient.Response minted = b.get("/v1/requests?limit=100&cursor=" + minter.encode(
                ReliabilityStack.AUTH_B.tenant(), ListFilters.NONE, atA));
        expect("cursor: minted by B at A's position", 200, minted, null);
        for (JsonNode j : minted.json().path("data")) {
            if (!j.path("request_id").asText().equals(idB)) {
                wrong.add("a minted cursor listed " + j.path("request_id").asText() + ", not one of B's jobs");
            }
        }

        // --- s3:// references.
        String outA = "s3://" + bucket + "/outputs/relAuthA/";
        Map<String, String> references = new LinkedHashMap<>();
        references.put("B's output image", objectB);
        references.put("B's input prefix", "s3://" + bucket + "/inputs/relAuthB/x.png");
        references.put("B's edits", "s3://" + bucket + "/edits/relAuthB/cat.png");
        references.put("B's edited", "s3://" + bucket + "/edited/relAuthB/cat-1.png");
        references.put("B's conversation", "s3://" + bucket + "/conversations/relAuthB/" + idB + ".json");
        references.put("traversal ..", outA + "../relAuthB/" + idB + "/0.jpg");
        references.put("traversal .", outA + "./../relAuthB/" + idB + "/0.jpg");
        references.put("double slash", "s3://" + bucket + "//outputs/relAuthB/" + idB + "/0.jpg");
        references.put("tenant prefix of a longer name", "s3://" + bucket + "/outputs/relAuthAB/x.png");
        references.put("bare tenant prefix", "s3://" + bucket + "/outputs/relAuthA");
        references.put("another bucket", "s3://another-bucket/outputs/relAuthA/x.png");
        references.put("bucket name in other case", "s3://" + bucket.toUpperCase() + "/outputs/relAuthA/x.png");
        references.put("bucket prefix", "s3://" + bucket + "-evil/outputs/relAuthA/x.png");
        references.put("outcome document", "s3://" + bucket + "/outputs/relAuthB/" + idB + "/outcome.json");
        for (Map.Entry<String, String> ref : references.entrySet()) {
            ObjectNode simple = Json.object().put("model", MODEL);
            simple.putObject("payload").put("prompt", "edit " + run).put("image", ref.getValue());
            expect("s3 reference (simple form): " + ref.getKey(), 400, a.post("/v1/requests", Json.write(simple)),
                    "INVALID_REFERENCE");
            ObjectNode nativeForm = Json.object();
            var parts = nativeForm.putArray("contents").addObject().put("role", "user").putArray("parts");
            parts.addObject().put("text", "edit " + run);
            parts.addObject().putObject("fileData").put("mimeType", "image/jpeg").put("fileUri", ref.getValue());
            expect("s3 reference (native form): " + ref.getKey(), 400, a.post("/v1beta/models/" + MODEL
                    + ":generateContent", Json.write(nativeForm)), "INVALID_REFERENCE");
        }
        // Percent-encoded dots are no traversal in S3 (keys are literal, the SDK sends '%' as %25): accepted as an
        // object under A's own prefix, which does not exist; the worker must say so, never read B's image.
        ObjectNode encoded = Json.object().put("model", MODEL);
        encoded.putObject("payload").put("prompt", "edit encoded " + run).put("image", outA + "%2e%2e/relAuthB/"
                + idB + "/0.jpg");
        ApiClient.Response encodedRef = a.post("/v1/requests", Json.write(encoded));
        expect("s3 reference: percent-encoded dots stay under A's prefix", 202, encodedRef, null);
        // A's own output is a fine reference (the control).
        ObjectNode own = Json.object().put("model", MODEL);
        own.putObject("payload").put("prompt", "edit my own " + run).put("image", objectA);
        ApiClient.Response ownRef = a.post("/v1/requests", Json.write(own));
        expect("s3 reference: A's own output (control)", 202, ownRef, null);
        // Past the validator (a job written straight to the table): the worker refuses B's object too.
        String bypass = RequestIds.newId(System.currentTimeMillis());
        ObjectNode request = Json.object();
        var bypassParts = request.putArray("contents").addObject().put("role", "user").putArray("parts");
        bypassParts.addObject().put("text", "bypass " + run);
        bypassParts.addObject().putObject("fileData").put("mimeType", "image/jpeg").put("fileUri", objectB);
        Instant now = Instant.now();
        rs.jobs().create(Job.queued(bypass, ReliabilityStack.AUTH_A.tenant(), MODEL, Job.SOURCE_API, null,
                Json.write(request), null, "bypass", now, now.plus(Duration.ofDays(1))));
        stack.sqs().sendMessage(r -> r.queueUrl(stack.queueUrl("JobsQueue")).messageBody(JobMessage.body(bypass)));

        // --- SSRF with loopback references allowed (the local stack's setting): redirects to private places.
        ImageServer server = ImageServer.start();
        List<String> redirectJobs = new ArrayList<>();
        Map<String, String> redirectTargets = new LinkedHashMap<>();
        redirectTargets.put("metadata", "http://169.254.169.254/latest/meta-data/iam/security-credentials/");
        redirectTargets.put("metadata, IPv4-mapped IPv6", "http://[::ffff:169.254.169.254]/latest/meta-data/");
        redirectTargets.put("AWS IPv6 metadata", "http://[fd00:ec2::254]/latest/meta-data/");
        redirectTargets.put("private 10/8", "http://10.0.0.1/a.png");
        redirectTargets.put("private 192.168/16", "http://192.168.1.1/a.png");
        redirectTargets.put("private 172.16/12", "http://172.16.0.1/a.png");
        redirectTargets.put("carrier-grade NAT", "http://100.100.100.200/latest/meta-data/");
        redirectTargets.put("IPv6 unique local", "http://[fc00::1]/a.png");
        redirectTargets.put("this network", "http://0.0.0.0/a.png");
        redirectTargets.put("file scheme", "file:///etc/passwd");
        redirectTargets.put("gopher scheme", "gopher://127.0.0.1:6379/_INFO");
        redirectTargets.put("redirect loop", "http://127.0.0.1:" + server.port() + "/loop");
        Map<String, String> idsByTarget = new LinkedHashMap<>();
        for (Map.Entry<String, String> t : redirectTargets.entrySet()) {
            String url = "http://127.0.0.1:" + server.port() + "/redirect?to=" + java.net.URLEncoder.encode(
                    t.getValue(), java.nio.charset.StandardCharsets.UTF_8);
            ObjectNode body = Json.object().put("model", MODEL);
            body.putObject("payload").put("prompt", "ssrf " + t.getKey() + " " + run).put("image", url);
            ApiClient.Response r = a.post("/v1/requests", Json.write(body));
            expect("ssrf (loopback allowed): accepted for the worker to check: " + t.getKey(), 202, r, null);
            idsByTarget.put(t.getKey(), r.json().path("request_id").asText());
        }
        ObjectNode control = Json.object().put("model", MODEL);
        control.putObject("payload").put("prompt", "ssrf control " + run).put("image", "http://127.0.0.1:"
                + server.port() + "/ok.png");
        ApiClient.Response controlResponse = a.post("/v1/requests", Json.write(control));
        expect("ssrf (loopback allowed): a loopback image (control)", 202, controlResponse, null);
        String controlId = controlResponse.json().path("request_id").asText();
        redirectJobs.addAll(idsByTarget.values());

        List<Job> aJobs = rs.awaitTerminal(ReliabilityStack.AUTH_A.tenant(), jobsOfA + 2 + 3 + redirectTargets.size()
                + 1, Duration.ofSeconds(90));
        Map<String, Job> byId = aJobs.stream().collect(Collectors.toMap(Job::requestId, j -> j));
        checkJob("s3 reference: A's own output (control)", byId.get(ownRef.json().path("request_id").asText()),
                JobStatus.SUCCESS, null, null);
        checkJob("s3 reference: past the validator, B's object", byId.get(bypass), JobStatus.FAILED,
                "INVALID_REFERENCE", "not an object of this account");
        checkJob("s3 reference: percent-encoded dots", byId.get(encodedRef.json().path("request_id").asText()),
                JobStatus.FAILED, "INVALID_REFERENCE", "does not exist");
        checkJob("ssrf (loopback allowed): control", byId.get(controlId), JobStatus.SUCCESS, null, null);
        for (Map.Entry<String, String> e : idsByTarget.entrySet()) {
            String message = e.getKey().contains("scheme") ? "must be an https:// URL"
                    : e.getKey().equals("redirect loop") ? "redirects more than" : "non-public address";
            checkJob("ssrf (loopback allowed): redirect to " + e.getKey(), byId.get(e.getValue()), JobStatus.FAILED,
                    "INVALID_REFERENCE", message);
        }

        // --- SSRF as in AWS: loopback references off for submit and worker.
        stack.environment().setForAll("ALLOW_LOOPBACK_REFERENCES", "false");
        stack.functions().values().forEach(f -> f.resetInstances());
        int hitsBefore = server.hits();
        List<String> strictJobs = new ArrayList<>();
        try {
            Map<String, String> literal = new LinkedHashMap<>();
            literal.put("loopback", "https://127.0.0.1:" + server.port() + "/ok.png");
            literal.put("loopback over http", "http://127.0.0.1:" + server.port() + "/ok.png");
            literal.put("localhost", "https://localhost:" + server.port() + "/ok.png");
            literal.put("localhost.", "https://localhost.:" + server.port() + "/ok.png");
            literal.put("LOCALHOST", "https://LOCALHOST/ok.png");
            literal.put("sub.localhost", "https://a.localhost/ok.png");
            literal.put("IPv6 loopback", "https://[::1]/ok.png");
            literal.put("IPv4-mapped loopback", "https://[::ffff:127.0.0.1]/ok.png");
            literal.put("IPv6 unique local", "https://[fc00::1]/a.png");
            literal.put("IPv6 link-local", "https://[fe80::1]/a.png");
            literal.put("metadata", "https://169.254.169.254/latest/meta-data/");
            literal.put("private", "https://10.1.2.3/a.png");
            literal.put("decimal loopback", "https://2130706433/a.png");
            literal.put("hex loopback", "https://0x7f.0.0.1/a.png");
            literal.put("short loopback", "https://127.1/a.png");
            literal.put("octal loopback", "https://0177.0.0.1/a.png");
            literal.put("unspecified", "https://0.0.0.0/a.png");
            literal.put("credentials in the URL", "https://user:pass@images.example.com/a.png");
            literal.put("plain http to a public name", "http://images.example.com/a.png");
            for (Map.Entry<String, String> e : literal.entrySet()) {
                ObjectNode body = Json.object().put("model", MODEL);
                body.putObject("payload").put("prompt", "strict " + run).put("image", e.getValue());
                expect("ssrf (as in AWS): refused at submit: " + e.getKey(), 400, a.post("/v1/requests",
                        Json.write(body)), "INVALID_REFERENCE");
            }
            // Names that resolve to loopback: the machine's own host name, where it does.
            for (String name : loopbackNames()) {
                ObjectNode body = Json.object().put("model", MODEL);
                body.putObject("payload").put("prompt", "strict dns " + name + " " + run).put("image", "https://"
                        + name + ":" + server.port() + "/ok.png");
                ApiClient.Response r = a.post("/v1/requests", Json.write(body));
                expect("ssrf (as in AWS): a name resolving to loopback passes submit, which does no DNS: " + name,
                        202, r, null);
                strictJobs.add(r.json().path("request_id").asText());
            }
            // And a loopback URL written straight to the table: the worker's own check.
            String direct = RequestIds.newId(System.currentTimeMillis());
            ObjectNode req = Json.object();
            var p = req.putArray("contents").addObject().put("role", "user").putArray("parts");
            p.addObject().put("text", "strict direct " + run);
            p.addObject().putObject("fileData").put("mimeType", "image/png").put("fileUri", "https://127.0.0.1:"
                    + server.port() + "/ok.png");
            rs.jobs().create(Job.queued(direct, ReliabilityStack.AUTH_A.tenant(), MODEL, Job.SOURCE_API, null,
                    Json.write(req), null, "direct", Instant.now(), Instant.now().plus(Duration.ofDays(1))));
            stack.sqs().sendMessage(r -> r.queueUrl(stack.queueUrl("JobsQueue")).messageBody(JobMessage.body(direct)));
            strictJobs.add(direct);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (strictJobs.stream().anyMatch(id -> !rs.jobs().get(id).orElseThrow().status().terminal())
                    && System.nanoTime() < deadline) {
                ReliabilityStack.sleep(250);
            }
            for (String id : strictJobs) {
                checkJob("ssrf (as in AWS): worker refuses " + id, rs.jobs().get(id).orElse(null), JobStatus.FAILED,
                        "INVALID_REFERENCE", "non-public address");
            }
        } finally {
            stack.environment().setForAll("ALLOW_LOOPBACK_REFERENCES", "true");
            stack.functions().values().forEach(f -> f.resetInstances());
            server.close();
        }
        int strictHits = server.hits() - hitsBefore;
        if (strictHits != 0) {
            wrong.add("with loopback references off, the image server was still reached " + strictHits + " times");
        }

        ReliabilityStack.figure(SUITE, "checks=" + checks.values().stream().mapToInt(Integer::intValue).sum()
                + " wrong=" + wrong.size() + " s=" + String.format("%.1f", (System.nanoTime() - t0) / 1e9)
                + " ssrf_server_hits_with_loopback_off=" + strictHits + " loopback_names=" + loopbackNames());
        ReliabilityStack.figure(SUITE, "by kind " + checks);
        assertTrue(wrong.isEmpty(), wrong.size() + " wrong:\n" + String.join("\n", wrong));
        rs.deleteObjects("outputs/relAuthA/", k -> true);
        rs.deleteObjects("outputs/relAuthB/", k -> true);
        rs.assertLogsClean(SUITE);
    }

    private void checkJob(String what, Job job, JobStatus status, String code, String messagePart) {
        checks.merge(what.split(":")[0], 1, Integer::sum);
        if (job == null) {
            wrong.add(what + ": job missing");
            return;
        }
        boolean ok = job.status() == status && (code == null || (job.error() != null && code.equals(job.error().code())
                && (messagePart == null || job.error().message().contains(messagePart))));
        if (!ok) {
            wrong.add(what + ": " + job.status().wire() + " " + (job.error() == null ? "" : job.error().code() + " "
                    + job.error().message()) + "; expected " + status.wire() + " " + (code == null ? "" : code + " ~ "
                    + messagePart));
        }
    }

    /** Host names of this machine that resolve to a loopback address (from /etc/hosts), not spelled localhost. */
    static List<String> loopbackNames() {
        List<String> names = new ArrayList<>();
        try {
            String host = InetAddress.getLocalHost().getHostName();
            if (!host.contains("localhost") && Arrays.stream(InetAddress.getAllByName(host))
                    .allMatch(InetAddress::isLoopbackAddress)) {
                names.add(host.toLowerCase());
            }
        } catch (UnknownHostException e) {
            // none here
        }
        return names;
    }

    /** Serves a PNG at /ok.png, a redirect at /redirect?to=URL and an endless redirect at /loop; counts hits. */
    static final class ImageServer implements AutoCloseable {
        private final HttpServer server;
        private final AtomicInteger hits = new AtomicInteger();

        private ImageServer(HttpServer server) {
            this.server = server;
        }

        static ImageServer start() {
            try {
                HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
                ImageServer s = new ImageServer(server);
                byte[] png = png();
                server.createContext("/", exchange -> {
                    s.hits.incrementAndGet();
                    String path = exchange.getRequestURI().getPath();
                    String query = exchange.getRequestURI().getQuery();
                    if (path.equals("/ok.png")) {
                        exchange.getResponseHeaders().add("content-type", "image/png");
                        exchange.sendResponseHeaders(200, png.length);
                        try (OutputStream out = exchange.getResponseBody()) {
                            out.write(png);
                        }
                    } else if (path.equals("/redirect") && query != null && query.startsWith("to=")) {
                        exchange.getResponseHeaders().add("location", query.substring(3));
                        exchange.sendResponseHeaders(302, -1);
                    } else if (path.equals("/loop")) {
                        exchange.getResponseHeaders().add("location", "/loop");
                        exchange.sendResponseHeaders(302, -1);
                    } else {
                        exchange.sendResponseHeaders(404, -1);
                    }
                    exchange.close();
                });
                server.start();
                return s;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        int port() {
            return server.getAddress().getPort();
        }

        int hits() {
            return hits.get();
        }

        private static byte[] png() throws IOException {
            BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
