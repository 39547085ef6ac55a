package imagejobs.it.google;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.genai.Client;
import com.google.genai.errors.ClientException;
import com.google.genai.types.BatchJob;
import com.google.genai.types.BatchJobSource;
import com.google.genai.types.Content;
import com.google.genai.types.CreateBatchJobConfig;
import com.google.genai.types.HttpOptions;
import com.google.genai.types.InlinedRequest;
import com.google.genai.types.InlinedResponse;
import com.google.genai.types.JobState;
import com.google.genai.types.ListBatchJobsConfig;
import com.google.genai.types.Part;

import imagejobs.it.ServiceStack;
import imagejobs.local.Deadline;
import imagejobs.local.resources.LocalKey;

/**
 * Google's batch API end to end: google-genai's {@code batches.create/get/list/cancel/delete}, configured as its users
 * configure it for Google with only the base URL and the key changed, against the whole local stack (front door,
 * GoogleFunction, DynamoDB Local's batches table, the worker, the Gemini simulator). Runs with google-genai 1.70.0
 * ({@code /v1beta/...}) and in the {@code google-genai-2} execution with 2.3.0 ({@code /v1/...}).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class GoogleBatchesEndToEndTest {
    private static final String FLASH = "gemini-2.5-flash-image";
    private static final Set<String> DONE = Set.of("JOB_STATE_SUCCEEDED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED");

    private static Client client(LocalKey key) {
        return Client.builder()
                .apiKey(key.key())
                .httpOptions(HttpOptions.builder().baseUrl(ServiceStack.get().apiUrl().toString()).build())
                .build();
    }

    private static String marker() {
        return " #" + UUID.randomUUID();
    }

    private static InlinedRequest request(String prompt, String key) {
        InlinedRequest.Builder b = InlinedRequest.builder().contents(Content.fromParts(Part.fromText(prompt)));
        return key == null ? b.build() : b.metadata(Map.of("key", key)).build();
    }

    private static BatchJob awaitDone(Client client, String name) {
        BatchJob[] last = new BatchJob[1];
        Deadline.await(Duration.ofSeconds(120), name + " to finish", () -> {
            last[0] = client.batches.get(name, null);
            return DONE.contains(last[0].state().orElseThrow().toString());
        });
        return last[0];
    }

    @Test
    void aBatchRunsEachRequestAsAJobAndAnswersEveryResultInOrder() throws Exception {
        String tag = marker();
        try (Client client = client(ServiceStack.TENANT_A)) {
            BatchJob created = client.batches.create(FLASH, BatchJobSource.builder().inlinedRequests(List.of(
                            request("a red fox" + tag, "fox"),
                            // Gemini refuses this one with a 400: that request fails, the batch still succeeds.
                            request("a white hare [sim:status=400]" + tag, "hare"),
                            request("a grey owl" + tag, null))).build(),
                    CreateBatchJobConfig.builder().displayName("three animals").build());
            String name = created.name().orElseThrow();
            assertTrue(name.startsWith("batches/"), name);
            assertEquals("three animals", created.displayName().orElseThrow());
            assertTrue(created.model().orElseThrow().endsWith(FLASH), created.model().toString());
            assertFalse(DONE.contains(created.state().orElseThrow().toString()), "a new batch is not done");

            BatchJob done = awaitDone(client, name);

            assertEquals(JobState.Known.JOB_STATE_SUCCEEDED, done.state().orElseThrow().knownEnum());
            assertTrue(done.endTime().isPresent());
            List<InlinedResponse> results = done.dest().orElseThrow().inlinedResponses().orElseThrow();
            assertEquals(3, results.size());

            // 1: an image, as a presigned https-style URL the user fetches.
            InlinedResponse fox = results.get(0);
            assertEquals(Map.of("key", "fox"), fox.metadata().orElseThrow());
            String uri = fox.response().orElseThrow().parts().stream().filter(p -> p.fileData().isPresent())
                    .findFirst().orElseThrow().fileData().orElseThrow().fileUri().orElseThrow();
            HttpResponse<byte[]> image = ServiceStack.download(uri);
            assertEquals(200, image.statusCode());
            assertEquals(1024, ImageIO.read(new ByteArrayInputStream(image.body())).getWidth());

            // 2: its own error, our code leading the message.
            InlinedResponse hare = results.get(1);
            assertEquals(Map.of("key", "hare"), hare.metadata().orElseThrow());
            assertTrue(hare.response().isEmpty());
            String message = hare.error().orElseThrow().message().orElseThrow();
            assertTrue(message.matches("^[A-Z_]+: .+"), message);

            // 3: in request order.
            assertTrue(results.get(2).response().isPresent());

            // Each request is an ordinary job of the tenant, its request id the response's responseId.
            String foxId = fox.response().orElseThrow().responseId().orElseThrow();
            JsonNode job = ServiceStack.api(ServiceStack.TENANT_A).get("/v1/requests/" + foxId).body();
            assertEquals("success", job.path("status").asText(), job.toString());

            // On the wire, for REST callers: done and batchStats.
            JsonNode wire = ServiceStack.api(ServiceStack.TENANT_A).get("/v1beta/" + name).body();
            assertTrue(wire.path("done").asBoolean(), wire.toString());
            JsonNode stats = wire.path("metadata").path("batchStats");
            assertEquals("3", stats.path("requestCount").asText());
            assertEquals("2", stats.path("successfulRequestCount").asText());
            assertEquals("1", stats.path("failedRequestCount").asText());
            assertEquals("0", stats.path("pendingRequestCount").asText());
        }
    }

    @Test
    void listPagesThroughTheTenantsBatchesNewestFirstAndDeleteRemovesOne() {
        String tag = marker();
        try (Client client = client(ServiceStack.TENANT_A)) {
            List<String> mine = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                mine.add(0, client.batches.create(FLASH, BatchJobSource.builder().inlinedRequests(List.of(
                        request("a pebble " + i + tag, null))).build(), null).name().orElseThrow());
            }

            List<String> listed = new ArrayList<>();
            // pageSize 2: the SDK's pager asks for the next page while nextPageToken is present.
            client.batches.list(ListBatchJobsConfig.builder().pageSize(2).build())
                    .forEach(b -> listed.add(b.name().orElseThrow()));
            assertEquals(listed.size(), new HashSet<>(listed).size(), "no batch twice across pages: " + listed);
            int first = listed.indexOf(mine.get(0));
            assertTrue(first >= 0, listed + " has " + mine.get(0));
            assertEquals(mine, listed.subList(first, first + 3), "newest first");

            client.batches.delete(mine.get(1), null);
            ClientException gone = assertThrows(ClientException.class, () -> client.batches.get(mine.get(1), null));
            assertEquals(404, gone.code());
            assertEquals("NOT_FOUND", gone.status());
            List<String> after = new ArrayList<>();
            client.batches.list(ListBatchJobsConfig.builder().pageSize(20).build())
                    .forEach(b -> after.add(b.name().orElseThrow()));
            assertFalse(after.contains(mine.get(1)));
            assertTrue(after.contains(mine.get(0)));
        }
    }

    @Test
    void aCancelledBatchStopsItsQueuedRequests() {
        String tag = " [sim:delay=3000]" + marker();
        try (Client client = client(ServiceStack.TENANT_A)) {
            List<InlinedRequest> requests = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                requests.add(request("a cat " + i + tag, "cat" + i));
            }
            String name = client.batches.create(FLASH, BatchJobSource.builder().inlinedRequests(requests).build(),
                    null).name().orElseThrow();

            client.batches.cancel(name, null);

            BatchJob last = awaitDone(client, name);
            assertEquals(JobState.Known.JOB_STATE_CANCELLED, last.state().orElseThrow().knownEnum());
            List<InlinedResponse> results = last.dest().orElseThrow().inlinedResponses().orElseThrow();
            assertEquals(12, results.size());
            long cancelled = results.stream()
                    .filter(r -> r.error().isPresent() && r.error().get().code().orElse(0) == 1).count();
            assertTrue(cancelled > 0, "queued requests were cancelled (google.rpc CANCELLED = 1)");
            // Those are cancelled jobs in the tenant's listing too.
            JsonNode listing = ServiceStack.api(ServiceStack.TENANT_A).get("/v1/requests?status=cancelled&limit=50")
                    .body();
            assertTrue(listing.path("data").size() >= cancelled, listing.toString());
        }
    }

    @Test
    void tooLargeAndFileBatchesAreRefusedInGooglesShapeAndCreateNothing() {
        String tag = marker();
        try (Client client = client(ServiceStack.TENANT_A)) {
            List<InlinedRequest> requests = new ArrayList<>();
            for (int i = 0; i < 101; i++) {
                requests.add(request("a grain of sand " + i + tag, null));
            }
            ClientException tooLarge = assertThrows(ClientException.class, () -> client.batches.create(FLASH,
                    BatchJobSource.builder().inlinedRequests(requests).build(), null));
            assertEquals(400, tooLarge.code());
            assertEquals("INVALID_ARGUMENT", tooLarge.status());
            assertTrue(tooLarge.message().contains("at most 100 requests"), tooLarge.message());
            assertTrue(tooLarge.message().contains("BATCH_TOO_LARGE"), "our code, in the ErrorInfo detail");
            assertTrue(tooLarge.message().contains("batch.inputConfig.requests.requests"), "the field");

            // One bad request refuses the batch, naming where it is.
            ClientException bad = assertThrows(ClientException.class, () -> client.batches.create(FLASH,
                    BatchJobSource.builder().inlinedRequests(List.of(request("fine" + tag, null),
                            InlinedRequest.builder().contents(Content.fromParts(Part.fromText("x" + tag)))
                                    .config(com.google.genai.types.GenerateContentConfig.builder()
                                            .imageConfig(com.google.genai.types.ImageConfig.builder()
                                                    .imageSize("8K").build()).build()).build())).build(), null));
            assertEquals(400, bad.code());
            assertTrue(bad.message().contains("batch.inputConfig.requests.requests[1].request.generationConfig"
                    + ".imageConfig.imageSize"), bad.message());

            ClientException file = assertThrows(ClientException.class, () -> client.batches.create(FLASH,
                    BatchJobSource.builder().fileName("files/requests.jsonl").build(), null));
            assertEquals(400, file.code());
            assertTrue(file.message().contains("UNSUPPORTED_FIELD"), file.message());

            JsonNode jobs = ServiceStack.api(ServiceStack.TENANT_A).get("/v1/requests?limit=100").body();
            assertFalse(jobs.toString().contains(tag.substring(2)), "no job was created");
            assertTrue(ServiceStack.simulatorCalls(tag.substring(2)).isEmpty(), "Gemini was never called");
        }
    }

    @Test
    void anotherTenantsBatchIsNotFound() {
        try (Client owner = client(ServiceStack.TENANT_A); Client other = client(ServiceStack.TENANT_B)) {
            String name = owner.batches.create(FLASH, BatchJobSource.builder().inlinedRequests(List.of(
                    request("a lantern" + marker(), null))).build(), null).name().orElseThrow();

            ClientException get = assertThrows(ClientException.class, () -> other.batches.get(name, null));
            assertEquals(404, get.code());
            assertEquals("NOT_FOUND", get.status());
            // The SDK's cancel never reads its answer (it returns nothing, whatever the status): ask over HTTP.
            ServiceStack.Response cancel = ServiceStack.api(ServiceStack.TENANT_B).post("/v1beta/" + name + ":cancel",
                    "{}");
            assertEquals(404, cancel.status());
            assertEquals("NOT_FOUND", cancel.body().path("error").path("status").asText(), cancel.body().toString());
            assertEquals(404, assertThrows(ClientException.class, () -> other.batches.delete(name, null)).code());
            List<String> theirs = new ArrayList<>();
            other.batches.list(ListBatchJobsConfig.builder().pageSize(20).build())
                    .forEach(b -> theirs.add(b.name().orElseThrow()));
            assertFalse(theirs.contains(name));

            assertEquals(name, owner.batches.get(name, null).name().orElseThrow(), "the owner still has it");
        }
    }
}
