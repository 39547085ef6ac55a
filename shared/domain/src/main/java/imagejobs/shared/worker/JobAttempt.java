package imagejobs.shared.worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.catalog.ModelSpec;
import imagejobs.shared.gemini.GeminiClient;
import imagejobs.shared.gemini.GeminiException;
import imagejobs.shared.gemini.GeminiResponse;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.json.Json;
import imagejobs.shared.storage.ObjectStore;

/**
 * One attempt at a claimed job: resolve its references, call Gemini once, judge the answer and store the outcome
 * (images in S3, the outcome staged beside them). It changes no job status: its {@link Result} says what happened and
 * {@link LeaseRules} decides what follows. A store or bug failure is thrown, for the caller to treat as a crash.
 */
public final class JobAttempt {
    private final ObjectStore objects;
    private final GeminiClient gemini;
    private final ModelCatalog catalog;
    private final ReferenceResolver references;
    private final OutcomeWriter outcomes;
    private final Clock clock;

    public JobAttempt(WorkerPorts ports) {
        this.objects = ports.objects();
        this.gemini = ports.gemini();
        this.catalog = ports.catalog();
        this.references = new ReferenceResolver(ports.objects(), ports.fetcher());
        this.outcomes = new OutcomeWriter(ports.objects());
        this.clock = ports.clock();
    }

    /** How an attempt ended, short of a crash. */
    public sealed interface Result {
        /** Gemini answered with images; they and the outcome are stored. */
        record Produced(ObjectNode outcome) implements Result {
        }

        /** The job cannot succeed, whatever the retries: its model is gone, a reference is unusable, or Gemini refused. */
        record Rejected(JobError error) implements Result {
        }

        /** Gemini's call failed (retryable or not: the rules decide). */
        record UpstreamFailed(GeminiException failure) implements Result {
        }
    }

    /** Gemini's answer, as the log and metrics report it. */
    public record GeminiCall(long latencyMs, String finishReason, int images) {
    }

    /**
     * The outcome an earlier attempt of this job stored but died before recording, brought up to date; empty when
     * there is none.
     */
    public Optional<ObjectNode> staged(Job job, Instant startedAt) {
        return outcomes.staged(job, new OutcomeWriter.Timings(job.attempts(), startedAt, clock.instant(), 0));
    }

    /**
     * @param startedAt when the job's first attempt started
     * @param budget    time left in this invocation, or null when unbounded
     * @param answered  told as soon as Gemini answered, before the answer is judged or stored
     */
    public Result run(Job job, Instant startedAt, Duration budget, Consumer<GeminiCall> answered) {
        ModelSpec model = catalog.find(job.model()).orElse(null);
        if (model == null) {
            return new Result.Rejected(new JobError("MODEL_UNAVAILABLE", "model " + job.model()
                    + " is no longer in the catalog", false));
        }
        ObjectNode request = loadRequest(job);
        byte[] body;
        try {
            body = upstreamBody(job, request, model);
        } catch (ReferenceException e) {
            return new Result.Rejected(new JobError(JobProcessor.INVALID_REFERENCE, e.getMessage(), false));
        }
        try (WorkDir workDir = WorkDir.create(job.requestId())) {
            Duration timeout = LeaseRules.callTimeout(model, budget);
            Instant called = clock.instant();
            GeminiResponse response;
            try {
                response = gemini.generate(model.upstreamModel(), body, timeout, workDir.path());
            } catch (GeminiException e) {
                return new Result.UpstreamFailed(e);
            }
            long latencyMs = Duration.between(called, clock.instant()).toMillis();
            answered.accept(new GeminiCall(latencyMs, response.finishReason(), response.images().size()));
            Optional<JobError> refusal = ResponseVerdict.refusal(response, request);
            if (refusal.isPresent()) {
                return new Result.Rejected(refusal.get());
            }
            return new Result.Produced(outcomes.write(job, request, response,
                    new OutcomeWriter.Timings(job.attempts(), startedAt, clock.instant(), latencyMs)));
        }
    }

    /**
     * The body Gemini gets: the request with its references turned into inline data. Built in its own method so the
     * decoded contents (up to many MB) are garbage once serialised, not held through the call.
     */
    private byte[] upstreamBody(Job job, ObjectNode request, ModelSpec model) throws ReferenceException {
        ArrayNode contents = references.resolve(job.tenant(), request.path("contents"),
                Set.copyOf(model.inputMimeTypes()));
        ObjectNode upstream = request.deepCopy();
        upstream.set("contents", contents);
        return Json.bytes(upstream);
    }

    private ObjectNode loadRequest(Job job) {
        if (job.request() != null) {
            return (ObjectNode) Json.parse(job.request());
        }
        byte[] bytes = objects.get(job.requestKey()).orElseThrow(() ->
                new IllegalStateException("request document " + job.requestKey() + " is missing")).bytes();
        try {
            return (ObjectNode) Json.MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
