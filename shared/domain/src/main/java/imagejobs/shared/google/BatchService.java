package imagejobs.shared.google;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.auth.Authenticator;
import imagejobs.shared.auth.Credentials;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.shared.config.Settings;
import imagejobs.shared.errors.Rejection;
import imagejobs.shared.errors.Rejection.Kind;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.jobs.JobStore.Position;
import imagejobs.shared.jobs.RequestIds;
import imagejobs.shared.json.Json;
import imagejobs.shared.json.JsonErrors;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.status.ListCursors;
import imagejobs.shared.status.ListFilters;
import imagejobs.shared.submit.IdempotencyKeys;
import imagejobs.shared.submit.JobIntake;
import imagejobs.shared.submit.SubmitService;
import imagejobs.shared.validation.CanonicalRequest;
import imagejobs.shared.validation.RequestValidator;

/**
 * Google's batch API over our jobs: {@code batchGenerateContent} (create), {@code batches.get/list/cancel/delete}.
 * Each inlined request becomes a normal job of the tenant (validated, stored, queued, visible in
 * {@code /v1/requests}); the batch record keeps their ids in request order. A batch's state and stats are computed
 * from its jobs whenever it is read, and frozen on the record once every job has finished. Every refusal is a
 * {@link Rejection}; another tenant's batch, an unknown id and a malformed one are the same 404.
 */
public final class BatchService {
    /** The one not-found message: it names no id and no reason, so ids cannot be probed. */
    static final String NOT_FOUND_MESSAGE = "batch not found";
    static final String INVALID_PAGE_SIZE = "INVALID_PAGE_SIZE";
    static final String INVALID_PAGE_TOKEN = "INVALID_PAGE_TOKEN";
    public static final int DEFAULT_PAGE_SIZE = 10;
    public static final int MAX_PAGE_SIZE = 20;
    /**
     * Batch listings sign their page tokens with the jobs listing's key and scheme; this filter value (not a model id
     * any job can have) keeps a token of one listing from being accepted by the other.
     */
    static final ListFilters LISTING = new ListFilters(Set.of(), "batches/", null, null);
    private static final String NOT_QUEUED = "this request of the batch could not be queued; create the batch again";
    private static final StructuredLog LOG = StructuredLog.get(BatchService.class);

    private final Authenticator authenticator;
    private final RequestValidator validator;
    private final JobIntake intake;
    private final JobStore jobs;
    private final BatchStore batches;
    private final BatchJobView view;
    private final BatchRequestReader reader;
    private final ListCursors cursors;
    private final Settings settings;
    private final Clock clock;
    private final Executor intakeThreads;

    /** Takes a batch's requests in one after the other, on the caller's thread. */
    public BatchService(Authenticator authenticator, RequestValidator validator, JobIntake intake, JobStore jobs,
                        BatchStore batches, BatchJobView view, BatchLimits limits, ListCursors cursors,
                        Settings settings, Clock clock) {
        this(authenticator, validator, intake, jobs, batches, view, limits, cursors, settings, clock, Runnable::run);
    }

    /**
     * @param intakeThreads where a batch's requests are stored and queued, several at once (a 100-request batch is
     *                      200 calls to DynamoDB and SQS; one after the other they can outlast API Gateway's 30 s)
     */
    public BatchService(Authenticator authenticator, RequestValidator validator, JobIntake intake, JobStore jobs,
                        BatchStore batches, BatchJobView view, BatchLimits limits, ListCursors cursors,
                        Settings settings, Clock clock, Executor intakeThreads) {
        this.intakeThreads = intakeThreads;
        this.authenticator = authenticator;
        this.validator = validator;
        this.intake = intake;
        this.jobs = jobs;
        this.batches = batches;
        this.view = view;
        this.reader = new BatchRequestReader(limits);
        this.cursors = cursors;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * {@code POST /V/models/{model}:batchGenerateContent}: every request is checked before anything is stored (the
     * first bad one refuses the batch, naming its full field path), then each becomes a queued job under the
     * idempotency key {@code batch:<batchId>:<index>}. Answers the new batch's Operation (PENDING). A job that could
     * not be queued is failed ({@value JobIntake#ENQUEUE_FAILED}) and shows as that request's error; when none could
     * be, the batch is FAILED. When a job or the batch record cannot be stored, the jobs queued so far are cancelled
     * and the caller gets the 503 to retry on.
     */
    public ObjectNode create(Credentials credentials, byte[] body, String modelId) {
        KeyRecord key = authenticator.authenticate(credentials);
        String tenant = key.tenant();
        StructuredLog.put("tenant", tenant);
        // A batch counts as one submit against the key's rate: its jobs then wait their turn at the upstream gate
        // like any other, so a batch cannot burst past Gemini's quota.
        authenticator.checkRate(key, settings.defaultRatePerMinute(), clock);
        if (body == null || body.length == 0) {
            throw Rejection.invalid(SubmitService.INVALID_JSON, "the request body is empty; send a JSON object"
                    + " {\"batch\": {...}}", null);
        }
        if (body.length > settings.maxBodyBytes()) {
            throw new Rejection(Kind.TOO_LARGE, SubmitService.PAYLOAD_TOO_LARGE, "the request body is " + body.length
                    + " bytes; the limit is " + settings.maxBodyBytes() + " bytes: send large images as https://"
                    + " URLs instead of inline data, or split the batch");
        }
        validator.model(modelId, "model");
        BatchRequest batch = reader.read(parse(body), modelId);
        List<CanonicalRequest> requests = new ArrayList<>();
        for (BatchRequest.Item item : batch.items()) {
            requests.add(validator.validateNative(modelId, item.request(), tenant, item.fieldPrefix()));
        }

        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        String batchId = RequestIds.newId(now.toEpochMilli());
        StructuredLog.put("batch_id", batchId);
        List<String> requestIds = new ArrayList<>();
        List<String> queued = new ArrayList<>();
        BatchRecord record;
        try {
            RuntimeException failure = null;
            // Each request is stored and queued on the intake threads; the answers are taken in request order.
            List<CompletableFuture<Taken>> taking = new ArrayList<>();
            for (int i = 0; i < requests.size(); i++) {
                int index = i;
                taking.add(CompletableFuture.supplyAsync(() -> take(tenant, batchId, index, requests.get(index)),
                        intakeThreads));
            }
            for (CompletableFuture<Taken> future : taking) {
                try {
                    Taken taken = future.join();
                    requestIds.add(taken.requestId());
                    if (taken.queued()) {
                        queued.add(taken.requestId());
                    }
                } catch (CompletionException e) {
                    // Keep collecting: every job that was queued must be known, to be cancelled below.
                    failure = failure != null ? failure : e.getCause() instanceof RuntimeException r ? r : e;
                }
            }
            StructuredLog.put("job_id", null);
            if (failure != null) {
                throw failure;
            }
            List<ObjectNode> metadata = batch.items().stream().map(BatchRequest.Item::metadata).toList();
            record = new BatchRecord(batchId, tenant, modelId, batch.displayName(), requestIds, metadata, now, now,
                    false, queued.isEmpty(), null, null, null,
                    now.plus(settings.retention()).truncatedTo(ChronoUnit.SECONDS));
            if (!batches.create(record)) {
                throw new IllegalStateException("batch id collision " + batchId);
            }
        } catch (RuntimeException e) {
            LOG.error("batch intake failed; cancelling its queued jobs", e, "queued", queued.size());
            cancelQuietly(queued, now);
            throw e;
        }
        LOG.info("batch created", "requests", requestIds.size(), "queued", queued.size());
        return view.operation(record, null, now);
    }

    /** One request of a batch as a stored job, and whether it reached the queue. */
    private record Taken(String requestId, boolean queued) {
    }

    private Taken take(String tenant, String batchId, int index, CanonicalRequest request) {
        // The log context is per thread: an intake thread's lines name the batch too.
        StructuredLog.put("tenant", tenant);
        StructuredLog.put("batch_id", batchId);
        String keyHash = IdempotencyKeys.hash(tenant, "batch:" + batchId + ":" + index);
        JobIntake.Accepted accepted = intake.store(new JobIntake.Submission(tenant, request, Job.SOURCE_API, keyHash));
        String requestId = accepted.job().requestId();
        return new Taken(requestId, !accepted.replayed() && intake.enqueue(requestId, tenant, NOT_QUEUED));
    }

    /** {@code GET /V/batches/{id}}: the Operation, with every request's response or error once the batch is done. */
    public ObjectNode get(Credentials credentials, String batchId) {
        String tenant = reader(credentials);
        BatchRecord batch = owned(tenant, batchId);
        Instant now = clock.instant();
        List<BatchItem> items = items(batch, now);
        ObjectNode operation = view.operation(batch, items, now);
        freezeIfDone(batch, items, now);
        return operation;
    }

    /**
     * {@code GET /V/batches?pageSize=&pageToken=}: the tenant's batches, newest first, each with its state and stats
     * (not its responses: get one batch for those). {@code nextPageToken} only when there is more.
     */
    public ObjectNode list(Credentials credentials, String pageSize, String pageToken) {
        String tenant = reader(credentials);
        int size = pageSize(pageSize);
        Position after = null;
        if (pageToken != null && !pageToken.isEmpty()) {
            try {
                after = cursors.decode(tenant, LISTING, pageToken);
            } catch (Rejection e) {
                throw Rejection.invalid(INVALID_PAGE_TOKEN, "pageToken is not valid for this listing: pass"
                        + " nextPageToken exactly as received, with the same API key; to start over, leave it out",
                        "pageToken");
            }
        }
        Instant now = clock.instant();
        BatchStore.BatchPage page = batches.list(tenant, after, size);
        List<ObjectNode> operations = new ArrayList<>();
        for (BatchRecord batch : page.batches()) {
            if (batch.expiresAt() != null && !now.isBefore(batch.expiresAt())) {
                continue; // retention over; DynamoDB's TTL sweep deletes it up to days late
            }
            if (batch.finalState() == null) {
                List<BatchItem> items = items(batch, now);
                // Listed entries show state and stats only; a batch found done is frozen on the way.
                BatchRecord frozen = freezeIfDone(batch, items, now);
                operations.add(frozen != null ? view.operation(frozen, null, now) : summary(batch, items, now));
            } else {
                operations.add(view.operation(batch, null, now));
            }
        }
        String next = page.next() == null ? null : cursors.encode(tenant, LISTING, page.next());
        return BatchJobView.list(operations, next);
    }

    /**
     * {@code POST /V/batches/{id}:cancel}: every request still queued is cancelled (the same conditional
     * {@code queued → cancelled} as {@code /v1/requests/{id}/cancel}); running ones finish. The batch is CANCELLED
     * once none runs. A batch already done stays as it ended.
     */
    public void cancel(Credentials credentials, String batchId) {
        String tenant = reader(credentials);
        BatchRecord batch = owned(tenant, batchId);
        if (batch.finalState() != null) {
            return;
        }
        Instant now = clock.instant();
        List<BatchItem> items = items(batch, now);
        if (freezeIfDone(batch, items, now) != null) {
            return;
        }
        batches.requestCancel(tenant, batch.batchId(), now);
        int cancelled = 0;
        for (BatchItem item : items) {
            if (item.status() == JobStatus.QUEUED && jobs.cancel(item.requestId(), now).isPresent()) {
                cancelled++;
            }
        }
        LOG.info("batch cancel requested", "batch_id", batch.batchId(), "cancelled", cancelled);
    }

    /** {@code DELETE /V/batches/{id}}: the batch record only; its jobs carry on and stay in {@code /v1/requests}. */
    public void delete(Credentials credentials, String batchId) {
        String tenant = reader(credentials);
        owned(tenant, batchId);
        if (!batches.delete(tenant, batchId)) {
            throw notFound();
        }
    }

    private String reader(Credentials credentials) {
        KeyRecord key = authenticator.authenticate(credentials);
        StructuredLog.put("tenant", key.tenant());
        authenticator.checkReadRate(key, settings.readRatePerMinute(), clock);
        return key.tenant();
    }

    private BatchRecord owned(String tenant, String batchId) {
        if (!RequestIds.isValid(batchId)) {
            throw notFound();
        }
        return batches.get(tenant, batchId)
                .filter(b -> b.expiresAt() == null || clock.instant().isBefore(b.expiresAt()))
                .orElseThrow(BatchService::notFound);
    }

    /** The batch's jobs in request order; one that expired or is not the tenant's is missing. */
    private List<BatchItem> items(BatchRecord batch, Instant now) {
        List<BatchItem> items = new ArrayList<>(batch.requestIds().size());
        for (String id : batch.requestIds()) {
            Optional<Job> job = jobs.get(id).filter(j -> j.tenant().equals(batch.tenant())).filter(j -> !j.expired(now));
            items.add(job.map(j -> new BatchItem(id, j.status(), j.outcome(), j.error(), FailedJobs.Upstream.UNKNOWN))
                    .orElseGet(() -> BatchItem.missing(id)));
        }
        return items;
    }

    /** Freezes a batch found done; the frozen record (ours, or the one another reader froze first), else null. */
    private BatchRecord freezeIfDone(BatchRecord batch, List<BatchItem> items, Instant now) {
        if (batch.finalState() != null) {
            return batch;
        }
        BatchProgress progress = BatchProgress.of(items);
        BatchState state = progress.state(batch.cancelRequested(), batch.intakeFailed());
        if (!state.done()) {
            return null;
        }
        if (batches.freeze(batch.batchId(), state, progress, now)) {
            return batch.finish(state, progress, now);
        }
        return batches.get(batch.tenant(), batch.batchId()).filter(b -> b.finalState() != null)
                .orElse(batch.finish(state, progress, now));
    }

    /** A running batch's entry in a listing: state and stats without results. */
    private ObjectNode summary(BatchRecord batch, List<BatchItem> items, Instant now) {
        ObjectNode operation = view.operation(batch, items, now);
        JsonNode metadata = operation.get("metadata");
        if (metadata instanceof ObjectNode meta) {
            meta.remove("output");
        }
        return operation;
    }

    private void cancelQuietly(List<String> requestIds, Instant now) {
        for (String id : requestIds) {
            try {
                jobs.cancel(id, now);
            } catch (RuntimeException e) {
                LOG.error("could not cancel a job of a batch that failed to be created", e, "job_id", id);
            }
        }
    }

    private static int pageSize(String value) {
        if (value == null || value.isEmpty()) {
            return DEFAULT_PAGE_SIZE;
        }
        int size;
        try {
            size = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw Rejection.invalid(INVALID_PAGE_SIZE, "pageSize must be a whole number from 1 to " + MAX_PAGE_SIZE,
                    "pageSize");
        }
        if (size < 1) {
            throw Rejection.invalid(INVALID_PAGE_SIZE, "pageSize must be from 1 to " + MAX_PAGE_SIZE + "; got "
                    + size, "pageSize");
        }
        // Google caps an over-large page size rather than refusing it; so do we.
        return Math.min(size, MAX_PAGE_SIZE);
    }

    private static JsonNode parse(byte[] body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw Rejection.invalid(SubmitService.INVALID_JSON, "the request body is not valid JSON: "
                    + JsonErrors.describe(e, body), null);
        } catch (IOException e) {
            throw Rejection.invalid(SubmitService.INVALID_JSON, "the request body could not be read as JSON", null);
        }
    }

    static Rejection notFound() {
        return Rejection.notFound(NOT_FOUND_MESSAGE);
    }
}
