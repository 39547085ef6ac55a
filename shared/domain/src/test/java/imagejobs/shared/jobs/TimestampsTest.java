package imagejobs.shared.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class TimestampsTest {

    @Test
    void alwaysPrintsMillisecondsSoStringOrderIsTimeOrder() {
        Instant whole = Instant.parse("2026-11-23T08:00:00Z");
        Instant later = whole.plusMillis(1);
        assertEquals("2026-11-23T08:00:00.000Z", Timestamps.format(whole));
        assertEquals("2026-11-23T08:00:00.001Z", Timestamps.format(later));
        assertTrue(Timestamps.format(whole).compareTo(Timestamps.format(later)) < 0);
    }

    @Test
    void roundTripsAtMillisecondPrecision() {
        Instant t = Instant.parse("2026-01-02T03:04:05.678901Z");
        assertEquals(Instant.parse("2026-01-02T03:04:05.678Z"), Timestamps.parse(Timestamps.format(t)));
    }
}
