package imagejobs.shared.worker;

import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.image.ImageHeaders;
import imagejobs.shared.reference.ReferenceUri;
import imagejobs.shared.storage.ObjectStore;
import imagejobs.shared.storage.StoredObject;

/**
 * Turns the references in a stored conversation into what Gemini can read: our own tenant's {@code s3://} objects
 * (inputs, earlier outputs) and {@code https://} URLs become inlineData, each part keeping its other fields (the
 * thoughtSignature of an earlier model image above all); Gemini Files API URIs pass through as fileData. Every
 * reference is read by {@link ReferenceUri}, the parser submit validated it with, so a reference submit accepted is
 * taken here as the same kind, with the same host, bucket and key. A reference that cannot be used fails the job
 * with INVALID_REFERENCE and a message naming it.
 */
public final class ReferenceResolver {
    public static final String FILES_API_PREFIX = ReferenceUri.FILES_API_PREFIX;
    /** Our own earlier outputs may be 4K images; Gemini's whole inline request is capped at 20 MB. */
    static final long MAX_OWN_OBJECT_BYTES = 20L * 1024 * 1024;
    /** Gemini refuses inline requests above 20 MB; base64 adds a third, so keep the raw bytes well under. */
    static final long MAX_TOTAL_INLINE_BYTES = 14L * 1024 * 1024;

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
        Map<ReferenceUri, Inline> seen = new HashMap<>();
        long total = 0;
        for (JsonNode turn : resolved) {
            for (JsonNode part : turn.path("parts")) {
                JsonNode fileData = part.get("fileData");
                if (fileData == null) {
                    continue;
                }
                ReferenceUri ref = parse(fileData.path("fileUri").asText(""));
                if (ref.kind() == ReferenceUri.Kind.FILES_API) {
                    // Gemini gets the canonical spelling submit checked (jobs stored before it was canonical too).
                    ((ObjectNode) fileData).put("fileUri", ref.toString());
                    continue;
                }
                Inline inline = seen.get(ref);
                if (inline == null) {
                    inline = load(tenant, ref);
                    if (!acceptedTypes.contains(inline.mimeType())) {
                        throw new ReferenceException("reference " + shown(ref) + " is " + inline.mimeType()
                                + ", which this model does not accept; accepted: " + String.join(", ",
                                acceptedTypes.stream().sorted().toList()));
                    }
                    seen.put(ref, inline);
                }
                total += inline.bytes().length;
                if (total > MAX_TOTAL_INLINE_BYTES) {
                    throw new ReferenceException("the referenced images add up to more than "
                            + MAX_TOTAL_INLINE_BYTES / (1024 * 1024) + " MB (reached at " + shown(ref)
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

    /** The worker's reading of a stored reference: {@link ReferenceUri}'s, with its reason when it has none. */
    static ReferenceUri parse(String uri) throws ReferenceException {
        try {
            return ReferenceUri.parse(uri);
        } catch (ReferenceUri.Invalid e) {
            throw new ReferenceException("reference " + (uri.isBlank() ? "''" : Redact.url(uri)) + " "
                    + e.getMessage());
        }
    }

    private Inline load(String tenant, ReferenceUri ref) throws ReferenceException {
        if (ref.kind() == ReferenceUri.Kind.S3) {
            return ownObject(tenant, ref);
        }
        if (!fetcher.accepts(ref.toString())) {
            throw new ReferenceException("reference " + shown(ref) + " must be an https:// URL");
        }
        UrlFetcher.Fetched fetched = fetcher.fetch(ref.toString());
        return new Inline(imageType(ref, fetched.bytes()), fetched.bytes());
    }

    private Inline ownObject(String tenant, ReferenceUri ref) throws ReferenceException {
        if (!ref.isObjectOf(store.bucket(), tenant)) {
            // Same answer whether the object exists or not: another tenant's keys are not ours to confirm.
            throw new ReferenceException("reference " + shown(ref) + " is not an object of this account");
        }
        Optional<StoredObject> object;
        try {
            object = store.get(ref.key(), MAX_OWN_OBJECT_BYTES);
        } catch (ObjectStore.TooLargeException e) {
            throw new ReferenceException("reference " + shown(ref) + " is " + e.size() + " bytes; the limit is "
                    + MAX_OWN_OBJECT_BYTES);
        }
        if (object.isEmpty()) {
            throw new ReferenceException("reference " + shown(ref) + " does not exist (expired or deleted)");
        }
        return new Inline(imageType(ref, object.get().bytes()), object.get().bytes());
    }

    /** How messages show a reference: canonical, without a URL's query, at most a few hundred characters. */
    private static String shown(ReferenceUri ref) {
        return ref.kind() == ReferenceUri.Kind.S3 ? Redact.text(ref.toString()) : Redact.url(ref.toString());
    }

    private static String imageType(ReferenceUri ref, byte[] bytes) throws ReferenceException {
        return ImageHeaders.sniff(bytes).orElseThrow(() -> new ReferenceException("reference " + shown(ref)
                + " is not a PNG, JPEG, WebP, HEIC/HEIF or GIF image"));
    }

    private record Inline(String mimeType, byte[] bytes) {
    }
}
