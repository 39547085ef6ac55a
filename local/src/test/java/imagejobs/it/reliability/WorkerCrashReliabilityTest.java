package imagejobs.it.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.adapters.http.SafeUrlFetcher;
import imagejobs.it.ForwardingJobStore;
import imagejobs.it.ForwardingObjectStore;
import imagejobs.local.LocalStack;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.gemini.ApiKeySource;
import imagejobs.shared.gemini.GeminiClient;
import imagejobs.adapters.dynamo.DynamoJobStore;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.jobs.RequestIds;
import imagejobs.shared.json.Json;
import imagejobs.shared.queue.JobMessage;
import imagejobs.adapters.sqs.SqsJobQueue;
import imagejobs.shared.storage.ObjectStore;
import imagejobs.shared.log.Metrics;
import imagejobs.shared.worker.Backoff;
import imagejobs.shared.worker.DeadLetters;
import imagejobs.shared.worker.JobProcessor;
import imagejobs.shared.worker.WorkerPolicy;
import imagejobs.shared.worker.WorkerPorts;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import imagejobs.adapters.gemini.HttpGeminiClient;

/**
 * Suite 3, worker crashes: the worker's {@link JobProcessor} run in this JVM against the stack's real DynamoDB
 * Local, S3Proxy, ElasticMQ and Gemini simulator, with its job and object stores wrapped so that the process "dies"
 * (an Error nothing in the worker catches, the message left undeleted, as when Lambda's sandbox goes away) at one
 * step of its first attempt: after taking the lease, after Gemini answered, after the image upload, before the final
 * write, before a failure or retry is recorded; and at two steps of every attempt. Loops standing in for Lambda's
 * event sources redeliver from an SQS queue of its own (and feed its dead-letter queue to the worker's
 * {@link DeadLetters}) until every job is terminal; each must then hold its images exactly once.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WorkerCrashReliabilityTest {
    private static final String SUITE = "crash";
    private static final String TENANT = "relCrash";
    private static final String MODEL = "gemini-3.1-flash-image-preview";
    /** Short, so a dead attempt is taken over within seconds; the real one is the Lambda timeout + 60 s. */
    private static final Duration LEASE = Duration.ofSeconds(1);
    private static final int JOBS_PER_POINT = 5;

    /** Where the worker dies, what the prompt asks of Gemini, and what must come out. */
    enum Point {
        AFTER_LEASE("", "success", null, 1),
        AFTER_GEMINI("", "success", null, 2),
        AFTER_UPLOAD("", "success", null, 2),
        BEFORE_FINAL_WRITE("", "success", null, 1),
        BEFORE_FAIL_WRITE("[sim:status=400]", "failed", "INVALID_REQUEST", 2),
        BEFORE_REQUEUE("[sim:fail-times=1]", "success", null, 2),
        /** Dies after Gemini on every attempt: the attempt cap fails the job on the fifth claim. */
        EVERY_ATTEMPT_AFTER_GEMINI("", "failed", JobProcessor.WORKER_FAILED, ReliabilityStack.MAX_ATTEMPTS),
        /** Dies right after every claim, so no attempt ever looks at the cap: the dead-letter queue ends it. */
        EVERY_ATTEMPT_AFTER_LEASE("", "failed", DeadLetters.DEAD_LETTERED, 0);

        final String directives;
        final String status;
        final String code;
        final int calls;

        Point(String directives, String status, String code, int calls) {
            this.directives = directives;
            this.status = status;
            this.code = code;
            this.calls = calls;
        }
    }

    /** A process death: not an exception the worker could handle. */
    static final class Crash extends Error {
        Crash(String where) {
            super("crash " + where, null, false, false);
        }
    }

    private final Map<String, Point> points = new ConcurrentHashMap<>();
    private final Set<String> crashedOnce = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> crashes = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> imagePuts = new ConcurrentHashMap<>();

    /** Dies at {@code location} if that is where this job's worker is to die (once, or every time). */
    private void maybeCrash(String requestId, Point location) {
        Point p = points.get(requestId);
        boolean always = (p == Point.EVERY_ATTEMPT_AFTER_LEASE && location == Point.AFTER_LEASE)
                || (p == Point.EVERY_ATTEMPT_AFTER_GEMINI && location == Point.AFTER_GEMINI);
        if (always || (p == location && crashedOnce.add(requestId))) {
            crashes.computeIfAbsent(requestId, k -> new AtomicInteger()).incrementAndGet();
            throw new Crash(location + " of " + requestId);
        }
    }

    @Test
    void aWorkerDyingAtAnyStepLeavesEveryJobTerminalWithItsImagesOnce() throws Exception {
        ReliabilityStack rs = ReliabilityStack.get();
        LocalStack stack = rs.stack();
        JobStore realJobs = new DynamoJobStore(stack.dynamoDb(), stack.tableName("JobsTable"));
        // A queue of its own (the stack's pollers never see it) with a dead-letter queue after 5 receives.
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String dlqUrl = stack.sqs().createQueue(r -> r.queueName("reliability-crash-dlq-" + suffix)).queueUrl();
        String dlqArn = stack.sqs().getQueueAttributes(r -> r.queueUrl(dlqUrl)
                .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
        String queueUrl = stack.sqs().createQueue(r -> r.queueName("reliability-crash-" + suffix)
                .attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "2", QueueAttributeName.REDRIVE_POLICY,
                        "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\"5\"}"))).queueUrl();
        DeadLetters deadLetters = new DeadLetters(realJobs, Clock.systemUTC());
        // The functions' own S3 store, straight at the emulator (not through the fault proxy).
        imagejobs.shared.config.Environment s3Env = new imagejobs.shared.config.Environment(java.util.Map.of(
                "AWS_REGION", "us-east-1",
                "AWS_ACCESS_KEY_ID", imagejobs.local.emulators.LocalCredentials.ACCESS_KEY_ID,
                "AWS_SECRET_ACCESS_KEY", imagejobs.local.emulators.LocalCredentials.SECRET_ACCESS_KEY,
                "AWS_ENDPOINT_URL_S3", stack.s3Endpoint().toString(), "S3_FORCE_PATH_STYLE", "true",
                "AWS_REQUEST_CHECKSUM_CALCULATION", "WHEN_REQUIRED", "AWS_RESPONSE_CHECKSUM_VALIDATION", "WHEN_REQUIRED",
                "IMAGES_BUCKET", rs.bucket()));
        ObjectStore realStore = imagejobs.adapters.s3.S3ObjectStore.create(
                new imagejobs.adapters.aws.AwsClientConfig(s3Env), new imagejobs.shared.config.Settings(s3Env));
        ObjectStore store = new CrashingObjectStore(realStore);
        JobStore jobs = new CrashingJobStore(realJobs);
        GeminiClient gemini = new HttpGeminiClient(HttpGeminiClient.defaultHttpClient(), rs.simulator().baseUrl(),
                HttpGeminiClient.AUTH_GOOGLE, new ApiKeySource(ReliabilityStack.GEMINI_KEY, null));
        JobProcessor processor = new JobProcessor(new WorkerPorts(jobs, store,
                new SqsJobQueue(stack.sqs(), queueUrl), gemini, SafeUrlFetcher.standard(true), ModelCatalog.load(),
                Metrics.NONE, Clock.systemUTC()),
                new WorkerPolicy(ReliabilityStack.MAX_ATTEMPTS, LEASE, new Backoff(Duration.ofMillis(20), Backoff.DEFAULT_CAP)));

        String run = UUID.randomUUID().toString().substring(0, 8);
        Pattern marker = Pattern.compile("relc-" + run + "-(\\d+)");
        Map<String, String> idByMarker = new TreeMap<>();
        int n = 0;
        Instant now = Instant.now();
        for (Point p : Point.values()) {
            for (int i = 0; i < JOBS_PER_POINT; i++) {
                String m = Integer.toString(n++);
                String id = RequestIds.newId(now.toEpochMilli());
                ObjectNode request = Json.object();
                request.putArray("contents").addObject().put("role", "user").putArray("parts").addObject()
                        .put("text", "a kite relc-" + run + "-" + m + " " + p.directives);
                request.putObject("generationConfig").putObject("imageConfig").put("imageSize", "512");
                points.put(id, p);
                idByMarker.put(m, id);
                assertTrue(realJobs.create(Job.queued(id, TENANT, MODEL, Job.SOURCE_API, null, Json.write(request),
                        null, "h" + m, now, now.plus(Duration.ofDays(1)))));
                stack.sqs().sendMessage(r -> r.queueUrl(queueUrl).messageBody(JobMessage.body(id)));
            }
        }

        // Lambda's event source, in small: receive, process, delete what is done; a crash leaves the message.
        long t0 = System.nanoTime();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger deliveries = new AtomicInteger();
        AtomicInteger deadLettered = new AtomicInteger();
        ExecutorService pollers = Executors.newFixedThreadPool(5);
        pollers.execute(() -> {
            while (running.get()) {
                for (Message message : stack.sqs().receiveMessage(r -> r.queueUrl(dlqUrl).maxNumberOfMessages(10)
                        .waitTimeSeconds(1).messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages()) {
                    deadLettered.incrementAndGet();
                    if (deadLetters.handle(message.messageId(), message.body(), message.attributes()
                            .get(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))) {
                        stack.sqs().deleteMessage(r -> r.queueUrl(dlqUrl).receiptHandle(message.receiptHandle()));
                    }
                }
            }
        });
        for (int t = 0; t < 4; t++) {
            pollers.execute(() -> {
                while (running.get()) {
                    List<Message> batch = stack.sqs().receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(5)
                            .waitTimeSeconds(1)).messages();
                    for (Message message : batch) {
                        deliveries.incrementAndGet();
                        String id = JobMessage.requestId(message.body()).orElseThrow();
                        try {
                            JobProcessor.Result result = processor.process(id, message.receiptHandle(),
                                    Duration.ofSeconds(ReliabilityStack.WORKER_TIMEOUT_SECONDS));
                            if (result instanceof JobProcessor.Result.Done) {
                                stack.sqs().deleteMessage(r -> r.queueUrl(queueUrl)
                                        .receiptHandle(message.receiptHandle()));
                            }
                        } catch (Crash crash) {
                            // the sandbox is gone; the message comes back after its visibility timeout
                        }
                    }
                }
            });
        }
        List<Job> finished;
        try {
            finished = rs.awaitTerminal(TENANT, idByMarker.size(), Duration.ofSeconds(120));
        } finally {
            running.set(false);
            pollers.shutdown();
            pollers.awaitTermination(10, TimeUnit.SECONDS);
        }
        long elapsed = System.nanoTime() - t0;

        Map<String, List<JsonNode>> calls = rs.upstreamCalls(marker);
        String prefix = "outputs/" + TENANT + "/";
        Map<String, List<String>> objects = rs.objects(prefix).stream().collect(Collectors.groupingBy(
                k -> k.substring(prefix.length(), k.indexOf('/', prefix.length()))));
        Map<String, Job> byId = finished.stream().collect(Collectors.toMap(Job::requestId, j -> j));
        List<String> wrong = new ArrayList<>();
        Map<Point, String> perPoint = new TreeMap<>();
        int totalCrashes = 0;
        for (Point p : Point.values()) {
            int jobsAtPoint = 0;
            int crashesAtPoint = 0;
            int callsAtPoint = 0;
            int putsAtPoint = 0;
            for (Map.Entry<String, String> e : idByMarker.entrySet()) {
                String id = e.getValue();
                if (points.get(id) != p) {
                    continue;
                }
                jobsAtPoint++;
                Job job = byId.get(id);
                int c = crashes.getOrDefault(id, new AtomicInteger()).get();
                crashesAtPoint += c;
                int upstream = calls.getOrDefault(e.getKey(), List.of()).size();
                callsAtPoint += upstream;
                int puts = imagePuts.getOrDefault(id, new AtomicInteger()).get();
                putsAtPoint += puts;
                List<String> stored = objects.getOrDefault(id, List.of());
                long images = stored.stream().filter(k -> !k.endsWith(".json")).count();
                String outcome = job.status().wire() + (job.error() == null ? "" : ":" + job.error().code());
                String expected = p.status + (p.code == null ? "" : ":" + p.code);
                long expectedImages = p.status.equals("success") ? 1 : 0;
                int outcomeImages = job.status() == JobStatus.SUCCESS
                        ? realJobs.get(id).orElseThrow().outcome().path("images").size() : 0;
                if (!outcome.equals(expected) || upstream != p.calls || images != expectedImages
                        || outcomeImages != expectedImages || c < 1) {
                    wrong.add(p + " " + id + ": " + outcome + " (expected " + expected + "), upstream calls " + upstream
                            + " (expected " + p.calls + "), image objects " + images + ", outcome images "
                            + outcomeImages + ", crashes " + c);
                }
            }
            totalCrashes += crashesAtPoint;
            perPoint.put(p, "jobs=" + jobsAtPoint + " crashes=" + crashesAtPoint + " upstream_calls=" + callsAtPoint
                    + " image_uploads=" + putsAtPoint);
        }

        ReliabilityStack.figure(SUITE, "jobs=" + idByMarker.size() + " crashes_injected=" + totalCrashes
                + " deliveries=" + deliveries.get() + " dead_lettered=" + deadLettered.get() + " all_terminal_s=" + String.format("%.1f", elapsed / 1e9)
                + " lease_s=" + LEASE.toSeconds() + " stuck=" + finished.stream().filter(j -> !j.status().terminal())
                .count() + " lost=" + (idByMarker.size() - finished.size()) + " wrong=" + wrong.size());
        perPoint.forEach((p, s) -> ReliabilityStack.figure(SUITE, p + " " + s));
        assertEquals(idByMarker.size(), finished.size());
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
        stack.sqs().deleteQueue(r -> r.queueUrl(queueUrl));
        stack.sqs().deleteQueue(r -> r.queueUrl(dlqUrl));
        rs.deleteObjects(prefix, k -> true);
        rs.assertLogsClean(SUITE);
    }

    /** The jobs table, dying after the claim or before recording an outcome, as the job's crash point says. */
    private final class CrashingJobStore extends ForwardingJobStore {
        CrashingJobStore(JobStore delegate) {
            super(delegate);
        }

        @Override
        public Optional<Job> claim(String requestId, Instant now, Instant leaseUntil) {
            Optional<Job> claimed = delegate.claim(requestId, now, leaseUntil);
            if (claimed.isPresent()) {
                maybeCrash(requestId, Point.AFTER_LEASE);
            }
            return claimed;
        }

        @Override
        public boolean complete(String requestId, int attempt, ObjectNode outcome, int imageCount, Instant now) {
            maybeCrash(requestId, Point.BEFORE_FINAL_WRITE);
            return delegate.complete(requestId, attempt, outcome, imageCount, now);
        }

        @Override
        public boolean fail(String requestId, int attempt, JobError error, Instant now) {
            maybeCrash(requestId, Point.BEFORE_FAIL_WRITE);
            return delegate.fail(requestId, attempt, error, now);
        }

        @Override
        public boolean requeue(String requestId, int attempt, String lastError, Instant retryAt, Instant now) {
            maybeCrash(requestId, Point.BEFORE_REQUEUE);
            return delegate.requeue(requestId, attempt, lastError, retryAt, now);
        }
    }

    /** The bucket, dying before the first image upload (Gemini has answered) or right after it. */
    private final class CrashingObjectStore extends ForwardingObjectStore {
        CrashingObjectStore(ObjectStore delegate) {
            super(delegate);
        }

        private String imageOf(String key) {
            // outputs/{tenant}/{request_id}/{n}.{ext}, not outcome.json
            String[] parts = key.split("/");
            return parts.length == 4 && parts[0].equals("outputs") && !parts[3].endsWith(".json") ? parts[2] : null;
        }

        @Override
        public void put(String key, Path file, String contentType, Map<String, String> metadata) {
            String id = imageOf(key);
            if (id != null) {
                maybeCrash(id, Point.AFTER_GEMINI);
                imagePuts.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            }
            delegate.put(key, file, contentType, metadata);
            if (id != null) {
                maybeCrash(id, Point.AFTER_UPLOAD);
            }
        }
    }
}
