package imagejobs.shared.google;

import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A {@code batchGenerateContent} body, read: its display name and each inlined request.
 *
 * @param displayName null when none was given
 */
public record BatchRequest(String displayName, List<Item> items) {

    public BatchRequest {
        items = List.copyOf(items);
    }

    /**
     * One inlined request.
     *
     * @param request     the {@code GenerateContentRequest} body without its {@code model} (the batch's model is
     *                    the path's), ready for the same validation as {@code :generateContent}
     * @param metadata    the request's {@code metadata}, echoed back with its result (empty when none)
     * @param fieldPrefix where the request sits in the body, for error field paths:
     *                    {@code batch.inputConfig.requests.requests[3].request}
     */
    public record Item(int index, ObjectNode request, ObjectNode metadata, String fieldPrefix) {
    }
}
