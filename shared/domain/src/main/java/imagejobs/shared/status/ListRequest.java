package imagejobs.shared.status;

/** A parsed {@code GET /v1/requests}: filters, page size and the cursor as sent (null on the first page). */
public record ListRequest(ListFilters filters, int limit, String cursor) {
}
