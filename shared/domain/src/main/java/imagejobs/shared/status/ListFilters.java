package imagejobs.shared.status;

import java.time.Instant;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

import imagejobs.shared.jobs.JobStatus;

/**
 * What a listing is filtered by, normalised: statuses as a set in the enum's order, times as instants. Two
 * spellings of the same filters ({@code status=failed,queued} and {@code status=queued&status=failed},
 * {@code Z} and {@code +00:00}) are equal and give the same {@link #canonical()} form, which the cursor's MAC covers.
 *
 * @param statuses      empty: every status
 * @param model         null: every model
 * @param createdAfter  exclusive lower bound, or null
 * @param createdBefore exclusive upper bound, or null
 */
public record ListFilters(Set<JobStatus> statuses, String model, Instant createdAfter, Instant createdBefore) {

    public static final ListFilters NONE = new ListFilters(Set.of(), null, null, null);

    public ListFilters {
        statuses = statuses == null || statuses.isEmpty()
                ? Set.of()
                : Collections.unmodifiableSet(EnumSet.copyOf(statuses));
    }

    /** A stable text form: the same filters always give the same string, different filters never do. */
    public String canonical() {
        return "status=" + statuses.stream().map(JobStatus::wire).collect(Collectors.joining(","))
                + "\nmodel=" + (model == null ? "" : model)
                + "\ncreated_after=" + (createdAfter == null ? "" : createdAfter.toString())
                + "\ncreated_before=" + (createdBefore == null ? "" : createdBefore.toString());
    }
}
