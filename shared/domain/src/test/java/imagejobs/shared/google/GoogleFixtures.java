package imagejobs.shared.google;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;
import imagejobs.shared.storage.ObjectStore;
import imagejobs.testing.InMemoryObjectStore;

/** Stored outcomes as OutcomeWriter writes them, and an images bucket that records what it was asked. */
final class GoogleFixtures {
    static final String BUCKET = "images-bucket";
    static final String REQUEST_ID = "01JCZ5R9Q8W7X6V5T4S3R2Q1P0";
    static final String IMAGE_KEY = "outputs/tenant-a/" + REQUEST_ID + "/0.png";

    private GoogleFixtures() {
    }

    /** A Gemini 3 answer: a text part and an image part, each with a thought signature, as the worker stores it. */
    static ObjectNode outcome(long imageBytes) {
        return (ObjectNode) Json.parse("""
                {"images": [{"key": "%1$s", "mime_type": "image/png", "width": 1024, "height": 1024, "bytes": %2$d}],
                 "text": "Here is your image",
                 "finish_reason": "STOP",
                 "usage": {"prompt_token_count": 7, "candidates_token_count": 1290, "total_token_count": 1297,
                           "candidates_tokens_details": [{"modality": "IMAGE", "token_count": 1290}]},
                 "model_version": "gemini-3-pro-image-preview",
                 "response_id": "gemini-own-response-id",
                 "attempts": 1,
                 "timings": {"gemini_latency_ms": 900},
                 "next_turn_contents": [
                   {"role": "user", "parts": [{"text": "a fox"}]},
                   {"role": "model", "parts": [
                     {"text": "Here is your image", "thoughtSignature": "c2lnbmF0dXJlLTE="},
                     {"fileData": {"mimeType": "image/png", "fileUri": "s3://%3$s/%1$s"},
                      "thoughtSignature": "c2lnbmF0dXJlLTI="}]},
                   {"role": "user", "parts": [{"text": ""}, {"fileData": {"mimeType": "image/png", "fileUri": ""}}]}]}
                """.formatted(IMAGE_KEY, imageBytes, BUCKET));
    }

    /**
     * The images bucket as the answers read it: {@link OutcomeImages#of} over the one in-memory {@link ObjectStore}
     * fake, recording in {@link #reads} and {@link #presigned} what an answer used.
     */
    static final class Images implements OutcomeImages {
        final InMemoryObjectStore store = new InMemoryObjectStore(BUCKET);
        final List<String> reads = new ArrayList<>();
        final List<String> presigned = new ArrayList<>();
        private final OutcomeImages images = OutcomeImages.of(store, Duration.ofMinutes(15));

        Images with(String key, byte[] bytes) {
            store.put(key, bytes, "image/png", Map.of());
            return this;
        }

        @Override
        public byte[] bytes(String key) {
            reads.add(key);
            return images.bytes(key);
        }

        @Override
        public String presignedUrl(String key) {
            presigned.add(key);
            return images.presignedUrl(key);
        }
    }

    static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }
}
