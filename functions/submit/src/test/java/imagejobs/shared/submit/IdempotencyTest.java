package imagejobs.shared.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import imagejobs.shared.jobs.JobStatus;

/** Idempotency-Key: the same key and body within 24 h is the same job; the same key with another body is a 409. */
class IdempotencyTest {
    private static final String BODY = "{\"model\":\"gemini-2.5-flash-image\",\"payload\":{\"prompt\":\"a fox\"}}";
    private static final String OTHER = "{\"model\":\"gemini-2.5-flash-image\",\"payload\":{\"prompt\":\"a wolf\"}}";
    private static final String PNG = TestImages.b64(TestImages.png());
    private static final String WITH_IMAGE = "{\"contents\":[{\"parts\":[{\"text\":\"edit\"},{\"inlineData\":"
            + "{\"mimeType\":\"image/png\",\"data\":\"" + PNG + "\"}}]}]}";

    private final SubmitHarness harness = new SubmitHarness();

    private SubmitHarness.Answer post(String key, String idempotencyKey, String path, String body) {
        Map<String, String> headers = SubmitHarness.auth(key);
        headers.put("Idempotency-Key", idempotencyKey);
        return harness.call(path, headers, body);
    }

    private SubmitHarness.Answer post(String idempotencyKey, String body) {
        return post(SubmitHarness.KEY, idempotencyKey, SubmitHarness.REQUESTS, body);
    }

    @Test
    void sameKeySameBodyIsTheSameJobWithOneMessage() {
        SubmitHarness.Answer first = post("order-42", BODY);
        harness.clock.advance(Duration.ofHours(23));
        SubmitHarness.Answer again = post("order-42", BODY);

        assertEquals(202, again.status());
        assertEquals(first.requestId(), again.requestId());
        assertEquals(first.headers().get("location"), again.headers().get("location"));
        assertEquals("true", again.headers().get("idempotent-replayed"));
        assertNull(first.headers().get("idempotent-replayed"));
        assertEquals(1, harness.jobs.jobs.size());
        assertEquals(List.of(first.requestId()), harness.queue.sent);
    }

    @Test
    void aReplayUploadsNothingAgain() {
        String path = SubmitHarness.generatePath("gemini-2.5-flash-image");
        SubmitHarness.Answer first = post(SubmitHarness.KEY, "edit-1", path, WITH_IMAGE);
        assertEquals(1, harness.objects.objects.size());
        SubmitHarness.Answer again = post(SubmitHarness.KEY, "edit-1", path, WITH_IMAGE);
        assertEquals(first.requestId(), again.requestId());
        assertEquals(1, harness.objects.objects.size());
    }

    @Test
    void aReplayShowsTheJobAsItIsNow() {
        SubmitHarness.Answer first = post("order-7", BODY);
        harness.jobs.jobs.computeIfPresent(first.requestId(), (id, job) -> job.withStatus(JobStatus.SUCCESS));
        SubmitHarness.Answer again = post("order-7", BODY);
        assertEquals("success", again.body().path("status").asText());
    }

    @Test
    void sameKeyOtherBodyIs409AndCreatesNothing() {
        SubmitHarness.Answer first = post("order-42", BODY);
        SubmitHarness.Answer conflict = post("order-42", OTHER);

        assertEquals(409, conflict.status());
        assertEquals("IDEMPOTENCY_KEY_REUSED", conflict.code());
        assertEquals("Idempotency-Key", conflict.field());
        assertEquals(1, harness.jobs.jobs.size());
        assertEquals(List.of(first.requestId()), harness.queue.sent);
    }

    @Test
    void theSameRequestInTheOtherSpellingIsTheSameBody() {
        String path = SubmitHarness.generatePath("gemini-2.5-flash-image");
        SubmitHarness.Answer camel = post(SubmitHarness.KEY, "k", path,
                "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a fox\"}]}],"
                        + "\"generationConfig\":{\"imageConfig\":{\"aspectRatio\":\"1:1\",\"imageSize\":\"1K\"}}}");
        SubmitHarness.Answer snake = post(SubmitHarness.KEY, "k", path,
                "{ \"generation_config\": {\"image_config\": {\"image_size\": \"1k\", \"aspect_ratio\": \"1:1\"}},"
                        + " \"contents\": [{\"parts\": [{\"text\": \"a fox\"}]}] }");
        assertEquals(camel.requestId(), snake.requestId());
        assertEquals(1, harness.queue.sent.size());
    }

    @Test
    void keysBelongToTheirTenant() {
        SubmitHarness.Answer a = post(SubmitHarness.KEY, "shared-name", SubmitHarness.REQUESTS, BODY);
        SubmitHarness.Answer b = post(SubmitHarness.OTHER_KEY, "shared-name", SubmitHarness.REQUESTS, OTHER);
        assertEquals(202, b.status());
        assertNotEquals(a.requestId(), b.requestId());
        assertEquals(2, harness.queue.sent.size());
    }

    @Test
    void afterTwentyFourHoursTheKeyIsFree() {
        SubmitHarness.Answer first = post("order-42", BODY);
        harness.clock.advance(Duration.ofHours(24).plusSeconds(1));
        SubmitHarness.Answer later = post("order-42", OTHER);
        assertEquals(202, later.status());
        assertNotEquals(first.requestId(), later.requestId());
    }

    @Test
    void withoutAKeyEverySubmitIsANewJob() {
        SubmitHarness.Answer a = harness.submit(BODY);
        SubmitHarness.Answer b = harness.submit(BODY);
        assertNotEquals(a.requestId(), b.requestId());
        assertEquals(2, harness.queue.sent.size());
    }

    @Test
    void losingARaceAnswersWithTheWinner() {
        SubmitHarness.Answer winner = post("race", BODY);
        // The second submit passed the pre-check before the first bound the key: the atomic create decides.
        harness.jobs.hideBindingsFromLookup = true;
        SubmitHarness.Answer loser = post("race", BODY);
        assertEquals(202, loser.status());
        assertEquals(winner.requestId(), loser.requestId());
        assertEquals("true", loser.headers().get("idempotent-replayed"));
        assertEquals(1, harness.jobs.jobs.size());
        assertEquals(List.of(winner.requestId()), harness.queue.sent);

        SubmitHarness.Answer conflict = post("race", OTHER);
        assertEquals(409, conflict.status());
        assertEquals("IDEMPOTENCY_KEY_REUSED", conflict.code());
    }
}
