package imagejobs.shared.worker;

import imagejobs.shared.reference.ReferenceUri;

/** Downloads an image reference given by URL. Implementations guard against SSRF and oversized bodies. */
public interface UrlFetcher {

    /** @return the bytes and their real MIME type (from the magic number) */
    Fetched fetch(String url) throws ReferenceException;

    /**
     * Whether this fetcher takes this URL at all: an https:// URL as {@link ReferenceUri} reads it (http:// only where
     * configured).
     */
    default boolean accepts(String url) {
        try {
            ReferenceUri ref = ReferenceUri.parse(url);
            return ref.kind() == ReferenceUri.Kind.WEB && ref.scheme().equals("https");
        } catch (ReferenceUri.Invalid e) {
            return false;
        }
    }

    record Fetched(byte[] bytes, String contentType) {
    }
}
