package imagejobs.shared.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class BackoffTest {
    private final Backoff noJitter = new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5), bound -> 0);
    private final Backoff fullJitter = new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5), bound -> bound);

    @Test
    void doublesPerAttempt() {
        assertEquals(Duration.ofSeconds(2), noJitter.delay(1, null));
        assertEquals(Duration.ofSeconds(4), noJitter.delay(2, null));
        assertEquals(Duration.ofSeconds(8), noJitter.delay(3, null));
        assertEquals(Duration.ofSeconds(4), fullJitter.delay(1, null));
        assertEquals(Duration.ofSeconds(16), fullJitter.delay(3, null));
    }

    @Test
    void jitterStaysWithinOneToTwoTimesTheStep() {
        Backoff random = Backoff.standard();
        for (int i = 0; i < 200; i++) {
            Duration d = random.delay(2, null);
            assertTrue(d.compareTo(Duration.ofSeconds(4)) >= 0 && d.compareTo(Duration.ofSeconds(8)) <= 0, d.toString());
        }
    }

    @Test
    void cappedAtFiveMinutes() {
        assertEquals(Duration.ofMinutes(5), fullJitter.delay(30, null));
        assertEquals(Duration.ofMinutes(5), noJitter.delay(Integer.MAX_VALUE, null));
    }

    @Test
    void neverShorterThanWhatGeminiAskedFor() {
        assertEquals(Duration.ofSeconds(17), noJitter.delay(1, Duration.ofSeconds(17)));
        assertEquals(Duration.ofSeconds(2), noJitter.delay(1, Duration.ofMillis(500)));
        assertEquals(Duration.ofMinutes(9), noJitter.delay(1, Duration.ofMinutes(9)), "even above the cap");
    }

    @Test
    void smallBasesForTests() {
        Backoff fast = new Backoff(Duration.ofMillis(50), Backoff.DEFAULT_CAP, bound -> 0);
        assertEquals(Duration.ofMillis(100), fast.delay(2, null));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)));
    }
}
