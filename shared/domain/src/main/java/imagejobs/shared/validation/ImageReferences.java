package imagejobs.shared.validation;

import java.net.InetAddress;
import java.net.UnknownHostException;

import imagejobs.shared.reference.AddressPolicy;
import imagejobs.shared.reference.ReferenceUri;

/**
 * Which image references a submit may carry (fileData.fileUri, the simple form's image URLs), read by
 * {@link ReferenceUri}, the parser the worker uses too:
 * <ul>
 * <li>{@code https://} URLs: the worker downloads them and checks every resolved address; a host that is an
 *     address literal or a {@code localhost} name is checked here already, by the worker's own
 *     {@link AddressPolicy};</li>
 * <li>{@code s3://} objects of this service's bucket under the caller's own tenant prefixes;</li>
 * <li>Gemini Files API URIs, passed to Gemini as they are.</li>
 * </ul>
 * Anything else ({@code http:}, {@code file:}, {@code gs:}, {@code ftp:}, another bucket or tenant) is a 400
 * naming the field and what is allowed. {@link #check} returns the reference in its canonical spelling, which is
 * what the job stores and the worker later reads.
 */
public final class ImageReferences {
    private final String bucket;
    private final boolean allowLoopback;
    private final AddressPolicy addresses;

    public ImageReferences(String bucket) {
        this(bucket, false);
    }

    /**
     * @param allowLoopback ALLOW_LOOPBACK_REFERENCES, set only by tests and the local stack: as the worker's fetcher
     *                      then does, accept loopback hosts and plain http (local image servers have no TLS)
     */
    public ImageReferences(String bucket, boolean allowLoopback) {
        this.bucket = bucket;
        this.allowLoopback = allowLoopback;
        this.addresses = new AddressPolicy(allowLoopback);
    }

    public String bucket() {
        return bucket;
    }

    /** Whether loopback hosts and plain http are accepted (ALLOW_LOOPBACK_REFERENCES): webhooks follow the same rule. */
    public boolean allowLoopback() {
        return allowLoopback;
    }

    /** Checks a reference of {@code tenant}; returns it in canonical form or throws a 400 naming {@code field}. */
    public ReferenceUri check(String uri, String tenant, String field) {
        ReferenceUri ref;
        try {
            ref = ReferenceUri.parse(uri);
        } catch (ReferenceUri.Invalid e) {
            throw reference(field, field + " " + Values.quote(uri) + " " + e.getMessage());
        }
        switch (ref.kind()) {
            case S3 -> {
                if (!ref.bucket().equals(bucket)) {
                    throw reference(field, field + " " + Values.quote(uri) + " is not in this service's bucket;"
                            + " s3:// references must be your own objects: "
                            + ReferenceUri.ownPrefixes(bucket, tenant));
                }
                if (!ref.isObjectOf(bucket, tenant)) {
                    throw reference(field, field + " " + Values.quote(uri) + " is not an object of your tenant;"
                            + " allowed: " + ReferenceUri.ownPrefixes(bucket, tenant));
                }
            }
            case WEB -> {
                if (ref.scheme().equals("http") && !allowLoopback) {
                    throw reference(field, field + " " + Values.quote(uri) + " uses http://; only https:// URLs are"
                            + " fetched");
                }
                if (!hostAllowed(ref)) {
                    throw reference(field, field + " " + Values.quote(uri) + " points at a private, loopback or"
                            + " link-local address; image URLs must be publicly reachable");
                }
            }
            case FILES_API -> {
                // passed to Gemini as it is
            }
        }
        return ref;
    }

    /**
     * What can be told without DNS (the worker resolves and checks every address at download time): an address
     * literal must pass the worker's address policy, and {@code localhost} names are loopback.
     */
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

    private static FieldError reference(String field, String message) {
        return new FieldError(FieldError.INVALID_REFERENCE, field, message);
    }
}
