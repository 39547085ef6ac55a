package imagejobs.local.runtime;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;

/** Error payloads shaped like the ones Lambda's Java runtime and service return. */
final class LambdaErrors {
    private LambdaErrors() {
    }

    /** {@code {"errorMessage", "errorType", "stackTrace": [...], "cause": {...}}} as the Java runtime reports an exception. */
    static ObjectNode fromThrowable(Throwable error) {
        return fromThrowable(error, error instanceof HandlerMethod.HandlerException h ? h.errorType()
                : error.getClass().getName(), 0);
    }

    private static ObjectNode fromThrowable(Throwable error, String errorType, int depth) {
        ObjectNode node = Json.object();
        node.put("errorMessage", error.getMessage() == null ? error.getClass().getName() : error.getMessage());
        node.put("errorType", errorType);
        ArrayNode trace = node.putArray("stackTrace");
        for (StackTraceElement element : error.getStackTrace()) {
            trace.add(element.toString());
        }
        Throwable cause = error.getCause();
        if (cause != null && cause != error && depth < 8) {
            node.set("cause", fromThrowable(cause, cause.getClass().getName(), depth + 1));
        }
        return node;
    }

    /** What Lambda returns when the function ran past its timeout. */
    static ObjectNode timeout(String requestId, int timeoutSeconds) {
        ObjectNode node = Json.object();
        node.put("errorType", "Sandbox.Timedout");
        node.put("errorMessage", "RequestId: " + requestId + " Error: Task timed out after "
                + String.format(java.util.Locale.ROOT, "%.2f", (double) timeoutSeconds) + " seconds");
        return node;
    }

    /** What Lambda returns when no more instances may run (reserved concurrency reached). */
    static ObjectNode throttled() {
        ObjectNode node = Json.object();
        node.put("errorType", "TooManyRequestsException");
        node.put("errorMessage", "Rate Exceeded.");
        return node;
    }
}
