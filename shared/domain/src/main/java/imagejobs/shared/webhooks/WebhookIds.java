package imagejobs.shared.webhooks;

import java.util.regex.Pattern;

/**
 * The {@code webhook-id} of a delivery: one per job and event ({@code msg_<request id>_<event>}), the same on every
 * retry, so a receiver can drop what it has already handled. Never client-controlled and never with a {@code .},
 * which separates the id from the timestamp in the signed text.
 */
public final class WebhookIds {
    private static final Pattern REQUEST_ID = Pattern.compile("[0-9A-Za-z]{1,64}");

    private WebhookIds() {
    }

    public static String of(String requestId, WebhookEvent event) {
        if (requestId == null || !REQUEST_ID.matcher(requestId).matches()) {
            throw new IllegalArgumentException("a request id is 1-64 letters and digits");
        }
        return "msg_" + requestId + "_" + event.wire();
    }
}
