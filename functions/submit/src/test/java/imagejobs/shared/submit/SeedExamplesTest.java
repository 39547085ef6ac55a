package imagejobs.shared.submit;

import static imagejobs.shared.submit.SubmitHarness.BUCKET;
import static imagejobs.shared.submit.SubmitHarness.TENANT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.json.Json;
import imagejobs.shared.storage.StoredObject;
import imagejobs.shared.validation.CanonicalRequest;
import imagejobs.shared.validation.ImageReferences;
import imagejobs.shared.validation.RequestValidator;

/**
 * Every example request of the seed documents is accepted as written, becomes the canonical Gemini request its
 * fixture names, and is stored and queued the way the worker expects: inline images in S3 under
 * inputs/{tenant}/{request_id}/, referenced by fileData, and a message carrying only the job id.
 */
class SeedExamplesTest {

    static Stream<SeedFixtures> seeds() {
        return SeedFixtures.all(BUCKET, TENANT).stream();
    }

    @Test
    void everySeedDocumentHasExamples() {
        List<SeedFixtures> all = SeedFixtures.all(BUCKET, TENANT);
        Set<String> seeds = new TreeSet<>();
        all.forEach(f -> seeds.add(f.seed()));
        assertEquals(Set.of("000", "001", "002", "003", "004"), seeds);
        assertTrue(all.size() >= 14, "examples: " + all.size());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("seeds")
    void validatesToItsCanonicalRequest(SeedFixtures fixture) {
        RequestValidator validator = new RequestValidator(SubmitHarness.CATALOG, new ImageReferences(BUCKET));
        CanonicalRequest canonical = fixture.route().equals(SeedFixtures.REQUEST_QUEUE)
                ? validator.validateRequestQueue(fixture.body(), TENANT)
                : validator.validateNative(fixture.model(), fixture.body(), TENANT);
        assertEquals(fixture.model(), canonical.model().id());
        // Compared as text: field order is part of the canonical form.
        assertEquals(Json.write(fixture.canonical()), Json.write(canonical.gemini()), fixture.example());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("seeds")
    void isAcceptedStoredAndQueued(SeedFixtures fixture) {
        SubmitHarness harness = new SubmitHarness();
        SubmitHarness.Answer answer = fixture.route().equals(SeedFixtures.REQUEST_QUEUE)
                ? harness.submit(fixture.bodyText())
                : harness.generate(fixture.model(), fixture.bodyText());

        harness.assertOneQueuedJob(answer);
        String id = answer.requestId();
        assertEquals("queued", answer.body().path("status").asText());
        assertEquals(fixture.model(), answer.body().path("model").asText());
        assertEquals("/v1/requests/" + id, answer.headers().get("location"));

        Job job = harness.jobs.get(id).orElseThrow();
        assertEquals(JobStatus.QUEUED, job.status());
        assertEquals(TENANT, job.tenant());
        ObjectNode stored = harness.storedRequest(id);
        assertFalse(Json.write(stored).contains("inlineData"), "no base64 in the job item");
        assertEquals(Json.write(withInlineImagesInS3(fixture.canonical(), id)), Json.write(stored));

        // The uploaded objects are exactly the inline images, in order.
        int n = 0;
        for (JsonNode inline : inlineImages(fixture.canonical())) {
            String mime = inline.path("mimeType").asText();
            String key = "inputs/" + TENANT + "/" + id + "/" + n++ + "." + InputSpiller.extension(mime);
            StoredObject object = harness.objects.get(key).orElseThrow(() -> new AssertionError("missing " + key));
            assertEquals(mime, object.contentType());
            assertArrayEquals(Base64.getDecoder().decode(inline.path("data").asText()), object.bytes());
        }
        assertEquals(n, harness.objects.objects.size(), "only the inline images are uploaded");
    }

    /** The canonical request as the job stores it: each inlineData replaced by a fileData on its S3 copy. */
    static ObjectNode withInlineImagesInS3(ObjectNode canonical, String requestId) {
        ObjectNode copy = canonical.deepCopy();
        int n = 0;
        for (JsonNode turn : copy.path("contents")) {
            for (JsonNode part : turn.path("parts")) {
                JsonNode inline = part.get("inlineData");
                if (inline != null) {
                    String mime = inline.path("mimeType").asText();
                    ObjectNode p = (ObjectNode) part;
                    p.remove("inlineData");
                    p.putObject("fileData").put("mimeType", mime).put("fileUri", "s3://" + BUCKET + "/inputs/"
                            + TENANT + "/" + requestId + "/" + n++ + "." + InputSpiller.extension(mime));
                }
            }
        }
        return copy;
    }

    private static List<JsonNode> inlineImages(ObjectNode canonical) {
        return canonical.findValues("inlineData");
    }
}
