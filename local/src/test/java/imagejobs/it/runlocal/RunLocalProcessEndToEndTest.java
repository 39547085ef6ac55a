package imagejobs.it.runlocal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.local.Deadline;
import imagejobs.local.TestPaths;
import imagejobs.local.emulators.DataDirectory;
import imagejobs.local.emulators.LocalCredentials;
import imagejobs.local.emulators.Ports;
import imagejobs.local.resources.LocalKey;
import imagejobs.shared.json.Json;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * {@code ./run-local --data DIR} as its own process, stopped by SIGTERM and started again: the JVM the script execs
 * (LocalStackMain, on this test's class path) on ports of its own. It must exit 0 within a polled deadline with every
 * port freed and no child process left, keep the finished job, its image and a queued message across the restart,
 * and, when started in the background by a script (SIGINT ignored), say so and still stop on SIGTERM.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class RunLocalProcessEndToEndTest {
    private static final Duration START_LIMIT = Duration.ofSeconds(240);
    private static final Duration STOP_LIMIT = Duration.ofSeconds(120);
    private static final Pattern ENDPOINT = Pattern.compile("^  (HTTP API|DynamoDB Local|ElasticMQ \\(SQS\\)|S3Proxy \\(S3\\)|Gemini)"
            + "\\s+http://127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern PID = Pattern.compile("kill -TERM (\\d+)");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Process> started = new ArrayList<>();
    @TempDir
    Path data;

    /** A started ./run-local: its output so far, the ports and pid its banner names. */
    private static final class RunLocal {
        final Process process;
        final List<String> lines = new CopyOnWriteArrayList<>();
        final Map<String, Integer> ports = new java.util.concurrent.ConcurrentHashMap<>();

        RunLocal(Process process) {
            this.process = process;
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        lines.add(line);
                        Matcher m = ENDPOINT.matcher(line);
                        if (m.find()) {
                            ports.putIfAbsent(m.group(1), Integer.parseInt(m.group(2)));
                        }
                    }
                } catch (IOException e) {
                    lines.add("(output closed: " + e.getMessage() + ")");
                }
            }, "run-local-output");
            reader.setDaemon(true);
            reader.start();
        }

        String output() {
            return String.join("\n", lines);
        }

        void awaitUp() {
            Deadline.await(START_LIMIT, "./run-local to be up; output so far:\n" + output(), () -> {
                if (!process.isAlive()) {
                    throw new AssertionError("./run-local exited " + process.exitValue() + ":\n" + output());
                }
                return lines.stream().anyMatch(l -> l.startsWith("Ctrl-C stops everything") || l.startsWith("Stop it with"));
            });
        }

        long pidFromBanner() {
            for (String line : lines) {
                Matcher m = PID.matcher(line);
                if (m.find()) {
                    return Long.parseLong(m.group(1));
                }
            }
            throw new AssertionError("no pid in the banner:\n" + output());
        }

        String line(String prefix) {
            return lines.stream().filter(l -> l.startsWith(prefix)).findFirst()
                    .orElseThrow(() -> new AssertionError("no line starting " + prefix + " in:\n" + output()));
        }

        URI api() {
            return URI.create("http://127.0.0.1:" + ports.get("HTTP API"));
        }
    }

    private static List<String> javaCommand(Path data) {
        Path root = TestPaths.root();
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Dsqlite4java.library.path=" + TestPaths.nativeLibraries(),
                "-Dimagejobs.root=" + root,
                "imagejobs.local.LocalStackMain", "--data", data.toString());
    }

    private RunLocal start(List<String> command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("IMAGEJOBS_") || k.startsWith("GEMINI_"));
        for (String port : List.of("IMAGEJOBS_API_PORT", "IMAGEJOBS_S3_PORT", "IMAGEJOBS_DYNAMODB_PORT",
                "IMAGEJOBS_SQS_PORT", "IMAGEJOBS_GEMINI_SIM_PORT")) {
            env.put(port, "0");
        }
        Process process = builder.start();
        started.add(process);
        return new RunLocal(process);
    }

    @AfterEach
    void stopLeftovers() {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private static void awaitStopped(RunLocal run, Process waitFor) throws InterruptedException {
        assertTrue(waitFor.waitFor(STOP_LIMIT.toSeconds(), TimeUnit.SECONDS), "exit within " + STOP_LIMIT
                + " after SIGTERM; output:\n" + run.output());
        assertEquals(0, waitFor.exitValue(), run.output());
        assertTrue(run.output().contains("stopped; state kept in"), run.output());
        for (Map.Entry<String, Integer> port : run.ports.entrySet()) {
            Ports.ensureFree(port.getValue(), port.getKey() + " port " + port.getValue() + " still taken");
        }
        assertEquals(5, run.ports.size(), "every server's port was checked: " + run.ports);
    }

    private static JsonNode get(URI api, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(api.resolve(path))
                .header("Authorization", "Bearer " + LocalKey.DEV.key()).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return Json.parse(r.body());
    }

    private static byte[] download(String url) throws Exception {
        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        return r.body();
    }

    private static SqsClient sqs(RunLocal run) {
        return SqsClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.US_EAST_1)
                .credentialsProvider(LocalCredentials.provider())
                .endpointOverride(URI.create("http://127.0.0.1:" + run.ports.get("ElasticMQ (SQS)"))).build();
    }

    @Test
    void sigtermStopsEverythingAndDataSurvivesARestart() throws Exception {
        // 1. Started as a foreground process: SIGINT would reach it; the banner says how to stop it either way.
        RunLocal first = start(javaCommand(data));
        first.awaitUp();
        assertTrue(first.line("State: ").contains("kept in " + data.toRealPath() + " (new)"), first.output());
        assertEquals(first.process.pid(), first.pidFromBanner());
        assertTrue(first.line("Ctrl-C stops everything").contains("kill -TERM " + first.process.pid()));

        HttpResponse<String> submitted = HTTP.send(HttpRequest.newBuilder(first.api().resolve("/v1/requests"))
                .header("Authorization", "Bearer " + LocalKey.DEV.key()).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"gemini-2.5-flash-image\",\"payload\":{\"prompt\":\"a red fox\"}}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, submitted.statusCode(), submitted.body());
        String id = Json.parse(submitted.body()).path("request_id").asText();
        JsonNode[] job = new JsonNode[1];
        Deadline.await(Duration.ofSeconds(120), "job " + id + " to succeed", () -> {
            try {
                job[0] = get(first.api(), "/v1/requests/" + id);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return "success".equals(job[0].path("status").asText());
        });
        byte[] image = download(job[0].path("outcome").path("media_urls").path(0).path("url").asText());
        try (SqsClient sqs = sqs(first)) {
            String queueUrl = sqs.createQueue(q -> q.queueName("RestartProbe")).queueUrl();
            sqs.sendMessage(m -> m.queueUrl(queueUrl).messageBody("still here"));
        }
        assertEquals(0, first.process.descendants().count(), "./run-local starts no child processes");

        // SIGTERM through the handle: Process.destroy() would also close our end of its output.
        first.process.toHandle().destroy();
        awaitStopped(first, first.process);

        // 2. Started in the background by a script: the shell makes it ignore SIGINT; the banner says to use SIGTERM.
        List<String> script = new ArrayList<>(List.of("bash", "-c", "\"$@\" & wait $!", "run-local-in-background"));
        script.addAll(javaCommand(data));
        RunLocal second = start(script);
        second.awaitUp();
        assertTrue(second.line("State: ").contains("(restored)"), second.output());
        long javaPid = second.pidFromBanner();
        assertTrue(second.line("Stop it with: kill -TERM " + javaPid).contains("ignores SIGINT"), second.output());

        JsonNode kept = get(second.api(), "/v1/requests/" + id);
        assertEquals("success", kept.path("status").asText(), kept.toString());
        assertArrayEquals(image, download(kept.path("outcome").path("media_urls").path(0).path("url").asText()),
                "the image is still there, byte for byte");
        try (SqsClient sqs = sqs(second)) {
            String url = sqs.getQueueUrl(q -> q.queueName("RestartProbe")).queueUrl();
            List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(5)).messages();
            assertEquals(List.of("still here"), messages.stream().map(Message::body).toList());
        }

        ProcessHandle.of(javaPid).orElseThrow().destroy(); // SIGTERM to the JVM; the script's wait returns its status
        awaitStopped(second, second.process);
        assertTrue(ProcessHandle.of(javaPid).map(p -> !p.isAlive()).orElse(true), "the JVM is gone");
        DataDirectory.open(data).close(); // the lock was released
    }
}
