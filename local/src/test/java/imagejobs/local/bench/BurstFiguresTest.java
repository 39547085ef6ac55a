package imagejobs.local.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The burst benchmark's arithmetic on a hand-made run: 60 jobs in 2 minutes against a quota of 30 per minute. */
class BurstFiguresTest {
    private static final long T0 = 1_000_000L;

    private static BurstFigures.Job job(String tenant, String status, String code, long createdS, long startedS,
                                        long doneS) {
        return new BurstFigures.Job(tenant, status, code, T0 + createdS * 1000, startedS < 0 ? 0 : T0 + startedS * 1000,
                doneS < 0 ? 0 : T0 + doneS * 1000);
    }

    private static BurstFigures run(List<BurstFigures.Job> jobs, int lost) {
        return new BurstFigures(jobs, lost, T0, 30, 80, 2, 120, 600.0, 1024);
    }

    private static List<BurstFigures.Job> heavyAndLight() {
        List<BurstFigures.Job> jobs = new ArrayList<>();
        for (int i = 1; i <= 50; i++) {
            jobs.add(job("heavy", "success", null, 0, i * 2 - 1, i * 2 + 10)); // waits 1..99 s, done at 12..110 s
        }
        for (int i = 1; i <= 10; i++) {
            jobs.add(job("light", "success", null, 5, 5 + i, 15 + i)); // waits 1..10 s, done at 16..25 s
        }
        return jobs;
    }

    @Test
    void outcomesRateAndQueueWaits() {
        List<BurstFigures.Job> jobs = heavyAndLight();
        jobs.set(0, job("heavy", "failed", "QUEUE_TIMEOUT", 0, -1, 120));
        jobs.set(1, job("heavy", "processing", null, 0, 3, -1));
        BurstFigures f = run(jobs, 1);

        assertEquals(61, f.accepted());
        assertEquals(58, f.succeeded());
        assertEquals(Map.of("QUEUE_TIMEOUT", 1), f.failedByCode());
        assertEquals(1, f.stuck());
        assertEquals(2.5, f.percent429(), 1e-9);
        // 58 successes, the last at 110 s after the first submit: 31.6 per minute against 30.
        assertEquals(100.0 * 58 / (110 / 60.0) / 30, f.achievedPercentOfQuota(), 1e-9);
        double[] light = f.queueWaitSeconds().get("light");
        assertArrayEquals(new double[] {5, 10}, light, 1e-9); // nearest-rank p50 and p95 of 1..10 s
        // The heavy tenant's job that was never claimed does not count: 49 waits of 3, 5, 7, ... 99 s.
        assertArrayEquals(new double[] {51, 95}, f.queueWaitSeconds().get("heavy"), 1e-9);
    }

    @Test
    void fairnessComparesTheLightTenantsLastJobWithTheHeavyTenantsMedian() {
        BurstFigures f = run(heavyAndLight(), 0);
        assertEquals(25, f.lastDoneSeconds("light"), 1e-9);
        assertEquals(60, f.medianDoneSeconds("heavy"), 1e-9);
        assertTrue(f.fair("heavy", "light"));

        List<BurstFigures.Job> starved = heavyAndLight();
        starved.set(59, job("light", "success", null, 5, 100, 115));
        assertFalse(run(starved, 0).fair("heavy", "light"));
    }

    @Test
    void workerCostPerJob() {
        BurstFigures f = run(heavyAndLight(), 0);
        assertEquals(10.0, f.workerSecondsPerJob(), 1e-9); // 600 Lambda-seconds over 60 jobs
        assertEquals(10.0, f.workerGbSecondsPerJob(), 1e-9); // at 1024 MB
    }
}
