package imagejobs.shared.worker;

import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.image.ImageHeaders;
import imagejobs.shared.storage.ObjectStore;
import imagejobs.shared.storage.StoredObject;

/**
 * Turns the references in a stored conversation into what Gemini can read: our own tenant's {@code s3://} objects
 * (inputs, earlier outputs) and {@code https://} URLs become inlineData, each part keeping its other fields (the
 * thoughtSignature of an earlier model image above all); Gemini Files API URIs pass through as fileData. A
 * reference that cannot be used fails the job with INVALID_REFERENCE and a message naming it.
 */
public final class ReferenceResolver {
    public static final String FILES_API_PREFIX = "https://generativelanguage.googleapis.com/";
    /** Our own earlier outputs may be 4K images; Gemini's whole inline request is capped at 20 MB. */
    static final long MAX_OWN_OBJECT_BYTES = 20L * 1024 * 1024;
    /** Gemini refuses inline requests above 20 MB; base64 adds a third, so keep the raw bytes well under. */
    static final long MAX_TOTAL_INLINE_BYTES = 14L * 1024 * 1024;
    private static final List<String> TENANT_PREFIXES = List.of("inputs/", "outputs/", "edits/", "edited/");

    private final ObjectStore store;
    private final UrlFetcher fetcher;

    public ReferenceResolver(ObjectStore store, UrlFetcher fetcher) {
        this.store = store;
        this.fetcher = fetcher;
    }

    /**
     * A copy of {@code contents} (normalised, see {@link Conversation}) with every resolvable reference inlined.
     *
     * @param acceptedTypes the model's input MIME types
     */
    public ArrayNode resolve(String tenant, JsonNode contents, Set<String> acceptedTypes) throws ReferenceException {
        ArrayNode resolved = Conversation.normalize(contents);
        Map<String, Inline> seen = new HashMap<>();
        long total = 0;
        for (JsonNode turn : resolved) {
            for (JsonNode part : turn.path("parts")) {
                JsonNode fileData = part.get("fileData");
                if (fileData == null) {
                    continue;
                }
                String uri = fileData.path("fileUri").asText("").trim();
                if (uri.startsWith(FILES_API_PREFIX)) {
                    continue;
                }
                Inline inline = seen.get(uri);
                if (inline == null) {
                    inline = load(tenant, uri);
                    if (!acceptedTypes.contains(inline.mimeType())) {
                        throw new ReferenceException("reference " + Redact.url(uri) + " is " + inline.mimeType()
                                + ", which this model does not accept; accepted: " + String.join(", ",
                                acceptedTypes.stream().sorted().toList()));
                    }
                    seen.put(uri, inline);
                }
                total += inline.bytes().length;
                if (total > MAX_TOTAL_INLINE_BYTES) {
                    throw new ReferenceException("the referenced images add up to more than "
                            + MAX_TOTAL_INLINE_BYTES / (1024 * 1024) + " MB (reached at " + Redact.url(uri)
                            + "); Gemini takes at most 20 MB per request");
                }
                ObjectNode p = (ObjectNode) part;
                p.remove("fileData");
                p.putObject("inlineData")
                        .put("mimeType", inline.mimeType())
                        .put("data", Base64.getEncoder().encodeToString(inline.bytes()));
            }
        }
        return resolved;
    }

    private Inline load(String tenant, String uri) throws ReferenceException {
        if (uri.startsWith("s3://")) {
            return ownObject(tenant, uri);
        }
        if (uri.startsWith("https://") || uri.startsWith("http://")) {
            if (!fetcher.accepts(uri)) {
                throw new ReferenceException("reference " + Redact.url(uri) + " must be an https:// URL");
            }
            UrlFetcher.Fetched fetched = fetcher.fetch(uri);
            return new Inline(imageType(uri, fetched.bytes()), fetched.bytes());
        }
        throw new ReferenceException("unsupported reference " + Redact.url(uri)
                + "; use https:// URLs, s3:// objects of this account, or Gemini Files API URIs");
    }

    private Inline ownObject(String tenant, String uri) throws ReferenceException {
        String rest = uri.substring("s3://".length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String key = slash < 0 ? "" : rest.substring(slash + 1);
        boolean own = bucket.equals(store.bucket())
                && TENANT_PREFIXES.stream().anyMatch(p -> key.startsWith(p + tenant + "/"))
                && !key.contains("/../") && !key.contains("/./") && !key.endsWith("/..");
        if (!own) {
            // Same answer whether the object exists or not: another tenant's keys are not ours to confirm.
            throw new ReferenceException("reference " + uri + " is not an object of this account");
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
        return ImageHeaders.sniff(bytes).orElseThrow(() -> new ReferenceException("reference " + Redact.url(uri)
                + " is not a PNG, JPEG, WebP, HEIC/HEIF or GIF image"));
    }

    private record Inline(String mimeType, byte[] bytes) {
    }
}
