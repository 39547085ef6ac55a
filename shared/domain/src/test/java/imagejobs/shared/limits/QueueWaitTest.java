package imagejobs.shared.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

class QueueWaitTest {
    private static final Instant SUBMITTED = Instant.parse("2026-03-01T10:00:00Z");
    private static final String PRO = "gemini-3-pro-image-preview";
    private final QueueWait wait = new QueueWait(Duration.ofHours(6));

    @Test
    void aDenialComesBackAtItsTurnRoundedUpToWholeSeconds() {
        Instant now = SUBMITTED.plusSeconds(30);

        QueueWait.Plan plan = wait.plan(SUBMITTED, now.plusMillis(4_200), now, false, PRO, WaitReason.RATE);

        assertEquals(new QueueWait.Resend(5), plan);
        assertEquals(new QueueWait.Resend(0), wait.plan(SUBMITTED, now.minusSeconds(3), now, false, PRO,
                WaitReason.RATE), "a turn already due: at once");
    }

    @Test
    void aReservationComesBackJustBeforeItsSlot() {
        Instant now = SUBMITTED.plusSeconds(30);

        assertEquals(new QueueWait.Resend(4), wait.plan(SUBMITTED, now.plusMillis(4_800), now, true, PRO,
                WaitReason.RATE));
    }

    @Test
    void aLongWaitTakesHopsOfFifteenMinutes() {
        Instant now = SUBMITTED.plusSeconds(30);

        assertEquals(new QueueWait.Resend(900), wait.plan(SUBMITTED, now.plus(Duration.ofHours(2)), now, false, PRO,
                WaitReason.RATE));
    }

    @Test
    void aWaitPastTheDeadlineComesBackAtTheDeadlineAndFailsThen() {
        Instant now = SUBMITTED.plus(Duration.ofHours(6)).minusSeconds(100);

        assertEquals(new QueueWait.Resend(100), wait.plan(SUBMITTED, now.plusSeconds(600), now, false, PRO,
                WaitReason.COOL_DOWN));

        QueueWait.TimedOut out = assertInstanceOf(QueueWait.TimedOut.class, wait.plan(SUBMITTED, now.plusSeconds(600),
                now.plusSeconds(100), false, PRO, WaitReason.COOL_DOWN));
        assertEquals(Duration.ofHours(6), out.waited());
        assertEquals("waited 6 h in the queue for gemini-3-pro-image-preview, whose Gemini quota stayed exhausted"
                + " (Gemini answered 429); a job waits at most 6 h: submit it again later", out.message());
    }

    @Test
    void waitsAreWrittenForPeople() {
        assertEquals("42 s", QueueWait.human(Duration.ofSeconds(42)));
        assertEquals("15 min", QueueWait.human(Duration.ofMinutes(15)));
        assertEquals("1 h 5 min", QueueWait.human(Duration.ofMinutes(65)));
        assertEquals("6 h", QueueWait.human(Duration.ofHours(6)));
    }
}
