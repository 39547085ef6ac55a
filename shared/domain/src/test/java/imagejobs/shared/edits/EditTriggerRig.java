package imagejobs.shared.edits;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.auth.KeyStore;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.log.LoggedMetrics;
import imagejobs.shared.log.Metrics;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.queue.JobQueue;
import imagejobs.shared.storage.StoredObject;
import imagejobs.shared.submit.InputSpiller;
import imagejobs.shared.validation.ImageReferences;
import imagejobs.shared.validation.RequestValidator;
import imagejobs.testing.InMemoryJobStore;
import imagejobs.testing.InMemoryObjectStore;

/**
 * An {@link EditTrigger} on in-memory stores, with faults to inject: each store call can be made to throw for its
 * next n calls. The trigger's log and metrics are captured while {@link #capture} runs.
 */
final class EditTriggerRig {
    static final Instant T0 = Instant.parse("2026-11-23T10:15:30Z");
    static final String ACTIVE = "alpha";
    static final String DISABLED = "gamma";

    /** A fault: the exception to throw and how many more calls throw it. */
    static final class Fault {
        private Supplier<RuntimeException> error;
        private int remaining;

        void set(int times, Supplier<RuntimeException> error) {
            this.remaining = times;
            this.error = error;
        }

        void maybeThrow() {
            if (remaining > 0) {
                remaining--;
                throw error.get();
            }
        }
    }

    final Fault headFault = new Fault();
    final Fault getFault = new Fault();
    final Fault putFault = new Fault();
    final Fault jobsGetFault = new Fault();
    final Fault jobsCreateFault = new Fault();
    final Fault sendFault = new Fault();

    final InMemoryObjectStore store = new InMemoryObjectStore() {
        @Override
        public Optional<StoredObject> head(String key) {
            headFault.maybeThrow();
            return super.head(key);
        }

        @Override
        public Optional<StoredObject> get(String key, long maxBytes) {
            getFault.maybeThrow();
            return super.get(key, maxBytes);
        }

        @Override
        public synchronized void put(String key, byte[] bytes, String contentType, Map<String, String> metadata) {
            if (!key.startsWith(EditKeys.EDITS_PREFIX)) {
                putFault.maybeThrow();
            }
            super.put(key, bytes, contentType, metadata);
        }
    };
    final InMemoryJobStore jobs = new InMemoryJobStore() {
        @Override
        public Optional<Job> get(String requestId) {
            jobsGetFault.maybeThrow();
            return super.get(requestId);
        }

        @Override
        public boolean create(Job job) {
            jobsCreateFault.maybeThrow();
            return super.create(job);
        }
    };
    final List<String> sent = new ArrayList<>();
    final JobQueue queue = new JobQueue() {
        @Override
        public synchronized void send(String requestId) {
            sendFault.maybeThrow();
            sent.add(requestId);
        }

        @Override
        public void retryAfter(String receiptHandle, Duration delay) {
            throw new UnsupportedOperationException();
        }
    };
    final Map<String, KeyStore.TenantStatus> tenants = new HashMap<>(Map.of(
            ACTIVE, KeyStore.TenantStatus.ACTIVE, DISABLED, KeyStore.TenantStatus.INACTIVE));
    final KeyStore keys = new KeyStore() {
        @Override
        public Optional<KeyRecord> findByHash(String keyHash) {
            return Optional.empty();
        }

        @Override
        public void put(KeyRecord key) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<KeyRecord> list() {
            return List.of();
        }

        @Override
        public boolean disable(String keyId) {
            return false;
        }

        @Override
        public TenantStatus tenantStatus(String tenant) {
            return tenants.getOrDefault(tenant, TenantStatus.UNKNOWN);
        }

        @Override
        public boolean tryAcquire(String keyHash, imagejobs.shared.auth.RateCounter counter, int limit, Instant now) {
            return true;
        }
    };
    final List<Duration> pauses = new ArrayList<>();
    final EditTrigger trigger;
    private final AtomicLong sequencer = new AtomicLong(0x1000);
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    EditTriggerRig() {
        RequestValidator validator = new RequestValidator(ModelCatalog.load(),
                new ImageReferences(store.bucket(), false));
        Settings settings = new Settings(new Environment(Map.of()));
        trigger = new EditTrigger(keys, validator, store, new InputSpiller(store),
                jobs, queue, settings, new LoggedMetrics("EditTriggerFunction"), Clock.fixed(T0, ZoneOffset.UTC),
                pauses::add);
    }

    /** Stores an object under {@code key} and returns the event S3 would send for it (a new sequencer each time). */
    S3Upload upload(String key, byte[] bytes, Map<String, String> metadata) {
        store.put(key, bytes, "image/png", metadata);
        return new S3Upload(store.bucket(), key, bytes.length, "etag-" + bytes.length,
                null, Long.toHexString(sequencer.incrementAndGet()));
    }

    /** The jobs whose source is {@code key}. */
    List<Job> jobsFor(String key) {
        return jobs.jobs.values().stream().filter(j -> key.equals(j.sourceKey())).toList();
    }

    /** Runs {@code action} with the trigger's log lines captured; returns them. */
    String capture(Runnable action) {
        log.reset();
        StructuredLog.redirect(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            StructuredLog.redirect(System.out);
        }
        return log.toString(StandardCharsets.UTF_8);
    }
}
