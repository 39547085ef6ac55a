package imagejobs.shared.storage;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a bucket's objects live: virtual-hosted style ({@code https://{bucket}.s3.{region}.amazonaws.com/{key}}) by
 * default, path style ({@code {endpoint}/{bucket}/{key}}) when asked for (S3_FORCE_PATH_STYLE), when the endpoint is
 * an IP address or localhost (no DNS name to put the bucket in), or when the bucket name cannot be a host label over
 * TLS (dots, upper case, underscores). An endpoint override (AWS_ENDPOINT_URL_S3) replaces the AWS host; a path it
 * carries is kept as a prefix.
 */
final class S3Urls {
    /** Lower-case letters, digits and hyphens, 3 to 63 characters, starting and ending with a letter or digit. */
    private static final Pattern HOST_LABEL_BUCKET = Pattern.compile("[a-z0-9][a-z0-9-]{1,61}[a-z0-9]");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final String scheme;
    private final String host;
    private final int port;
    private final String basePath;
    private final boolean forcePathStyle;

    S3Urls(Optional<URI> endpointOverride, String region, boolean forcePathStyle) {
        URI endpoint = endpointOverride.orElseGet(() -> URI.create("https://s3." + region + "." + dnsSuffix(region)));
        if (endpoint.getScheme() == null || endpoint.getHost() == null) {
            throw new IllegalArgumentException("S3 endpoint must be an absolute http(s) URL, got " + endpoint);
        }
        this.scheme = endpoint.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw new IllegalArgumentException("S3 endpoint must be http or https, got " + endpoint);
        }
        this.host = endpoint.getHost();
        this.port = endpoint.getPort();
        String path = endpoint.getRawPath() == null ? "" : endpoint.getRawPath();
        this.basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        this.forcePathStyle = forcePathStyle || isAddressOrLocalhost(host);
    }

    /** The URL of an object (key encoded as S3 wants it). */
    URI objectUri(String bucket, String key) {
        return URI.create(bucketBase(bucket) + "/" + encodeKey(key));
    }

    /** True when objects of this bucket are addressed {@code {endpoint}/{bucket}/{key}}. */
    boolean pathStyle(String bucket) {
        return forcePathStyle || !HOST_LABEL_BUCKET.matcher(bucket).matches();
    }

    private String bucketBase(String bucket) {
        String authority = port == -1 ? host : host + ":" + port;
        if (pathStyle(bucket)) {
            return scheme + "://" + authority + basePath + "/" + encodeKey(bucket);
        }
        return scheme + "://" + bucket + "." + authority + basePath;
    }

    /**
     * The value of {@code x-amz-copy-source}: {@code bucket/key}, URL-encoded (slashes kept), as the SDK sends it.
     */
    static String copySource(String bucket, String key) {
        return encodeKey(bucket) + "/" + encodeKey(key);
    }

    /**
     * A key as a URI path: every UTF-8 byte percent-encoded except RFC 3986's unreserved characters
     * ({@code A-Z a-z 0-9 - _ . ~}) and {@code /}, which separates segments. So a space is {@code %20}, {@code +}
     * is {@code %2B} and {@code é} is {@code %C3%A9}. The signer is told not to encode again (DOUBLE_URL_ENCODE
     * false) and not to normalize {@code .}/{@code ..} segments, so the path it signs is exactly this one.
     */
    static String encodeKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("an S3 key must not be empty");
        }
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(bytes.length + 16);
        for (byte b : bytes) {
            int c = b & 0xFF;
            if (isUnreserved(c) || c == '/') {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0x0F]);
            }
        }
        return out.toString();
    }

    private static boolean isUnreserved(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '-' || c == '_' || c == '.' || c == '~';
    }

    private static boolean isAddressOrLocalhost(String host) {
        return host.equalsIgnoreCase("localhost") || host.startsWith("[") || IPV4.matcher(host).matches();
    }

    private static String dnsSuffix(String region) {
        return region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
    }
}
