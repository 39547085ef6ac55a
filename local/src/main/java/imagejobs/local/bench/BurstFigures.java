package imagejobs.local.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code bench burst} reports, computed from the jobs' records and the simulator's counters (pure arithmetic,
 * kept apart from the run so that it is tested on its own).
 *
 * @param jobs         every accepted job as read from the jobs table at the end (missing ones: {@code lost})
 * @param startEpochMs the first submit
 * @param quotaRpm     what the simulator enforces, requests per minute
 */
record BurstFigures(List<Job> jobs, int lost, long startEpochMs, int quotaRpm, long upstreamCalls,
                    long upstream429s, long workerInvocations, double workerSeconds, int workerMemoryMb) {

    /** One job at the end of the run; times in epoch milliseconds, 0 when not set. */
    record Job(String tenant, String status, String errorCode, long createdMs, long startedMs, long completedMs) {
        boolean terminal() {
            return status.equals("success") || status.equals("failed") || status.equals("cancelled");
        }
    }

    int accepted() {
        return jobs.size() + lost;
    }

    long succeeded() {
        return jobs.stream().filter(j -> j.status().equals("success")).count();
    }

    /** Failed (and cancelled) jobs by error code. */
    Map<String, Integer> failedByCode() {
        Map<String, Integer> codes = new TreeMap<>();
        jobs.stream().filter(j -> j.terminal() && !j.status().equals("success"))
                .forEach(j -> codes.merge(j.status().equals("failed") ? String.valueOf(j.errorCode()) : j.status(),
                        1, Integer::sum));
        return codes;
    }

    long stuck() {
        return jobs.stream().filter(j -> !j.terminal()).count();
    }

    double percent429() {
        return upstreamCalls == 0 ? 0 : 100.0 * upstream429s / upstreamCalls;
    }

    /** Successes per minute from the first submit to the last success, against the quota (100 = the whole quota). */
    double achievedPercentOfQuota() {
        long last = jobs.stream().filter(j -> j.status().equals("success")).mapToLong(Job::completedMs).max()
                .orElse(startEpochMs);
        double minutes = (last - startEpochMs) / 60_000.0;
        return minutes <= 0 ? 0 : 100.0 * succeeded() / minutes / quotaRpm;
    }

    /** Created → claimed (the worker's first claim), seconds, per tenant: p50 and p95. */
    Map<String, double[]> queueWaitSeconds() {
        Map<String, List<Double>> by = new TreeMap<>();
        for (Job j : jobs) {
            if (j.startedMs() > 0) {
                by.computeIfAbsent(j.tenant(), t -> new ArrayList<>()).add((j.startedMs() - j.createdMs()) / 1000.0);
            }
        }
        Map<String, double[]> out = new TreeMap<>();
        by.forEach((t, waits) -> out.put(t, new double[] {Stats.percentile(waits, 50), Stats.percentile(waits, 95)}));
        return out;
    }

    /** Seconds from the first submit to the tenant's median (or last) finished job. */
    double medianDoneSeconds(String tenant) {
        return Stats.percentile(doneSeconds(tenant), 50);
    }

    double lastDoneSeconds(String tenant) {
        return doneSeconds(tenant).stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    private List<Double> doneSeconds(String tenant) {
        return jobs.stream().filter(j -> j.tenant().equals(tenant) && j.completedMs() > 0)
                .map(j -> (j.completedMs() - startEpochMs) / 1000.0).toList();
    }

    /** The light tenant's last job finished before the heavy tenant's median job (the fairness target). */
    boolean fair(String heavy, String light) {
        return lastDoneSeconds(light) < medianDoneSeconds(heavy);
    }

    double workerSecondsPerJob() {
        return jobs.isEmpty() ? 0 : workerSeconds / jobs.size();
    }

    double workerGbSecondsPerJob() {
        return workerSecondsPerJob() * workerMemoryMb / 1024.0;
    }
}
