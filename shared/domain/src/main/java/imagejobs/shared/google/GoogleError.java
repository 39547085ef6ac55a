package imagejobs.shared.google;

import java.time.Duration;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An error answer in Google's shape: the HTTP status to answer with, the canonical status, and the body
 * {@code {"error":{"code","message","status","details"}}}. Built by {@link GoogleErrorBody}.
 *
 * @param retryAfter how long the caller should wait before trying again (the Retry-After header and the body's
 *                   RetryInfo detail); null when retrying soon would not help
 */
public record GoogleError(int httpStatus, GoogleStatus status, String message, ObjectNode body, Duration retryAfter) {

    /** The Retry-After header's value: whole seconds, rounded up so a client never comes back too early. */
    public Optional<String> retryAfterHeader() {
        if (retryAfter == null) {
            return Optional.empty();
        }
        long seconds = retryAfter.getSeconds() + (retryAfter.getNano() > 0 ? 1 : 0);
        return Optional.of(String.valueOf(Math.max(0, seconds)));
    }
}
