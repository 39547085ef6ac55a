package imagejobs.shared.status;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.errors.Rejection;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.jobs.JobStore.JobPage;
import imagejobs.shared.jobs.JobStore.ListQuery;
import imagejobs.shared.jobs.JobStore.Position;
import imagejobs.shared.jobs.RequestIds;
import imagejobs.shared.json.Json;

/**
 * What a tenant may ask about its jobs: one job, the listing, cancel. Another tenant's job, an unknown or
 * malformed id and an expired job (retention over, TTL sweep not yet done) all answer the same 404, byte for
 * byte, so ids cannot be probed.
 */
public final class JobQueries {
    /** The one not-found body: it names no id and no reason. */
    static final String NOT_FOUND_MESSAGE = "request not found";
    static final String NOT_CANCELLABLE = "NOT_CANCELLABLE";

    private final JobStore jobs;
    private final JobView view;
    private final ListCursors cursors;
    private final Clock clock;

    public JobQueries(JobStore jobs, JobView view, ListCursors cursors, Clock clock) {
        this.jobs = jobs;
        this.view = view;
        this.cursors = cursors;
        this.clock = clock;
    }

    /** {@code GET /v1/requests/{request_id}}: the whole job, presigned image URLs included. */
    public ObjectNode get(String tenant, String requestId) {
        return view.full(owned(tenant, requestId));
    }

    /**
     * {@code GET /v1/requests}: {@code {"data": [summaries, newest first], "has_more": bool, "next_cursor": string|null}}.
     * A page is full unless the listing ended (or, rarely, one call's scan budget ran out; has_more is then true).
     */
    public ObjectNode list(String tenant, Map<String, String> queryParameters) {
        ListRequest request = ListParameters.parse(queryParameters);
        ListFilters filters = request.filters();
        Position after = request.cursor() == null ? null : cursors.decode(tenant, filters, request.cursor());
        JobPage page = jobs.list(tenant, new ListQuery(filters.statuses(), filters.model(), filters.createdAfter(),
                filters.createdBefore(), request.limit(), after, clock.instant()));
        ObjectNode body = Json.object();
        ArrayNode data = body.putArray("data");
        page.jobs().forEach(job -> data.add(view.summary(job)));
        body.put("has_more", page.next() != null);
        if (page.next() == null) {
            body.putNull("next_cursor");
        } else {
            body.put("next_cursor", cursors.encode(tenant, filters, page.next()));
        }
        return body;
    }

    /**
     * {@code POST /v1/requests/{request_id}/cancel}: {@code queued → cancelled} by a conditional write, so the
     * worker's claim (also conditional on {@code queued}) and the cancel cannot both win. 200 with the job when it
     * is (now or already) cancelled; 409 with its current status once it is processing or finished.
     */
    public ObjectNode cancel(String tenant, String requestId) {
        Job job = owned(tenant, requestId);
        // A lost race (claimed, or cancelled by someone else) is answered from what the job is now; a job requeued
        // for a retry in between is queued again, hence a second try.
        for (int attempt = 0; attempt < 2 && job.status() == JobStatus.QUEUED; attempt++) {
            Optional<Job> cancelled = jobs.cancel(requestId, clock.instant());
            if (cancelled.isPresent()) {
                return view.full(cancelled.get());
            }
            job = owned(tenant, requestId);
        }
        if (job.status() == JobStatus.CANCELLED) {
            return view.full(job);
        }
        throw new NotCancellable(job.status());
    }

    Job owned(String tenant, String requestId) {
        if (!RequestIds.isValid(requestId)) {
            throw notFound();
        }
        return jobs.get(requestId)
                .filter(j -> j.tenant().equals(tenant))
                .filter(j -> !j.expired(clock.instant()))
                .orElseThrow(JobQueries::notFound);
    }

    static Rejection notFound() {
        return Rejection.notFound(NOT_FOUND_MESSAGE);
    }

    /** A conflict whose error also carries the job's current status, so the client need not poll to learn it. */
    static final class NotCancellable extends Rejection {
        private final JobStatus current;

        NotCancellable(JobStatus current) {
            super(Kind.CONFLICT, NOT_CANCELLABLE, "the request is " + current.wire()
                    + "; only queued requests can be cancelled", null, null, Map.of("current_status", current.wire()));
            this.current = current;
        }

        JobStatus current() {
            return current;
        }
    }
}
