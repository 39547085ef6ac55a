package imagejobs.it.worker;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.adapters.http.SafeUrlFetcher;
import imagejobs.it.ForwardingJobStore;
import imagejobs.it.ForwardingObjectStore;
import imagejobs.it.ServiceStack;
import imagejobs.local.runtime.FunctionEnvironment;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.gemini.GeminiClient;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.jobs.JobStore;
import imagejobs.adapters.sqs.SqsJobQueue;
import imagejobs.shared.storage.ObjectStore;
import imagejobs.shared.log.Metrics;
import imagejobs.shared.worker.Backoff;
import imagejobs.shared.worker.JobProcessor;
import imagejobs.shared.worker.WorkerPolicy;
import imagejobs.shared.worker.WorkerPorts;
import imagejobs.adapters.gemini.HttpGeminiClient;

/**
 * The worker's processor run in the test's JVM against the stack's real DynamoDB, S3, SQS and Gemini simulator, as
 * the packaged WorkerFunction wires it, except that it dies once at a chosen step: a {@link Crash} (an Error, which
 * the processor does not catch, as nothing catches a killed process) thrown from the job store or the object store.
 * Its lease is short, so the stack's own worker may take the job over soon after.
 */
final class CrashingWorker {
    /** The in-process worker's lease; the message stays hidden for the lease plus 5 s after the claim. */
    static final Duration LEASE = Duration.ofSeconds(1);

    /** The process dying at this line. */
    static final class Crash extends Error {
        Crash(String where) {
            super("simulated crash " + where, null, false, false);
        }
    }

    private final AtomicBoolean armed = new AtomicBoolean(true);
    private final Predicate<String> crashBeforePut;
    private final boolean crashBeforeComplete;

    private CrashingWorker(Predicate<String> crashBeforePut, boolean crashBeforeComplete) {
        this.crashBeforePut = crashBeforePut;
        this.crashBeforeComplete = crashBeforeComplete;
    }

    /** Dies after Gemini answered and the outcome is staged, just before the {@code processing → success} write. */
    static CrashingWorker beforeStatusWrite() {
        return new CrashingWorker(key -> false, true);
    }

    /** Dies before the S3 upload of a key that matches (mid-way through storing the images). */
    static CrashingWorker beforePut(Predicate<String> key) {
        return new CrashingWorker(key, false);
    }

    /** Handles one received message as WorkerHandler would; throws {@link Crash} where it was told to die. */
    JobProcessor.Result process(String requestId, String receiptHandle) {
        var stack = WorkerStack.stack();
        ObjectStore store = new Store(WorkerStack.objectStore());
        JobStore jobs = new Jobs(WorkerStack.jobStore());
        GeminiClient gemini = new HttpGeminiClient(HttpGeminiClient.defaultHttpClient(), ServiceStack.simulator().baseUrl(),
                HttpGeminiClient.AUTH_GOOGLE, () -> FunctionEnvironment.SIMULATOR_API_KEY);
        JobProcessor processor = new JobProcessor(new WorkerPorts(jobs, store,
                new SqsJobQueue(stack.sqs(), WorkerStack.queueUrl(WorkerStack.JOBS_QUEUE)), gemini,
                SafeUrlFetcher.standard(true), ModelCatalog.load(), Metrics.NONE, Clock.systemUTC()),
                new WorkerPolicy(4, LEASE, new Backoff(Duration.ofMillis(20), Backoff.DEFAULT_CAP)));
        return processor.process(requestId, receiptHandle, Duration.ofSeconds(300));
    }

    private void maybeCrash(boolean here, String where) {
        if (here && armed.compareAndSet(true, false)) {
            throw new Crash(where);
        }
    }

    private final class Jobs extends ForwardingJobStore {
        Jobs(JobStore delegate) {
            super(delegate);
        }

        @Override
        public boolean complete(String requestId, int attempt, ObjectNode outcome, int imageCount, Instant now) {
            maybeCrash(crashBeforeComplete, "before the status write");
            return delegate.complete(requestId, attempt, outcome, imageCount, now);
        }

        @Override
        public boolean failUnleased(String requestId, JobError error, Instant now) {
            return delegate.failUnleased(requestId, error, now);
        }
    }

    private final class Store extends ForwardingObjectStore {
        Store(ObjectStore delegate) {
            super(delegate);
        }

        @Override
        public void put(String key, byte[] bytes, String contentType, Map<String, String> metadata) {
            maybeCrash(crashBeforePut.test(key), "before storing " + key);
            delegate.put(key, bytes, contentType, metadata);
        }

        @Override
        public void put(String key, Path file, String contentType, Map<String, String> metadata) {
            maybeCrash(crashBeforePut.test(key), "before storing " + key);
            delegate.put(key, file, contentType, metadata);
        }
    }
}
