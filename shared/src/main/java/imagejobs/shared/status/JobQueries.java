package imagejobs.shared.status;

import java.time.Clock;

import imagejobs.shared.http.ApiException;
import imagejobs.shared.http.ApiResponse;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.jobs.RequestIds;

/**
 * What a tenant may ask about its jobs. Another tenant's job, an unknown or malformed id and an expired job all
 * answer the same 404, so ids cannot be probed.
 */
public final class JobQueries {
    private final JobStore jobs;
    private final JobView view;
    private final Clock clock;

    public JobQueries(JobStore jobs, JobView view, Clock clock) {
        this.jobs = jobs;
        this.view = view;
        this.clock = clock;
    }

    /** {@code GET /v1/requests/{request_id}}. */
    public ApiResponse get(String tenant, String requestId) {
        return ApiResponse.json(200, view.full(owned(tenant, requestId)));
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

    static ApiException notFound() {
        return ApiException.notFound("no such request");
    }
}
