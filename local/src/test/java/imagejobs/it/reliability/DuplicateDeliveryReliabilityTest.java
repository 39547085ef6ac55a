package imagejobs.it.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.local.LocalStack;
import imagejobs.local.runtime.InvocationResult;
import imagejobs.local.runtime.LocalFunction;
import imagejobs.local.sqs.BatchOutcome;
import imagejobs.local.sqs.SqsEventBuilder;
import imagejobs.local.sqs.SqsEventSourcePoller;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.json.Json;
import imagejobs.shared.queue.JobMessage;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Suite 4, duplicate deliveries: every job's message is delivered two or three times.
 * <ul>
 * <li>Concurrent: with the worker's event source paused, the copies are received by hand and handed to the worker
 * function at the same moment, in separate invocations or together in one batch (which the worker processes in
 * parallel).</li>
 * <li>Through the queue: copies sent next to the original, which the event source's 16 pollers then deliver as
 * they come, some while the first delivery still holds the job (Gemini delayed by a second).</li>
 * </ul>
 * Jobs that need one attempt must cost one upstream call, jobs whose first call fails (a 503) exactly two, and each
 * job must have one outcome: one terminal log line, one image.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DuplicateDeliveryReliabilityTest {
    private static final String SUITE = "duplicates";
    private static final String MODEL = "gemini-3.1-flash-image-preview";

    record Planned(String marker, String id, int copies, int neededAttempts, String how) {
    }

    @Test
    void everyCopyOfAMessageLeadsToOneOutcomeAndOneCallPerNeededAttempt() throws Exception {
        ReliabilityStack rs = ReliabilityStack.get();
        LocalStack stack = rs.stack();
        ApiClient api = rs.api(ReliabilityStack.DUPLICATES);
        String tenant = ReliabilityStack.DUPLICATES.tenant();
        String queueUrl = stack.queueUrl("JobsQueue");
        Random random = new Random(4242);
        String run = UUID.randomUUID().toString().substring(0, 8);
        Pattern marker = Pattern.compile("reld-" + run + "-(\\d+)");
        List<Planned> planned = new ArrayList<>();
        int logStart = rs.logs().text().length();
        long t0 = System.nanoTime();

        // --- Phase A: copies delivered at the same moment, by hand, with the worker's event source paused.
        SqsEventSourcePoller poller = stack.pollers().stream().filter(p -> p.function().name().equals("WorkerFunction"))
                .findFirst().orElseThrow();
        LocalFunction worker = stack.function("WorkerFunction");
        int concurrentInvocations = 0;
        int batchesWithCopies = 0;
        int deleted = 0;
        poller.close();
        try {
            Map<String, Planned> phaseA = new HashMap<>();
            for (int i = 0; i < 12; i++) {
                boolean retry = i % 4 == 3;
                String m = Integer.toString(i);
                String id = api.submit(MODEL, "a harbour reld-" + run + "-" + m + (retry ? " [sim:fail-times=1]" : ""),
                        "0.5K");
                int copies = 2 + (i % 2);
                Planned p = new Planned(m, id, copies, retry ? 2 : 1, i < 6 ? "concurrent invocations" : "one batch");
                phaseA.put(id, p);
                planned.add(p);
                for (int c = 1; c < copies; c++) {
                    stack.sqs().sendMessage(r -> r.queueUrl(queueUrl).messageBody(JobMessage.body(id)));
                }
            }
            int expected = phaseA.values().stream().mapToInt(Planned::copies).sum();
            Map<String, List<Message>> received = new HashMap<>();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int got = 0;
            while (got < expected && System.nanoTime() < until) {
                for (Message message : stack.sqs().receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10)
                        .waitTimeSeconds(1).messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages()) {
                    String id = JobMessage.requestId(message.body()).orElse("");
                    if (phaseA.containsKey(id)) {
                        received.computeIfAbsent(id, k -> new ArrayList<>()).add(message);
                        got++;
                    } else {
                        // not ours (a late copy of another suite's job): let the event source have it back
                        stack.sqs().changeMessageVisibility(r -> r.queueUrl(queueUrl)
                                .receiptHandle(message.receiptHandle()).visibilityTimeout(0));
                    }
                }
            }
            assertEquals(expected, got, "every copy received");
            SqsEventBuilder events = new SqsEventBuilder(stack.queueArn("JobsQueue"), stack.context().region());
            ExecutorService invoke = Executors.newCachedThreadPool();
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (Map.Entry<String, List<Message>> e : received.entrySet()) {
                    List<List<Message>> batches = phaseA.get(e.getKey()).how().equals("one batch")
                            ? List.of(e.getValue()) : e.getValue().stream().map(List::of).toList();
                    if (batches.size() == 1) {
                        batchesWithCopies++;
                    }
                    for (List<Message> batch : batches) {
                        concurrentInvocations++;
                        results.add(invoke.submit(() -> {
                            InvocationResult result = worker.invokeWithResult(Json.write(events.build(batch)));
                            BatchOutcome outcome = BatchOutcome.decide(result, batch.stream().map(Message::messageId)
                                    .toList(), true);
                            int n = 0;
                            for (Message message : batch) {
                                if (!outcome.failedMessageIds().contains(message.messageId())) {
                                    stack.sqs().deleteMessage(r -> r.queueUrl(queueUrl)
                                            .receiptHandle(message.receiptHandle()));
                                    n++;
                                }
                            }
                            return n;
                        }));
                    }
                }
                for (Future<Integer> f : results) {
                    deleted += f.get();
                }
            } finally {
                invoke.shutdown();
            }
        } finally {
            poller.start();
        }

        // --- Phase B: copies sent to the queue next to the original; the event source delivers them as they come.
        for (int i = 12; i < 48; i++) {
            String m = Integer.toString(i);
            int kind = i % 3;
            String directives = kind == 1 ? " [sim:fail-times=1]" : kind == 2 ? " [sim:delay=1000]" : "";
            String id = api.submit(MODEL, "a harbour reld-" + run + "-" + m + directives, "0.5K");
            int copies = 2 + random.nextInt(2);
            for (int c = 1; c < copies; c++) {
                stack.sqs().sendMessage(r -> r.queueUrl(queueUrl).messageBody(JobMessage.body(id)));
            }
            planned.add(new Planned(m, id, copies, kind == 1 ? 2 : 1, kind == 2 ? "queue, held by a slow call"
                    : "queue"));
        }

        List<Job> jobs = rs.awaitTerminal(tenant, planned.size(), Duration.ofSeconds(120));
        long elapsed = System.nanoTime() - t0;
        Map<String, Job> byId = jobs.stream().collect(Collectors.toMap(Job::requestId, j -> j));

        // One terminal line per job in everything the worker logged.
        Map<String, Integer> finishedLines = new HashMap<>();
        int kept = 0;
        int acknowledged = 0;
        for (String line : rs.logs().text().substring(logStart).split("\n")) {
            if (!line.startsWith("{") || !line.contains(tenant)) {
                continue;
            }
            JsonNode json;
            try {
                json = Json.parse(line);
            } catch (RuntimeException e) {
                continue;
            }
            String message = json.path("message").asText();
            if (message.equals("job finished")) {
                finishedLines.merge(json.path("job_id").asText(), 1, Integer::sum);
            } else if (message.startsWith("job held by another worker")) {
                kept++;
            } else if (message.startsWith("job already finished")) {
                acknowledged++;
            }
        }

        Map<String, List<JsonNode>> calls = rs.upstreamCalls(marker);
        String prefix = "outputs/" + tenant + "/";
        Map<String, Long> images = rs.objects(prefix).stream().filter(k -> !k.endsWith(".json")).collect(
                Collectors.groupingBy(k -> k.substring(prefix.length(), k.indexOf('/', prefix.length())),
                        Collectors.counting()));
        List<String> wrong = new ArrayList<>();
        Map<String, int[]> byHow = new TreeMap<>();
        int deliveries = 0;
        int totalCalls = 0;
        for (Planned p : planned) {
            Job job = byId.get(p.id());
            int n = calls.getOrDefault(p.marker(), List.of()).size();
            deliveries += p.copies();
            totalCalls += n;
            byHow.computeIfAbsent(p.how(), k -> new int[3])[0]++;
            byHow.get(p.how())[1] += p.copies();
            byHow.get(p.how())[2] += n;
            int lines = finishedLines.getOrDefault(p.id(), 0);
            long imageCount = images.getOrDefault(p.id(), 0L);
            if (job == null || job.status() != JobStatus.SUCCESS || n != p.neededAttempts()
                    || job.attempts() != p.neededAttempts() || lines != 1 || imageCount != 1) {
                wrong.add(p.how() + " " + p.id() + " x" + p.copies() + ": " + (job == null ? "missing"
                        : job.status().wire() + " attempts " + job.attempts()) + ", upstream calls " + n
                        + " (needed " + p.neededAttempts() + "), terminal log lines " + lines + ", images "
                        + imageCount);
            }
        }

        ReliabilityStack.figure(SUITE, "jobs=" + planned.size() + " deliveries=" + deliveries + " upstream_calls="
                + totalCalls + " needed_attempts=" + planned.stream().mapToInt(Planned::neededAttempts).sum()
                + " all_terminal_s=" + String.format("%.1f", elapsed / 1e9) + " wrong=" + wrong.size() + " lost="
                + (planned.size() - jobs.size()));
        ReliabilityStack.figure(SUITE, "by delivery (jobs, deliveries, upstream calls) " + byHow.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()[0] + "/" + e.getValue()[1] + "/" + e.getValue()[2])
                .collect(Collectors.joining(", ")));
        ReliabilityStack.figure(SUITE, "concurrent invocations=" + concurrentInvocations + " (of which batches "
                + "holding all copies=" + batchesWithCopies + "), copies deleted at once=" + deleted
                + "; worker log: copies kept until the holder's lease ends=" + kept + ", copies acknowledged as "
                + "already finished=" + acknowledged);
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
        rs.deleteObjects(prefix, k -> true);
        rs.assertLogsClean(SUITE);
    }
}
