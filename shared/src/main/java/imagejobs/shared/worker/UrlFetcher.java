package imagejobs.shared.worker;

/** Downloads an https:// image reference. Implementations guard against SSRF and oversized bodies. */
public interface UrlFetcher {

    Fetched fetch(String url) throws ReferenceException;

    record Fetched(byte[] bytes, String contentType) {
    }
}
