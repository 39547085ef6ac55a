package imagejobs.shared.worker;

import java.util.Base64;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.image.ImageHeaders;
import imagejobs.shared.storage.ObjectStore;
import imagejobs.shared.storage.StoredObject;

/**
 * Turns the references in a stored request into what Gemini can read: our own tenant's {@code s3://} objects and
 * {@code https://} URLs become inlineData (thoughtSignatures stay on their parts); Gemini Files API URIs pass
 * through as fileData.
 */
public final class ReferenceResolver {
    public static final String FILES_API_PREFIX = "https://generativelanguage.googleapis.com/";
    /** Our own earlier outputs may be 4K images; Gemini's whole inline request is capped at 20 MB. */
    static final long MAX_OWN_OBJECT_BYTES = 20L * 1024 * 1024;
    private static final List<String> TENANT_PREFIXES = List.of("inputs/", "outputs/", "edits/", "edited/");

    private final ObjectStore store;
    private final UrlFetcher fetcher;

    public ReferenceResolver(ObjectStore store, UrlFetcher fetcher) {
        this.store = store;
        this.fetcher = fetcher;
    }

    /** A copy of {@code contents} with every resolvable reference inlined. */
    public ArrayNode resolve(String tenant, JsonNode contents) throws ReferenceException {
        ArrayNode resolved = contents.deepCopy();
        for (JsonNode turn : resolved) {
            for (JsonNode part : turn.path("parts")) {
                JsonNode fileData = part.get("fileData");
                if (fileData == null) {
                    continue;
                }
                String uri = fileData.path("fileUri").asText();
                String declaredMime = fileData.path("mimeType").asText(null);
                if (uri.startsWith(FILES_API_PREFIX)) {
                    continue;
                }
                Inline inline;
                if (uri.startsWith("s3://")) {
                    inline = ownObject(tenant, uri);
                } else if (uri.startsWith("https://")) {
                    UrlFetcher.Fetched fetched = fetcher.fetch(uri);
                    inline = new Inline(imageType(uri, fetched.bytes()), fetched.bytes());
                } else {
                    throw new ReferenceException("unsupported reference " + uri);
                }
                ObjectNode p = (ObjectNode) part;
                p.remove("fileData");
                p.putObject("inlineData")
                        .put("mimeType", inline.mimeType() != null ? inline.mimeType() : declaredMime)
                        .put("data", Base64.getEncoder().encodeToString(inline.bytes()));
            }
        }
        return resolved;
    }

    private Inline ownObject(String tenant, String uri) throws ReferenceException {
        String rest = uri.substring("s3://".length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String key = slash < 0 ? "" : rest.substring(slash + 1);
        boolean own = bucket.equals(store.bucket())
                && TENANT_PREFIXES.stream().anyMatch(p -> key.startsWith(p + tenant + "/"))
                && !key.contains("/../") && !key.contains("/./");
        if (!own) {
            throw new ReferenceException("reference " + uri + " is not an object of this tenant");
        }
        Optional<StoredObject> object;
        try {
            object = store.get(key, MAX_OWN_OBJECT_BYTES);
        } catch (ObjectStore.TooLargeException e) {
            throw new ReferenceException("reference " + uri + " is " + e.size() + " bytes; the limit is "
                    + MAX_OWN_OBJECT_BYTES);
        }
        if (object.isEmpty()) {
            throw new ReferenceException("reference " + uri + " does not exist (expired or deleted)");
        }
        return new Inline(imageType(uri, object.get().bytes()), object.get().bytes());
    }

    private static String imageType(String uri, byte[] bytes) throws ReferenceException {
        return ImageHeaders.sniff(bytes).orElseThrow(() ->
                new ReferenceException("reference " + uri + " is not a PNG, JPEG, WebP, HEIC/HEIF or GIF image"));
    }

    private record Inline(String mimeType, byte[] bytes) {
    }
}
