package imagejobs.shared.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.json.Json;
import imagejobs.shared.status.JobView;
import imagejobs.shared.storage.PresignedUrl;
import imagejobs.testing.InMemoryJobStore;
import imagejobs.testing.MutableClock;

class SubmitWaitTest {
    private static final Instant T0 = Instant.parse("2026-12-04T12:00:00Z");
    private static final String ID = "01M845FN4JPK0DK5JMRA5AC1AB";

    private final MutableClock clock = new MutableClock(T0);
    private final InMemoryJobStore jobs = new InMemoryJobStore();
    private final List<Duration> pauses = new ArrayList<>();
    /** When the worker finishes the job, on the clock (null: never). */
    private Instant finishesAt;
    private int reads;

    private final SubmitWait wait = new SubmitWait(new CountingStore(), new JobView("bucket",
            key -> new PresignedUrl("https://signed/" + key, T0.plusSeconds(3600)), null), 25, clock, pause -> {
                pauses.add(pause);
                clock.advance(pause);
                if (finishesAt != null && !clock.instant().isBefore(finishesAt)) {
                    jobs.put(jobs.job(ID).withStatus(JobStatus.SUCCESS));
                }
            });

    private final class CountingStore extends InMemoryJobStore {
        @Override
        public java.util.Optional<Job> get(String requestId) {
            reads++;
            return SubmitWaitTest.this.jobs.get(requestId);
        }
    }

    private SubmitService.Submitted submitted() {
        Job job = Job.queued(ID, "tenant-a", "gemini-2.5-flash-image", Job.SOURCE_API, null, "{}", null, "h", T0,
                T0.plusSeconds(86400));
        jobs.put(job);
        return new SubmitService.Submitted(job, Json.object().put("request_id", ID).put("status", "queued"), false);
    }

    @Test
    void withoutPreferTheSubmitAnswersAtOnce() {
        SubmitWait.Reply reply = wait.reply(submitted(), null, Duration.ofSeconds(30));
        assertFalse(reply.finished());
        assertEquals(OptionalInt.empty(), reply.applied());
        assertEquals("queued", reply.view().path("status").asText());
        assertTrue(pauses.isEmpty());
        assertEquals(0, reads);
    }

    @Test
    void aJobFinishedInTimeIsAnsweredWhole() {
        finishesAt = T0.plusMillis(2500);
        SubmitWait.Reply reply = wait.reply(submitted(), "wait=10", Duration.ofSeconds(30));
        assertTrue(reply.finished());
        assertEquals(OptionalInt.of(10), reply.applied());
        assertEquals("success", reply.view().path("status").asText());
        // 100 ms doubling to 1 s: reads stay few on a job that takes seconds.
        assertEquals(List.of(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400),
                Duration.ofMillis(800), Duration.ofSeconds(1)), pauses);
        assertEquals(pauses.size(), reads);
    }

    @Test
    void aJobNotFinishedInTimeIsTheUsual202AfterExactlyTheWait() {
        SubmitWait.Reply reply = wait.reply(submitted(), "respond-async, wait=5", Duration.ofSeconds(30));
        assertFalse(reply.finished());
        assertEquals(OptionalInt.of(5), reply.applied());
        assertEquals("queued", reply.view().path("status").asText());
        assertEquals(T0.plusSeconds(5), clock.instant(), "waited up to the deadline, never past it");
        assertTrue(pauses.stream().allMatch(p -> p.compareTo(Duration.ofSeconds(1)) <= 0), pauses.toString());
    }

    @Test
    void aLongerWaitIsCutToTheBound() {
        SubmitWait.Reply reply = wait.reply(submitted(), "wait=600", Duration.ofSeconds(900));
        assertEquals(OptionalInt.of(25), reply.applied());
        assertEquals(T0.plusSeconds(25), clock.instant());
    }

    @Test
    void theWaitEndsBeforeTheFunctionsOwnTimeDoes() {
        SubmitWait.Reply reply = wait.reply(submitted(), "wait=25", Duration.ofSeconds(10));
        assertFalse(reply.finished());
        assertEquals(T0.plusSeconds(10).minus(SubmitWait.MARGIN), clock.instant());
    }

    @Test
    void aReplayOfAFinishedJobNeedsNoWait() {
        SubmitService.Submitted submitted = submitted();
        Job done = jobs.job(ID).withStatus(JobStatus.SUCCESS);
        SubmitWait.Reply reply = wait.reply(new SubmitService.Submitted(done, submitted.view(), true), "wait=10",
                Duration.ofSeconds(30));
        assertTrue(reply.finished());
        assertTrue(pauses.isEmpty());
    }

    @Test
    void aValueThatIsNotSecondsIsIgnored() {
        SubmitWait.Reply reply = wait.reply(submitted(), "wait=soon", Duration.ofSeconds(30));
        assertFalse(reply.finished());
        assertEquals(OptionalInt.empty(), reply.applied());
        assertTrue(pauses.isEmpty());
    }
}
