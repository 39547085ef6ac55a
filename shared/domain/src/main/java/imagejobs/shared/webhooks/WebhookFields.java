package imagejobs.shared.webhooks;

import static imagejobs.shared.validation.FieldError.INVALID_FIELD;
import static imagejobs.shared.validation.FieldError.INVALID_WEBHOOK;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.reference.AddressPolicy;
import imagejobs.shared.reference.ReferenceUri;
import imagejobs.shared.validation.FieldError;
import imagejobs.shared.validation.Utf16;

/**
 * Reads a job's webhook request: {@code webhook} and {@code webhook_events_filter} in a JSON body (the request-queue
 * and Google-style routes), or the {@code webhook} and {@code webhook-events-filter} metadata of an S3 edit upload.
 * The URL obeys the rules reference images obey, read by the same {@link ReferenceUri} parser and
 * {@link AddressPolicy}: https only (plain http too where loopback references are allowed, i.e. the local stack and
 * tests), no credentials, no backslashes, no percent-encoded or non-ASCII host names, no literal private, loopback
 * or link-local address, never Gemini's API host or an {@code s3://} object. A host name is resolved and every
 * answer checked again at each delivery, where the connection goes to the address that was checked.
 *
 * <p>What is wrong is a {@link FieldError} (a 400 on the API, a failed job for an S3 edit): {@code INVALID_WEBHOOK}
 * for the URL, {@code INVALID_FIELD} for the rest, naming the field as the caller spelled it and quoting at most a
 * short prefix of the value.
 */
public final class WebhookFields {
    public static final String WEBHOOK = "webhook";
    public static final String EVENTS_FILTER = "webhook_events_filter";
    public static final String METADATA_WEBHOOK = "x-amz-meta-webhook";
    public static final String METADATA_EVENTS_FILTER = "x-amz-meta-webhook-events-filter";
    /** A filter names each event once; a longer list is a mistake (or an attack), not a request. */
    static final int MAX_FILTER_ENTRIES = 8;
    private static final int QUOTE_LENGTH = 60;
    private static final String EVENT_NAMES = "start, completed";

    private final boolean allowLoopback;
    private final AddressPolicy addresses;

    /**
     * @param allowLoopback ALLOW_LOOPBACK_REFERENCES (tests and the local stack only): plain http and loopback hosts
     *                      are accepted, as for reference images
     */
    public WebhookFields(boolean allowLoopback) {
        this.allowLoopback = allowLoopback;
        this.addresses = new AddressPolicy(allowLoopback);
    }

    /**
     * The subscription in {@code body}'s {@code webhook} and {@code webhook_events_filter} members; empty when there
     * is no {@code webhook} (absent or null).
     *
     * @param prefix the path of {@code body} in the request for field names ("" at the top level)
     */
    public Optional<WebhookSubscription> fromJson(JsonNode body, String prefix) {
        return fromJson(body, prefix, EVENTS_FILTER);
    }

    /**
     * As {@link #fromJson(JsonNode, String)}, the filter read from the member {@code filterName} (Google's native
     * body spells it {@code webhookEventsFilter}, as it spells every field in camelCase).
     */
    public Optional<WebhookSubscription> fromJson(JsonNode body, String prefix, String filterName) {
        String urlField = prefix + WEBHOOK;
        String filterField = prefix + filterName;
        JsonNode url = body == null ? null : body.get(WEBHOOK);
        JsonNode filter = body == null ? null : body.get(filterName);
        boolean hasFilter = filter != null && !filter.isNull();
        if (url == null || url.isNull()) {
            if (hasFilter) {
                throw new FieldError(INVALID_FIELD, filterField, filterField + " needs a " + urlField
                        + " to send the events to");
            }
            return Optional.empty();
        }
        if (!url.isTextual()) {
            throw new FieldError(INVALID_FIELD, urlField, urlField + " must be a string (an https:// URL), got "
                    + kind(url));
        }
        String canonical = url(url.asText(), urlField);
        if (!hasFilter) {
            return Optional.of(new WebhookSubscription(canonical, WebhookSubscription.DEFAULT_EVENTS));
        }
        if (!filter.isArray()) {
            throw new FieldError(INVALID_FIELD, filterField, filterField + " must be a list of event names ("
                    + EVENT_NAMES + "), got " + kind(filter));
        }
        if (filter.isEmpty()) {
            throw new FieldError(INVALID_FIELD, filterField, filterField + " is empty; name at least one event ("
                    + EVENT_NAMES + "), or leave it out for [\"completed\"]");
        }
        if (filter.size() > MAX_FILTER_ENTRIES) {
            throw new FieldError(INVALID_FIELD, filterField, filterField + " has " + filter.size()
                    + " entries; it names each of " + EVENT_NAMES + " at most once");
        }
        Set<WebhookEvent> events = EnumSet.noneOf(WebhookEvent.class);
        for (int i = 0; i < filter.size(); i++) {
            String at = filterField + "[" + i + "]";
            JsonNode entry = filter.get(i);
            if (!entry.isTextual()) {
                throw new FieldError(INVALID_FIELD, at, at + " must be an event name (" + EVENT_NAMES + "), got "
                        + kind(entry));
            }
            events.add(event(entry.asText(), at));
        }
        return Optional.of(new WebhookSubscription(canonical, events));
    }

    /**
     * The subscription in an S3 edit upload's metadata: {@code webhook} (a URL) and {@code webhook-events-filter}
     * (event names separated by commas or spaces); empty when there is no {@code webhook}. Values arrive decoded
     * (RFC 2047 words already read).
     */
    public Optional<WebhookSubscription> fromMetadata(String url, String filter) {
        boolean hasFilter = filter != null && !filter.isBlank();
        if (url == null || url.isEmpty()) {
            if (hasFilter) {
                throw new FieldError(INVALID_FIELD, METADATA_EVENTS_FILTER, METADATA_EVENTS_FILTER + " needs a "
                        + METADATA_WEBHOOK + " to send the events to");
            }
            return Optional.empty();
        }
        String canonical = url(url, METADATA_WEBHOOK);
        if (!hasFilter) {
            return Optional.of(new WebhookSubscription(canonical, WebhookSubscription.DEFAULT_EVENTS));
        }
        String[] names = filter.trim().split("[,\\s]+");
        if (names.length > MAX_FILTER_ENTRIES) {
            throw new FieldError(INVALID_FIELD, METADATA_EVENTS_FILTER, METADATA_EVENTS_FILTER + " has " + names.length
                    + " entries; it names each of " + EVENT_NAMES + " at most once");
        }
        Set<WebhookEvent> events = EnumSet.noneOf(WebhookEvent.class);
        for (String name : names) {
            if (!name.isEmpty()) {
                events.add(event(name, METADATA_EVENTS_FILTER));
            }
        }
        if (events.isEmpty()) {
            throw new FieldError(INVALID_FIELD, METADATA_EVENTS_FILTER, METADATA_EVENTS_FILTER
                    + " names no event; use " + EVENT_NAMES);
        }
        return Optional.of(new WebhookSubscription(canonical, events));
    }

    /** The URL in canonical form, or why it is refused. */
    public String url(String text, String field) {
        int colon = text.indexOf(':');
        String scheme = colon > 0 ? text.substring(0, colon).toLowerCase(Locale.ROOT) : "";
        if (!scheme.equals("https") && !scheme.equals("http")) {
            // ReferenceUri's words for other schemes (s3://, gs://, data:) are about images: these are ours.
            throw webhook(field, field + " " + quote(text) + " must be an https:// URL");
        }
        if (onGeminiHost(text.substring(colon + 1))) {
            throw webhook(field, field + " " + quote(text) + " is on Gemini's API host, which takes no webhooks");
        }
        ReferenceUri ref;
        try {
            ref = ReferenceUri.parse(text);
        } catch (ReferenceUri.Invalid e) {
            throw webhook(field, field + " " + quote(text) + " " + e.getMessage());
        }
        if (ref.kind() != ReferenceUri.Kind.WEB) {
            throw webhook(field, field + " " + quote(text) + " is on Gemini's API host, which takes no webhooks");
        }
        if (ref.scheme().equals("http") && !allowLoopback) {
            throw webhook(field, field + " " + quote(text) + " uses http://; webhooks are sent to https:// URLs only");
        }
        if (!hostAllowed(ref)) {
            throw webhook(field, field + " " + quote(text) + " points at a private, loopback or link-local address;"
                    + " webhooks are sent to publicly reachable hosts only");
        }
        return ref.toString();
    }

    /** {@code //generativelanguage.googleapis.com} followed by the end of the host (ReferenceUri's own test). */
    private static boolean onGeminiHost(String afterScheme) {
        String host = "//" + ReferenceUri.FILES_API_HOST;
        if (!afterScheme.regionMatches(true, 0, host, 0, host.length())) {
            return false;
        }
        int end = host.length();
        if (end < afterScheme.length() && afterScheme.charAt(end) == '.') {
            end++; // the name's trailing dot: the same host
        }
        return end == afterScheme.length() || "/?#:".indexOf(afterScheme.charAt(end)) >= 0;
    }

    private static WebhookEvent event(String name, String field) {
        return WebhookEvent.fromWire(name.trim().toLowerCase(Locale.ROOT)).orElseThrow(() -> new FieldError(
                INVALID_FIELD, field, field + " " + quote(name) + " is not an event this service sends; use "
                + EVENT_NAMES));
    }

    /** What can be told without DNS, exactly as for reference images: address literals and localhost names. */
    private boolean hostAllowed(ReferenceUri ref) {
        String host = ref.bareHost();
        if (host.equals("localhost") || host.endsWith(".localhost")) {
            return allowLoopback;
        }
        if (!ref.isAddressLiteral()) {
            return true;
        }
        try {
            return addresses.allowed(InetAddress.getByName(host)); // a literal: parsed, never looked up
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static FieldError webhook(String field, String message) {
        return new FieldError(INVALID_WEBHOOK, field, message);
    }

    private static String quote(String value) {
        return "'" + Utf16.prefix(value, QUOTE_LENGTH) + "'";
    }

    private static String kind(JsonNode node) {
        if (node.isTextual()) {
            return "a string";
        }
        if (node.isNumber()) {
            return "a number";
        }
        if (node.isBoolean()) {
            return "a boolean";
        }
        if (node.isArray()) {
            return "a list";
        }
        if (node.isObject()) {
            return "an object";
        }
        return "null";
    }
}
