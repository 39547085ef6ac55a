package imagejobs.it.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.local.resources.LocalKey;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;

/**
 * Suite 5, load: 2,000 jobs from 64 concurrent clients (8 tenants, 8 clients each) through the front door, each
 * Gemini call delayed 50 to 800 ms by the simulator and 5% of them (100 jobs) given a fault. Counts what was
 * accepted, succeeded and failed (per code, each as its fault calls for), checks that nothing is lost, stuck or
 * answered twice, and prints throughput and latency: submit latency as the clients saw it, queue wait and
 * submit-to-finish from the jobs' own timestamps.
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class LoadReliabilityTest {
    private static final String SUITE = "load";
    private static final int JOBS = 2000;
    private static final int CLIENTS = 64;
    private static final String MODEL = "gemini-3.1-flash-image-preview";
    private static final long SEED = 77L;

    /** The 5%: a fault, the code it must end with (null: success) and the upstream calls it costs. */
    record Fault(String directives, String code, int calls) {
    }

    static final List<Fault> FAULTS = List.of(
            new Fault("[sim:fail-times=1]", null, 2),
            new Fault("[sim:status=503]", "UPSTREAM_UNAVAILABLE", 4),
            // No 429s here: they pause the whole model for every worker (GeminiFaultsReliabilityTest covers them).
            new Fault("[sim:malformed]", "UPSTREAM_UNAVAILABLE", 4),
            new Fault("[sim:finish=IMAGE_SAFETY]", "SAFETY_BLOCKED", 1));

    record Planned(int n, LocalKey key, String prompt, Fault fault) {
    }

    @Test
    void twoThousandJobsFromSixtyFourClientsAreAllAccountedFor() throws Exception {
        ReliabilityStack rs = ReliabilityStack.get();
        String run = UUID.randomUUID().toString().substring(0, 8);
        Pattern marker = Pattern.compile("rell-" + run + "-(\\d+)");
        Random random = new Random(SEED);
        List<Planned> plan = new ArrayList<>();
        List<Integer> faulty = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            faulty.add(i);
        }
        Collections.shuffle(faulty, random);
        Map<Integer, Fault> faultOf = new TreeMap<>();
        for (int i = 0; i < JOBS / 20; i++) {
            faultOf.put(faulty.get(i), FAULTS.get(i % FAULTS.size()));
        }
        for (int i = 0; i < JOBS; i++) {
            Fault f = faultOf.get(i);
            String prompt = "a city at night rell-" + run + "-" + i + " [sim:delay=" + (50 + random.nextInt(751)) + "]"
                    + (f == null ? "" : " " + f.directives());
            plan.add(new Planned(i, ReliabilityStack.LOAD.get(i % ReliabilityStack.LOAD.size()), prompt, f));
        }

        Map<Integer, String> ids = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> refused = new ConcurrentHashMap<>();
        long[] submitNanos = new long[JOBS];
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> work = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            work.add(clients.submit(() -> {
                start.await();
                LocalKey key = ReliabilityStack.LOAD.get(client % ReliabilityStack.LOAD.size());
                ApiClient api = rs.api(key);
                for (int i = client; i < JOBS; i += CLIENTS) {
                    Planned p = plan.get(i);
                    long t = System.nanoTime();
                    ApiClient.Response r = api.post("/v1/requests", "{\"model\":\"" + MODEL + "\",\"payload\":"
                            + "{\"prompt\":\"" + p.prompt() + "\",\"image_size\":\"0.5K\"}}");
                    submitNanos[i] = System.nanoTime() - t;
                    if (r.status() == 202) {
                        ids.put(i, r.json().path("request_id").asText());
                    } else {
                        refused.computeIfAbsent(r.status() + " " + r.json().at("/error/code").asText(),
                                k -> new AtomicInteger()).incrementAndGet();
                    }
                }
                return null;
            }));
        }
        // Planned jobs are spread over the clients round-robin: client k takes jobs k, k+64, ...
        for (int i = 0; i < JOBS; i++) {
            assertEquals(ReliabilityStack.LOAD.get(i % ReliabilityStack.LOAD.size()), plan.get(i).key());
        }
        long t0 = System.nanoTime();
        Instant wallStart = Instant.now();
        start.countDown();
        try {
            for (Future<?> f : work) {
                f.get();
            }
        } finally {
            clients.shutdown();
        }
        long submitted = System.nanoTime();

        // Wait for every tenant's jobs to finish.
        List<Job> jobs = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (true) {
            jobs.clear();
            for (LocalKey k : ReliabilityStack.LOAD) {
                jobs.addAll(rs.tenantJobs(k.tenant()));
            }
            long open = jobs.stream().filter(j -> !j.status().terminal()).count();
            if ((jobs.size() >= ids.size() && open == 0) || System.nanoTime() > deadline) {
                break;
            }
            ReliabilityStack.sleep(1000);
        }
        long done = System.nanoTime();

        Map<String, Job> byId = jobs.stream().collect(Collectors.toMap(Job::requestId, j -> j));
        Map<String, List<JsonNode>> calls = rs.upstreamCalls(marker);
        Map<String, Integer> byCode = new TreeMap<>();
        List<String> wrong = new ArrayList<>();
        List<Long> queueWait = new ArrayList<>();
        List<Long> toFinish = new ArrayList<>();
        Instant lastCompleted = wallStart;
        int lost = 0;
        int stuck = 0;
        int totalCalls = 0;
        for (Planned p : plan) {
            String id = ids.get(p.n());
            if (id == null) {
                continue;
            }
            Job job = byId.get(id);
            if (job == null) {
                lost++;
                continue;
            }
            if (!job.status().terminal()) {
                stuck++;
                continue;
            }
            String outcome = job.status() == JobStatus.SUCCESS ? "success" : "failed:" + job.error().code();
            byCode.merge(outcome, 1, Integer::sum);
            String expected = p.fault() == null || p.fault().code() == null ? "success" : "failed:" + p.fault().code();
            int expectedCalls = p.fault() == null ? 1 : p.fault().calls();
            int n = calls.getOrDefault(Integer.toString(p.n()), List.of()).size();
            totalCalls += n;
            if (!outcome.equals(expected) || n != expectedCalls || job.attempts() != expectedCalls) {
                wrong.add(id + ": " + outcome + " after " + n + " calls, " + job.attempts() + " attempts; expected "
                        + expected + " after " + expectedCalls);
            }
            if (job.startedAt() != null) {
                queueWait.add(Duration.between(job.createdAt(), job.startedAt()).toMillis());
            }
            if (job.completedAt() != null) {
                toFinish.add(Duration.between(job.createdAt(), job.completedAt()).toMillis());
                if (job.completedAt().isAfter(lastCompleted)) {
                    lastCompleted = job.completedAt();
                }
            }
        }

        // What clients see: a sample of jobs through the API, the outcome's image downloadable.
        Random sample = new Random(SEED);
        int viewed = 0;
        for (int i = 0; i < 20; i++) {
            Planned p = plan.get(sample.nextInt(JOBS));
            String id = ids.get(p.n());
            if (id == null || byId.get(id) == null) {
                continue;
            }
            JsonNode view = rs.api(p.key()).get("/v1/requests/" + id).json();
            assertEquals(byId.get(id).status().wire(), view.path("status").asText(), view.toString());
            viewed++;
        }

        long[] submitMillis = Arrays.stream(submitNanos).filter(v -> v > 0).map(v -> v / 1_000_000).sorted()
                .toArray();
        double submitSeconds = (submitted - t0) / 1e9;
        double allSeconds = (done - t0) / 1e9;
        double processingSeconds = Duration.between(wallStart, lastCompleted).toMillis() / 1000.0;
        ReliabilityStack.figure(SUITE, "jobs=" + JOBS + " clients=" + CLIENTS + " tenants=" + ReliabilityStack.LOAD
                .size() + " injected_faults=" + faultOf.size() + " accepted=" + ids.size() + " refused=" + refused
                + " lost=" + lost + " stuck=" + stuck + " wrong=" + wrong.size());
        ReliabilityStack.figure(SUITE, "outcomes " + byCode + " upstream_calls=" + totalCalls);
        ReliabilityStack.figure(SUITE, String.format("throughput: submitted %.1f jobs/s (%.1f s), finished %.1f jobs/s"
                        + " (last job done %.1f s after the first submit; all seen terminal at %.1f s)",
                ids.size() / submitSeconds, submitSeconds, ids.size() / processingSeconds, processingSeconds,
                allSeconds));
        ReliabilityStack.figure(SUITE, "submit latency ms " + percentiles(submitMillis));
        ReliabilityStack.figure(SUITE, "queue wait ms (created -> first claim) " + percentiles(sorted(queueWait)));
        ReliabilityStack.figure(SUITE, "submit-to-finish ms (created -> completed) " + percentiles(sorted(toFinish)));
        ReliabilityStack.figure(SUITE, "api views checked=" + viewed);

        assertEquals(JOBS, ids.size(), "every submit accepted: " + refused);
        assertEquals(0, lost, "lost");
        assertEquals(0, stuck, "stuck");
        assertEquals(ids.size(), jobs.size(), "as many jobs in the table as were accepted");
        assertTrue(wrong.isEmpty(), wrong.size() + " off:\n" + String.join("\n", wrong.subList(0,
                Math.min(20, wrong.size()))));
        for (LocalKey k : ReliabilityStack.LOAD) {
            rs.deleteObjects("outputs/" + k.tenant() + "/", key -> true);
        }
        rs.assertLogsClean(SUITE);
    }

    private static long[] sorted(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    static String percentiles(long[] sorted) {
        if (sorted.length == 0) {
            return "n=0";
        }
        return "n=" + sorted.length + " p50=" + at(sorted, 0.50) + " p90=" + at(sorted, 0.90) + " p95="
                + at(sorted, 0.95) + " p99=" + at(sorted, 0.99) + " max=" + sorted[sorted.length - 1];
    }

    private static long at(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }
}
