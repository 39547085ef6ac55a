package imagejobs.shared.worker;

import java.util.Locale;

/** Downloads an image reference given by URL. Implementations guard against SSRF and oversized bodies. */
public interface UrlFetcher {

    /** @return the bytes and their real MIME type (from the magic number) */
    Fetched fetch(String url) throws ReferenceException;

    /** Whether this fetcher takes URLs of this scheme at all (https://; http:// only where configured). */
    default boolean accepts(String url) {
        return url.toLowerCase(Locale.ROOT).startsWith("https://");
    }

    record Fetched(byte[] bytes, String contentType) {
    }
}
