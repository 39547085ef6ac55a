package imagejobs.shared.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The schedule on a fake clock: each attempt fails at the moment it is due. */
class RetryScheduleTest {
    private static final Instant FIRST = Instant.parse("2026-12-04T10:00:00Z");

    /** Runs the schedule to its end; the times at which attempts 1, 2, … are made. */
    private static List<Instant> attempts(RetrySchedule schedule) {
        List<Instant> at = new ArrayList<>(List.of(FIRST));
        for (int made = 1; ; made++) {
            RetrySchedule.Next next = schedule.afterFailure(made, FIRST, at.get(at.size() - 1), null);
            if (next instanceof RetrySchedule.GiveUp giveUp) {
                assertEquals(made, giveUp.attempts());
                return at;
            }
            RetrySchedule.RetryAt retry = (RetrySchedule.RetryAt) next;
            assertEquals(made + 1, retry.attempt());
            at.add(retry.at());
        }
    }

    @Test
    void withoutJitterItIsStandardWebhooksExampleSchedule() {
        List<Instant> at = attempts(RetrySchedule.standard(() -> 0.5));
        List<Duration> sinceFirst = at.stream().map(t -> Duration.between(FIRST, t)).toList();
        assertEquals(List.of(Duration.ZERO, Duration.ofSeconds(5), Duration.parse("PT5M5S"),
                Duration.parse("PT35M5S"), Duration.parse("PT2H35M5S"), Duration.parse("PT7H35M5S"),
                Duration.parse("PT17H35M5S"), Duration.parse("PT31H35M5S")), sinceFirst);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.999999})
    void atEitherEdgeOfTheJitterItSpansAtLeast24Hours(double random) {
        List<Instant> at = attempts(RetrySchedule.standard(() -> random));
        assertEquals(8, at.size());
        Duration span = Duration.between(FIRST, at.get(at.size() - 1));
        assertTrue(span.compareTo(Duration.ofHours(24)) >= 0, span.toString());
        for (int i = 1; i < at.size(); i++) {
            Duration wait = Duration.between(at.get(i - 1), at.get(i));
            Duration base = RetrySchedule.STANDARD_WAITS.get(i - 1);
            assertTrue(wait.toMillis() >= base.toMillis() * 0.9 - 1 && wait.toMillis() <= base.toMillis() * 1.1 + 1,
                    "wait " + i + " " + wait + " against " + base);
        }
    }

    @Test
    void jitterSpreadsDeliveriesThatFailedTogether() {
        Random random = new Random(18);
        RetrySchedule schedule = RetrySchedule.standard(random::nextDouble);
        java.util.Set<Instant> next = new java.util.HashSet<>();
        for (int i = 0; i < 50; i++) {
            next.add(((RetrySchedule.RetryAt) schedule.afterFailure(3, FIRST, FIRST, null)).at());
        }
        assertTrue(next.size() > 40, "50 deliveries failing at once come back at " + next.size() + " moments");
    }

    @Test
    void retryAfterLengthensAWaitButNeverShortensItAndIsCapped() {
        RetrySchedule schedule = RetrySchedule.standard(() -> 0.5);
        RetrySchedule.RetryAt asked = (RetrySchedule.RetryAt) schedule.afterFailure(1, FIRST, FIRST,
                Duration.ofSeconds(120));
        assertEquals(Duration.ofSeconds(120), asked.delay());
        RetrySchedule.RetryAt shorter = (RetrySchedule.RetryAt) schedule.afterFailure(4, FIRST, FIRST,
                Duration.ofSeconds(1));
        assertEquals(Duration.ofHours(2), shorter.delay());
        RetrySchedule.RetryAt capped = (RetrySchedule.RetryAt) schedule.afterFailure(1, FIRST, FIRST,
                Duration.ofDays(30));
        assertEquals(RetrySchedule.MAX_RETRY_AFTER, capped.delay());
    }

    @Test
    void aShortScheduleKeepsGoingUntil24HoursHavePassed() {
        RetrySchedule schedule = new RetrySchedule(List.of(Duration.ofHours(1), Duration.ofHours(5)),
                RetrySchedule.MIN_SPAN, () -> 0.5);
        List<Instant> at = attempts(schedule);
        // 0, 1 h, 6 h, then every 5 h until the 24 hours are reached: 11, 16, 21, 26 h.
        assertEquals(7, at.size());
        assertEquals(Duration.ofHours(26), Duration.between(FIRST, at.get(6)));
        assertInstanceOf(RetrySchedule.GiveUp.class, schedule.afterFailure(7, FIRST, at.get(6), null));
    }

    @Test
    void aSpecGivesAShortScheduleThatGivesUpAfterItsLastWaitWithNoMinimumSpan() {
        List<Instant> at = attempts(RetrySchedule.fromSpec("1s, 1s,2s", () -> 0.5));
        assertEquals(List.of(FIRST, FIRST.plusSeconds(1), FIRST.plusSeconds(2), FIRST.plusSeconds(4)), at);
        assertEquals(4, RetrySchedule.fromSpec("1s,1s,2s", () -> 0.5).attempts());
        RetrySchedule.RetryAt ms = (RetrySchedule.RetryAt) RetrySchedule.fromSpec("500ms,5m,2h", () -> 0.5)
                .afterFailure(1, FIRST, FIRST, null);
        assertEquals(Duration.ofMillis(500), ms.delay());
    }

    @Test
    void aSpecScheduleStillHonoursRetryAfter() {
        RetrySchedule.RetryAt retry = (RetrySchedule.RetryAt) RetrySchedule.fromSpec("1s", () -> 0.5)
                .afterFailure(1, FIRST, FIRST, Duration.ofSeconds(3));
        assertEquals(FIRST.plusSeconds(3), retry.at());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "1", "1d", "-1s", "1s,,1s", "fast", "1s;2s"})
    void aSpecThatIsNotAListOfWaitsIsRefusedSayingWhatIsAllowed(String spec) {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> RetrySchedule.fromSpec(spec, () -> 0.5));
        assertTrue(e.getMessage().contains("500ms, 1s, 5m or 2h") || e.getMessage().contains("comma-separated"),
                e.getMessage());
    }
}
