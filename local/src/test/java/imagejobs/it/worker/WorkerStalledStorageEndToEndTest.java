package imagejobs.it.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.local.Deadline;
import imagejobs.local.runtime.FunctionEnvironment;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * S3 stalled under the worker (an endpoint that accepts connections and never answers): the image upload ends in the
 * SDK's call timeout, the attempt is requeued like any retryable failure (status queued, last_error, the message
 * delayed by the backoff) instead of hanging until Lambda kills the function, and once S3 answers again the next
 * delivery finishes the job.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WorkerStalledStorageEndToEndTest {
    private static final String MODEL = "gemini-2.5-flash-image";

    @Test
    void aStalledS3UploadIsRequeuedAndTheJobFinishesOnceS3Answers() throws Exception {
        WorkerStack.Tenant tenant = WorkerStack.tenant("wstall");
        FunctionEnvironment env = WorkerStack.stack().environment();
        String realS3 = WorkerStack.stack().s3Endpoint().toString();
        try (Silent silent = new Silent()) {
            try (WorkerStack.Pause paused = WorkerStack.pauseWorker()) {
                // Paused: no worker instance is busy, so every one built from now on sees the stalled endpoint.
                env.set(WorkerStack.WORKER, "AWS_ENDPOINT_URL_S3", silent.uri());
                env.set(WorkerStack.WORKER, "SDK_API_CALL_TIMEOUT_MILLIS_S3", "1500");
                env.set(WorkerStack.WORKER, "SDK_API_CALL_ATTEMPT_TIMEOUT_MILLIS_S3", "500");
                // Room between the first attempt's requeue and the next delivery (5-10 s) to swap S3 back.
                env.set(WorkerStack.WORKER, "RETRY_BASE_MILLIS", "5000");
                WorkerStack.stack().function(WorkerStack.WORKER).resetInstances();
            }
            String marker = WorkerStack.marker("a stalled bucket");
            String id = WorkerStack.submit(tenant, WorkerStack.simple(MODEL, marker, "aspect_ratio", "1:1"));

            Deadline.await(Duration.ofSeconds(60), "job " + id + " requeued after its stalled upload", () ->
                    WorkerStack.item(id).map(item -> "queued".equals(s(item, "status")) && "1".equals(n(item))
                            && item.containsKey("last_error")).orElse(false));
            JsonNode between = tenant.api().get("/v1/requests/" + id).body();
            assertEquals("queued", between.path("status").asText(), between.toString());
            assertFalse(between.path("last_error").asText().isEmpty(), between.toString());
            assertTrue(silent.connections() > 0, "the upload reached the stalled endpoint");
            assertEquals(1, WorkerStack.upstreamCalls(marker));

            try (WorkerStack.Pause paused = WorkerStack.pauseWorker()) {
                restore(env, realS3);
            }
            JsonNode done = WorkerStack.awaitTerminal(tenant, id);
            assertEquals("success", done.path("status").asText(), done.toString());
            assertEquals(2, WorkerStack.upstreamCalls(marker), "one Gemini call per attempt");
            assertEquals(1, WorkerStack.imageKeys(tenant.name(), id).size());
        } finally {
            try (WorkerStack.Pause paused = WorkerStack.pauseWorker()) {
                restore(env, realS3);
            }
        }
    }

    private static void restore(FunctionEnvironment env, String realS3) {
        env.set(WorkerStack.WORKER, "AWS_ENDPOINT_URL_S3", realS3);
        env.set(WorkerStack.WORKER, "SDK_API_CALL_TIMEOUT_MILLIS_S3", null);
        env.set(WorkerStack.WORKER, "SDK_API_CALL_ATTEMPT_TIMEOUT_MILLIS_S3", null);
        env.set(WorkerStack.WORKER, "RETRY_BASE_MILLIS", "20");
        WorkerStack.stack().function(WorkerStack.WORKER).resetInstances();
    }

    private static String s(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
    }

    private static String n(Map<String, AttributeValue> item) {
        AttributeValue v = item.get("attempts");
        return v == null ? null : v.n();
    }

    /** Accepts connections and never answers. */
    private static final class Silent implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final List<Socket> accepted = new CopyOnWriteArrayList<>();

        Silent() throws IOException {
            Thread acceptor = new Thread(() -> {
                while (!socket.isClosed()) {
                    try {
                        accepted.add(socket.accept());
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "silent-s3");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        String uri() {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }

        int connections() {
            return accepted.size();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : accepted) {
                s.close();
            }
        }
    }
}
