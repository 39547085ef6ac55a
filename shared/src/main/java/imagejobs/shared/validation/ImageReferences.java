package imagejobs.shared.validation;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which image references a submit may carry (fileData.fileUri, the simple form's image URLs):
 * <ul>
 * <li>{@code https://} URLs on public hosts: the worker downloads them (and re-checks the resolved address);
 *     literal private, loopback and link-local addresses and {@code localhost} are refused here already;</li>
 * <li>{@code s3://} objects of this service's bucket under the caller's own tenant prefixes;</li>
 * <li>Gemini Files API URIs, passed to Gemini as they are.</li>
 * </ul>
 * Anything else ({@code http:}, {@code file:}, {@code gs:}, {@code ftp:}, another bucket or tenant) is a 400
 * naming the field and what is allowed.
 */
public final class ImageReferences {
    public static final String FILES_API_HOST = "generativelanguage.googleapis.com";
    /** Tenant-owned prefixes of the images bucket (DESIGN.md §4): the worker resolves exactly these. */
    public static final List<String> TENANT_PREFIXES = List.of("inputs/", "outputs/", "edits/", "edited/");
    static final int MAX_URI_LENGTH = 2048;
    private static final Pattern FILES_API_PATH = Pattern.compile("/v1[a-z0-9]*/files/[A-Za-z0-9_.-]+");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    /** Hosts a resolver may read as an IPv4 address although they are not dotted quads (2130706433, 0x7f.1, 127.1). */
    private static final Pattern NUMERIC_HOST = Pattern.compile("(0x[0-9a-f]+|[0-9]+)(\\.(0x[0-9a-f]+|[0-9]+))*");

    private final String bucket;
    private final boolean allowLoopback;

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
    }

    public String bucket() {
        return bucket;
    }

    /** The kind of an accepted reference. */
    public enum Kind { HTTPS, OWN_OBJECT, FILES_API }

    /** Checks a reference of {@code tenant}; returns its kind or throws a 400 naming {@code field}. */
    public Kind check(String uri, String tenant, String field) {
        if (uri.length() > MAX_URI_LENGTH) {
            throw reference(field, field + " is " + uri.length() + " characters long; the limit is " + MAX_URI_LENGTH);
        }
        // S3 keys may hold spaces ("s3://bucket/edits/t/my cat.png", as the AWS CLI writes them); URLs may not.
        boolean s3 = uri.startsWith("s3://");
        if (!uri.equals(uri.strip()) || uri.chars().anyMatch(c -> c < 0x20 || c == 0x7f || (c == ' ' && !s3))) {
            throw reference(field, field + " contains spaces or control characters: " + Values.quote(uri));
        }
        int colon = uri.indexOf(':');
        String scheme = colon <= 0 ? "" : uri.substring(0, colon).toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "https" -> https(uri, field);
            case "http" -> {
                if (!allowLoopback) {
                    throw reference(field, field + " " + Values.quote(uri) + " uses http://; only https:// URLs are"
                            + " fetched");
                }
                yield https(uri, field);
            }
            case "s3" -> {
                ownObject(uri, tenant, field);
                yield Kind.OWN_OBJECT;
            }
            case "gs" -> throw reference(field, field + " " + Values.quote(uri) + " is a Cloud Storage URI, which this"
                    + " service cannot read; use https://storage.googleapis.com/<bucket>/<object> for a public"
                    + " object, or send the image inline");
            case "data" -> throw reference(field, field + " is a data: URL; send inline images as inlineData"
                    + " {mimeType, data}");
            default -> throw reference(field, field + " " + Values.quote(uri) + " is not a supported reference; "
                    + allowed());
        };
    }

    private Kind https(String uri, String field) {
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (URISyntaxException e) {
            throw reference(field, field + " " + Values.quote(uri) + " is not a valid URL: " + e.getReason());
        }
        String host = parsed.getHost();
        if (host == null && parsed.getRawAuthority() != null && parsed.getRawUserInfo() == null) {
            // java.net.URI leaves the host empty for names it finds unusual (underscores); take the authority.
            String authority = parsed.getRawAuthority();
            int port = authority.lastIndexOf(':');
            host = port > 0 && !authority.endsWith("]") ? authority.substring(0, port) : authority;
        }
        if (host == null || host.isEmpty()) {
            throw reference(field, field + " " + Values.quote(uri) + " has no host name");
        }
        if (parsed.getRawUserInfo() != null) {
            throw reference(field, field + " must not carry credentials (user:password@)");
        }
        host = host.toLowerCase(Locale.ROOT);
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        if (host.equals(FILES_API_HOST)) {
            String path = parsed.getRawPath() == null ? "" : parsed.getRawPath();
            if (!FILES_API_PATH.matcher(path).matches() || parsed.getRawQuery() != null) {
                throw reference(field, field + " " + Values.quote(uri) + " is not a Gemini Files API URI"
                        + " (https://" + FILES_API_HOST + "/v1beta/files/<id>)");
            }
            return Kind.FILES_API;
        }
        if (isPrivateHost(host) && !(allowLoopback && isLoopbackHost(host))) {
            throw reference(field, field + " " + Values.quote(uri) + " points at a private, loopback or link-local"
                    + " address; image URLs must be publicly reachable");
        }
        return Kind.HTTPS;
    }

    private void ownObject(String uri, String tenant, String field) {
        String rest = uri.substring("s3://".length());
        int slash = rest.indexOf('/');
        String refBucket = slash < 0 ? rest : rest.substring(0, slash);
        String key = slash < 0 ? "" : rest.substring(slash + 1);
        if (!refBucket.equals(bucket)) {
            throw reference(field, field + " " + Values.quote(uri) + " is not in this service's bucket; s3:// references"
                    + " must be your own objects: " + ownPrefixes(tenant));
        }
        String prefix = TENANT_PREFIXES.stream().filter(p -> key.startsWith(p + tenant + "/")).findFirst().orElse(null);
        boolean traversal = ("/" + key + "/").contains("/../") || ("/" + key + "/").contains("/./") || key.contains("//");
        if (prefix == null || traversal || key.length() <= (prefix + tenant + "/").length()) {
            throw reference(field, field + " " + Values.quote(uri) + " is not an object of your tenant; allowed: "
                    + ownPrefixes(tenant));
        }
    }

    private String ownPrefixes(String tenant) {
        StringBuilder out = new StringBuilder();
        for (String p : TENANT_PREFIXES) {
            out.append(out.length() == 0 ? "" : ", ").append("s3://").append(bucket).append('/').append(p)
                    .append(tenant).append("/…");
        }
        return out.toString();
    }

    private static String allowed() {
        return "use an https:// URL, an s3:// object of your own under this service's bucket, or a Gemini Files API"
                + " URI (https://" + FILES_API_HOST + "/v1beta/files/<id>)";
    }

    /**
     * Literal addresses only (no DNS at submit: the worker resolves and re-checks at download time):
     * localhost names, IPv4/IPv6 literals in loopback, private, link-local, unspecified, multicast, CGNAT or
     * unique-local ranges, and numeric host spellings a resolver would read as an address.
     */
    static boolean isPrivateHost(String host) {
        if (host.equals("localhost") || host.endsWith(".localhost")) {
            return true;
        }
        InetAddress address;
        if (host.startsWith("[") && host.endsWith("]")) {
            try {
                // A literal: InetAddress does no lookup for it.
                address = InetAddress.getByName(host.substring(1, host.length() - 1));
            } catch (UnknownHostException e) {
                return true;
            }
        } else if (IPV4.matcher(host).matches()) {
            byte[] b = new byte[4];
            String[] parts = host.split("\\.");
            for (int i = 0; i < 4; i++) {
                int v = Integer.parseInt(parts[i]);
                if (v > 255) {
                    return true;
                }
                b[i] = (byte) v;
            }
            try {
                address = InetAddress.getByAddress(b);
            } catch (UnknownHostException e) {
                return true;
            }
        } else {
            return NUMERIC_HOST.matcher(host).matches();
        }
        return isPrivate(address);
    }

    static boolean isLoopbackHost(String host) {
        if (host.equals("localhost") || host.endsWith(".localhost")) {
            return true;
        }
        String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (!IPV4.matcher(literal).matches() && !literal.contains(":")) {
            return false;
        }
        try {
            return InetAddress.getByName(literal).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static boolean isPrivate(InetAddress a) {
        if (a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress()
                || a.isMulticastAddress()) {
            return true;
        }
        byte[] b = a.getAddress();
        if (b.length == 4) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first == 0 // "this network"
                    || (first == 100 && second >= 64 && second <= 127) // carrier-grade NAT
                    || (first == 192 && second == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
                    || (first == 198 && (second == 18 || second == 19)) // benchmarking
                    || first >= 240; // reserved, broadcast
        }
        int first = b[0] & 0xff;
        // fc00::/7 unique local (Java's isSiteLocalAddress covers only the deprecated fec0::/10).
        if ((first & 0xfe) == 0xfc) {
            return true;
        }
        // IPv4-compatible/-mapped forms and NAT64 that carry a private IPv4 address.
        boolean zeros = true;
        for (int i = 0; i < 10; i++) {
            zeros &= b[i] == 0;
        }
        if (zeros && ((b[10] == 0 && b[11] == 0) || (b[10] == (byte) 0xff && b[11] == (byte) 0xff))) {
            try {
                return isPrivate(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
            } catch (UnknownHostException e) {
                return true;
            }
        }
        return false;
    }

    private static FieldError reference(String field, String message) {
        return new FieldError(FieldError.INVALID_REFERENCE, field, message);
    }
}
