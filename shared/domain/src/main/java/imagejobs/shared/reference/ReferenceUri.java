package imagejobs.shared.reference;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An image reference (a {@code fileData.fileUri}, a simple-form image URL) read by the one set of rules that submit
 * validation and the worker both apply, so what the worker acts on is what submit accepted:
 * <ul>
 * <li>{@link Kind#WEB}: an {@code https://} (or, where configured, {@code http://}) URL, downloaded by the worker;</li>
 * <li>{@link Kind#S3}: an {@code s3://bucket/key} object (whose it is, is {@link #isObjectOf}'s question);</li>
 * <li>{@link Kind#FILES_API}: a Gemini Files API URI, passed to Gemini as it is.</li>
 * </ul>
 * {@link #toString()} is the canonical spelling, the one stored with the job: scheme and host lower case, a
 * host's trailing dot and a default port dropped, an empty path written {@code /}, no fragment (never sent to a
 * server). The path and query keep their bytes; S3 keys are taken literally, as the AWS CLI writes them (no
 * percent-decoding, spaces allowed). Parsing the canonical form gives it back unchanged.
 *
 * <p>Written here rather than taken from java.net.URI because that class leaves the host empty for names such as
 * {@code my_bucket.s3.amazonaws.com} and accepts hosts and ports that a resolver reads otherwise ({@code 127.1},
 * {@code 0x7f.1}); and one parser used on both sides is what keeps the two from drifting apart again.
 */
public final class ReferenceUri {
    /** Gemini's Files API host; a URL there is a Files API URI or nothing. */
    public static final String FILES_API_HOST = "generativelanguage.googleapis.com";
    public static final String FILES_API_PREFIX = "https://" + FILES_API_HOST + "/";
    /** Tenant-owned prefixes of the images bucket: {@code <prefix><tenant>/…} may be referenced by that tenant. */
    public static final List<String> TENANT_PREFIXES = List.of("inputs/", "outputs/", "edits/", "edited/");
    public static final int MAX_LENGTH = 2048;

    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*");
    /** The Files API resource path: {@code /v1beta/files/<id>}; Google's ids are short, lower-case and dashed. */
    private static final Pattern FILES_API_PATH = Pattern.compile("/v1[a-z0-9]*/files/[A-Za-z0-9_.-]+");
    private static final Pattern LABEL = Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?");
    private static final Pattern NUMERIC_LABEL = Pattern.compile("[0-9]+|0x[0-9a-f]*");
    private static final Pattern DOTTED_QUAD = Pattern.compile("(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}");

    /** What the worker does with a reference. */
    public enum Kind { WEB, S3, FILES_API }

    /** Why a text is no usable reference: a phrase to put after the reference in a message. */
    public static final class Invalid extends Exception {
        public Invalid(String reason) {
            super(reason, null, false, false);
        }
    }

    private final Kind kind;
    private final String scheme;
    /** WEB and FILES_API: lower case, no trailing dot, IPv6 in brackets. S3: the bucket, as written. */
    private final String host;
    /** WEB and FILES_API: the explicit non-default port, or -1. */
    private final int port;
    /** WEB and FILES_API: path and query, starting with '/'. S3: the key. */
    private final String rest;

    private ReferenceUri(Kind kind, String scheme, String host, int port, String rest) {
        this.kind = kind;
        this.scheme = scheme;
        this.host = host;
        this.port = port;
        this.rest = rest;
    }

    /** Reads {@code text} by the rules above; the exception's message says what is wrong with it. */
    public static ReferenceUri parse(String text) throws Invalid {
        if (text == null || text.isEmpty()) {
            throw new Invalid("is empty");
        }
        if (text.length() > MAX_LENGTH) {
            throw new Invalid("is " + text.length() + " characters long; the limit is " + MAX_LENGTH);
        }
        int colon = text.indexOf(':');
        String scheme = colon > 0 && SCHEME.matcher(text.substring(0, colon)).matches()
                ? text.substring(0, colon).toLowerCase(Locale.ROOT) : "";
        // S3 keys may hold spaces ("s3://bucket/edits/t/my cat.png", as the AWS CLI writes them); URLs may not.
        boolean s3 = scheme.equals("s3");
        if (!text.equals(text.strip()) || text.chars().anyMatch(c -> c < 0x20 || c == 0x7f || (c == ' ' && !s3))) {
            throw new Invalid("contains spaces or control characters");
        }
        return switch (scheme) {
            case "s3" -> s3(text, colon);
            case "https", "http" -> web(scheme, text, colon);
            case "gs" -> throw new Invalid("is a Cloud Storage URI, which this service cannot read; use"
                    + " https://storage.googleapis.com/<bucket>/<object> for a public object, or send the image inline");
            case "data" -> throw new Invalid("is a data: URL; send inline images as inlineData {mimeType, data}");
            default -> throw new Invalid("is not a supported reference; " + ALLOWED);
        };
    }

    /** What a reference may be, for messages. */
    public static final String ALLOWED = "use an https:// URL, an s3:// object of your own under this service's"
            + " bucket, or a Gemini Files API URI (" + FILES_API_PREFIX + "v1beta/files/<id>)";

    private static ReferenceUri s3(String text, int colon) throws Invalid {
        if (!text.startsWith("//", colon + 1)) {
            throw new Invalid("is not an s3://bucket/key URI");
        }
        String path = text.substring(colon + 3);
        int slash = path.indexOf('/');
        String bucket = slash < 0 ? path : path.substring(0, slash);
        String key = slash < 0 ? "" : path.substring(slash + 1);
        if (bucket.isEmpty()) {
            throw new Invalid("names no bucket");
        }
        return new ReferenceUri(Kind.S3, "s3", bucket, -1, key);
    }

    private static ReferenceUri web(String scheme, String text, int colon) throws Invalid {
        if (!text.startsWith("//", colon + 1)) {
            throw new Invalid("is not an absolute URL (" + scheme + "://host/path)");
        }
        if (text.indexOf('\\') >= 0) {
            // Browsers and some HTTP libraries read '\' as '/', others as a character: two readings of one URL.
            throw new Invalid("contains a backslash");
        }
        int start = colon + 3;
        int end = start;
        while (end < text.length() && "/?#".indexOf(text.charAt(end)) < 0) {
            end++;
        }
        String authority = text.substring(start, end);
        if (authority.indexOf('@') >= 0) {
            throw new Invalid("must not carry credentials (user:password@)");
        }
        String hostPart;
        String portPart = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new Invalid("has an unterminated [IPv6] host");
            }
            hostPart = authority.substring(0, close + 1);
            String after = authority.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw new Invalid("has characters after its [IPv6] host");
                }
                portPart = after.substring(1);
            }
        } else {
            int portColon = authority.indexOf(':');
            hostPart = portColon < 0 ? authority : authority.substring(0, portColon);
            portPart = portColon < 0 ? null : authority.substring(portColon + 1);
        }
        String host = host(hostPart);
        int port = port(portPart, scheme);
        String pathAndQuery = text.substring(end);
        int hash = pathAndQuery.indexOf('#');
        String fragment = hash < 0 ? "" : pathAndQuery.substring(hash + 1);
        if (hash >= 0) {
            pathAndQuery = pathAndQuery.substring(0, hash);
        }
        checkUrlCharacters(pathAndQuery);
        checkUrlCharacters(fragment);
        if (pathAndQuery.isEmpty() || pathAndQuery.startsWith("?")) {
            pathAndQuery = "/" + pathAndQuery;
        }
        if (host.equals(FILES_API_HOST)) {
            return filesApi(scheme, port, pathAndQuery);
        }
        return new ReferenceUri(Kind.WEB, scheme, host, port, pathAndQuery);
    }

    private static ReferenceUri filesApi(String scheme, int port, String pathAndQuery) throws Invalid {
        String id = pathAndQuery.substring(pathAndQuery.lastIndexOf('/') + 1);
        if (!scheme.equals("https") || port != -1 || !FILES_API_PATH.matcher(pathAndQuery).matches()
                || id.chars().allMatch(c -> c == '.')) {
            throw new Invalid("is on Gemini's API host but is not a Gemini Files API URI (" + FILES_API_PREFIX
                    + "v1beta/files/<id>)");
        }
        return new ReferenceUri(Kind.FILES_API, scheme, FILES_API_HOST, -1, pathAndQuery);
    }

    /** The host, lower case, without a trailing dot: a DNS name, a dotted-quad IPv4 address or an [IPv6] literal. */
    private static String host(String raw) throws Invalid {
        if (raw.isEmpty()) {
            throw new Invalid("has no host name");
        }
        if (raw.startsWith("[")) {
            String literal = raw.substring(1, raw.length() - 1);
            if (literal.isEmpty() || !literal.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0)
                    || literal.indexOf(':') < 0) {
                throw new Invalid("has an invalid IPv6 address " + shorten(raw));
            }
            try {
                InetAddress.getByName(literal); // a literal of hex digits and colons: parsed, never looked up
            } catch (UnknownHostException e) {
                throw new Invalid("has an invalid IPv6 address " + shorten(raw));
            }
            return "[" + literal.toLowerCase(Locale.ROOT) + "]";
        }
        if (raw.indexOf('%') >= 0) {
            throw new Invalid("has a percent-encoded host name; write the host name plainly");
        }
        if (!raw.chars().allMatch(c -> c < 0x80)) {
            throw new Invalid("has a host name with non-ASCII characters; write it in its xn-- (punycode) form");
        }
        String host = raw.toLowerCase(Locale.ROOT);
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        if (host.isEmpty() || host.length() > 253) {
            throw new Invalid("has an invalid host name " + shorten(raw));
        }
        String[] labels = host.split("\\.", -1);
        for (String label : labels) {
            if (!LABEL.matcher(label).matches()) {
                throw new Invalid("has an invalid host name " + shorten(raw));
            }
        }
        // A name whose last label is a number is an address to a resolver (127.1, 2130706433, 0x7f.1, 010.0.0.1),
        // spelled in ways that differ between resolvers: only the plain dotted quad is taken.
        if (NUMERIC_LABEL.matcher(labels[labels.length - 1]).matches()) {
            boolean quad = DOTTED_QUAD.matcher(host).matches();
            if (quad) {
                for (String label : labels) {
                    quad &= Integer.parseInt(label) <= 255;
                }
            }
            if (!quad) {
                throw new Invalid("has a numeric host " + shorten(raw) + " that is not an IPv4 address a.b.c.d");
            }
        }
        return host;
    }

    private static int port(String raw, String scheme) throws Invalid {
        if (raw == null) {
            return -1;
        }
        if (raw.isEmpty() || raw.length() > 5 || !raw.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new Invalid("has an invalid port " + shorten(raw));
        }
        int port = Integer.parseInt(raw);
        if (port < 1 || port > 65535) {
            throw new Invalid("has an invalid port " + shorten(raw));
        }
        return port == defaultPort(scheme) ? -1 : port;
    }

    private static int defaultPort(String scheme) {
        return scheme.equals("https") ? 443 : 80;
    }

    /** RFC 3986 path, query and fragment characters; '%' only as the start of an escape. */
    private static void checkUrlCharacters(String s) throws Invalid {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length() || Character.digit(s.charAt(i + 1), 16) < 0
                        || Character.digit(s.charAt(i + 2), 16) < 0) {
                    throw new Invalid("has a '%' that does not start an escape (%XX)");
                }
            } else if (!(c < 0x80 && (Character.isLetterOrDigit(c) || "-._~!$&'()*+,;=:@/?".indexOf(c) >= 0))) {
                throw new Invalid("contains the character '" + c + "', which a URL must percent-encode");
            }
        }
    }

    private static String shorten(String s) {
        return "'" + (s.length() > 60 ? s.substring(0, 57) + "..." : s) + "'";
    }

    public Kind kind() {
        return kind;
    }

    /** {@code https}, {@code http} or {@code s3}. */
    public String scheme() {
        return scheme;
    }

    /** WEB and FILES_API: the host as it goes into a Host header (IPv6 in brackets). */
    public String host() {
        return host;
    }

    /** WEB and FILES_API: the host to resolve or connect to (IPv6 without brackets). */
    public String bareHost() {
        return host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    }

    /** Whether the host is an IPv4 or IPv6 address rather than a name. */
    public boolean isAddressLiteral() {
        return host.startsWith("[") || DOTTED_QUAD.matcher(host).matches();
    }

    /** WEB and FILES_API: the port to connect to. */
    public int port() {
        return port > 0 ? port : defaultPort(scheme);
    }

    /** WEB and FILES_API: whether the URL names a port other than the scheme's default. */
    public boolean hasExplicitPort() {
        return port > 0;
    }

    /** WEB and FILES_API: the request target, path and query ({@code /a/b.png?x=1}). */
    public String requestTarget() {
        return rest;
    }

    /** S3: the bucket. */
    public String bucket() {
        return host;
    }

    /** S3: the object key. */
    public String key() {
        return rest;
    }

    /**
     * Whether this is an object of {@code bucket} that {@code tenant} owns: under one of the {@link #TENANT_PREFIXES}
     * followed by the tenant and a name, with no empty, {@code .} or {@code ..} segment (which HTTP paths would
     * collapse into another key).
     */
    public boolean isObjectOf(String bucket, String tenant) {
        if (kind != Kind.S3 || !host.equals(bucket) || tenant == null || tenant.isEmpty()) {
            return false;
        }
        String own = null;
        for (String prefix : TENANT_PREFIXES) {
            if (rest.startsWith(prefix + tenant + "/")) {
                own = prefix + tenant + "/";
            }
        }
        if (own == null || rest.length() <= own.length()) {
            return false;
        }
        for (String segment : rest.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }

    /** The {@code s3://} prefixes {@code tenant} may reference, for messages. */
    public static String ownPrefixes(String bucket, String tenant) {
        List<String> out = new ArrayList<>();
        for (String p : TENANT_PREFIXES) {
            out.add("s3://" + bucket + "/" + p + tenant + "/…");
        }
        return String.join(", ", out);
    }

    /** The canonical spelling (see the class comment). */
    @Override
    public String toString() {
        if (kind == Kind.S3) {
            return "s3://" + host + "/" + rest;
        }
        return scheme + "://" + host + (port > 0 ? ":" + port : "") + rest;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReferenceUri other && other.toString().equals(toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }
}
