package imagejobs.shared.webhooks;

import java.time.Duration;

/**
 * What one delivery attempt came to, said in the receiver's terms. {@code status} is the HTTP status when the
 * receiver answered (0 when it did not); {@code detail} is a phrase for the job's delivery state and the log (never
 * the receiver's body, which is not read); {@code retryAfter} is the receiver's {@code Retry-After}, or null.
 */
public record DeliveryOutcome(Kind kind, int status, String detail, Duration retryAfter) {

    public enum Kind {
        /** A 2xx answer within the time limit. */
        DELIVERED,
        /** Anything else the receiver did or did not do: a 3xx (never followed), a 4xx, a 5xx, no answer in
         *  time, a refused or reset connection, a failed TLS handshake, a host name that does not resolve. Tried
         *  again on schedule. */
        FAILED,
        /** Never connected, by our rule: the host resolved to an address webhooks are not sent to (private,
         *  loopback, link-local, metadata). Tried again on schedule too (DNS answers change), always refused while
         *  the answers stay so. */
        REFUSED
    }

    public static DeliveryOutcome delivered(int status) {
        return new DeliveryOutcome(Kind.DELIVERED, status, "answered HTTP " + status, null);
    }

    public static DeliveryOutcome failed(int status, String detail, Duration retryAfter) {
        return new DeliveryOutcome(Kind.FAILED, status, detail, retryAfter);
    }

    public static DeliveryOutcome refused(String detail) {
        return new DeliveryOutcome(Kind.REFUSED, 0, detail, null);
    }

    public boolean delivered() {
        return kind == Kind.DELIVERED;
    }
}
