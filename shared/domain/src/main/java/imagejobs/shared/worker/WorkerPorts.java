package imagejobs.shared.worker;

import java.time.Clock;

import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.gemini.GeminiClient;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.limits.UpstreamGate;
import imagejobs.shared.log.Metrics;
import imagejobs.shared.queue.JobQueue;
import imagejobs.shared.storage.ObjectStore;

/**
 * Everything the worker talks to, passed as one value so that a new collaborator is one more component here rather
 * than one more parameter on every constructor.
 *
 * @param jobs     the jobs table (claims, leases and the terminal transitions)
 * @param objects  the images bucket (request documents, references, outputs, staged outcomes)
 * @param queue    the jobs queue (visibility of the delivered message)
 * @param gemini   Gemini's generateContent
 * @param fetcher  downloads of {@code https://} references (the SSRF guard is the fetcher's)
 * @param catalog  the models the worker may call
 * @param metrics  where the per-job CloudWatch metrics go
 * @param clock    time for leases, retries and timings
 * @param gate     asked before each claim whether upstream capacity allows one more call now
 * @param listener told when an attempt starts and when a job reaches a terminal state
 * @param upstream the upstream gate shared by every worker (Gemini's limits, cool-downs after 429s, fair shares), or
 *                 null: every job calls Gemini when claimed and a 429 is retried like any retryable failure
 */
public record WorkerPorts(JobStore jobs, ObjectStore objects, JobQueue queue, GeminiClient gemini, UrlFetcher fetcher,
                          ModelCatalog catalog, Metrics metrics, Clock clock, ClaimGate gate, JobListener listener,
                          UpstreamGate upstream) {

    /** No upstream gate. */
    public WorkerPorts(JobStore jobs, ObjectStore objects, JobQueue queue, GeminiClient gemini, UrlFetcher fetcher,
                       ModelCatalog catalog, Metrics metrics, Clock clock, ClaimGate gate, JobListener listener) {
        this(jobs, objects, queue, gemini, fetcher, catalog, metrics, clock, gate, listener, null);
    }

    /** No gate and no listener: every claim may go ahead and nobody is told. */
    public WorkerPorts(JobStore jobs, ObjectStore objects, JobQueue queue, GeminiClient gemini, UrlFetcher fetcher,
                       ModelCatalog catalog, Metrics metrics, Clock clock) {
        this(jobs, objects, queue, gemini, fetcher, catalog, metrics, clock, ClaimGate.OPEN, JobListener.NONE);
    }

    /** The same ports with another gate. */
    public WorkerPorts withGate(ClaimGate gate) {
        return new WorkerPorts(jobs, objects, queue, gemini, fetcher, catalog, metrics, clock, gate, listener, upstream);
    }

    /** The same ports with an upstream gate. */
    public WorkerPorts withUpstream(UpstreamGate upstream) {
        return new WorkerPorts(jobs, objects, queue, gemini, fetcher, catalog, metrics, clock, gate, listener, upstream);
    }

    /** The same ports with another listener. */
    public WorkerPorts withListener(JobListener listener) {
        return new WorkerPorts(jobs, objects, queue, gemini, fetcher, catalog, metrics, clock, gate, listener, upstream);
    }
}
