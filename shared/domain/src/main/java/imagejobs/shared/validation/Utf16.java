package imagejobs.shared.validation;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Text that enters the service must be valid Unicode: no unpaired UTF-16 surrogate. JSON can carry one as a
 * {@code \ud800} escape, and the JSON parser also turns some invalid UTF-8 byte sequences into one (an encoded
 * surrogate, a code point beyond U+10FFFF); stored as it is, such a string makes the table unreadable for strict
 * clients (the AWS CLI cannot scan it) and Gemini refuses it. Every check is one linear pass over the text.
 *
 * <p>{@link #checkTree} is what the request validator runs first on every submitted body (both forms and the body
 * the edit trigger builds from S3 metadata): one walk covers every string value and every object key. Anything else
 * that stores client text calls {@link #check}. {@link #prefix} makes any client text safe to echo in a message.
 */
public final class Utf16 {
    /** Longest piece of a client's key or value an error message repeats. */
    static final int ECHO_CHARS = 40;
    /** Longest field path an error names; deeper paths keep their start and their end. */
    static final int MAX_PATH_CHARS = 200;

    private Utf16() {
    }

    /** The index of the first unpaired surrogate, or -1 when the text is valid UTF-16. */
    public static int firstUnpaired(CharSequence text) {
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < Character.MIN_SURROGATE || c > Character.MAX_SURROGATE) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++; // a proper pair
                continue;
            }
            return i;
        }
        return -1;
    }

    /**
     * 400 INVALID_FIELD naming {@code field} when {@code value} holds an unpaired surrogate. For text that is stored
     * outside the validated request body, e.g. S3 object metadata: {@code Utf16.check(prompt, "x-amz-meta-prompt")}.
     */
    public static void check(String value, String field) {
        int at = value == null ? -1 : firstUnpaired(value);
        if (at >= 0) {
            throw FieldError.invalid(field, field + " is not valid Unicode text: " + problem(value, at));
        }
    }

    /**
     * Checks every object key and string value of a parsed JSON body; the error names the path of the first bad one
     * as the caller wrote it ({@code payload.prompt}, {@code contents[0].parts[0].text}).
     */
    public static void checkTree(JsonNode root) {
        walk(root, new ArrayList<>());
    }

    /** {@code path}: the keys (String) and array indexes (Integer) that lead to {@code node}. */
    private static void walk(JsonNode node, List<Object> path) {
        if (node.isTextual()) {
            String text = node.textValue();
            int at = firstUnpaired(text);
            if (at >= 0) {
                String field = path.isEmpty() ? null : path(path);
                throw FieldError.invalid(field, (field == null ? "the body" : field) + " is not valid Unicode text: "
                        + problem(text, at));
            }
        } else if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String key = e.getKey();
                int at = firstUnpaired(key);
                path.add(key);
                if (at >= 0) {
                    String field = path(path);
                    path.remove(path.size() - 1);
                    String where = path.isEmpty() ? "the body" : path(path);
                    throw FieldError.invalid(field, "a field name in " + where + ", '" + prefix(key, ECHO_CHARS)
                            + "', is not valid Unicode text: " + problem(key, at));
                }
                walk(e.getValue(), path);
                path.remove(path.size() - 1);
            }
        } else if (node.isArray()) {
            int i = 0;
            for (JsonNode item : node) {
                path.add(i++);
                walk(item, path);
                path.remove(path.size() - 1);
            }
        }
    }

    private static String problem(String text, int at) {
        return "it holds an unpaired UTF-16 surrogate (\\u" + Integer.toHexString(text.charAt(at))
                + ") at character " + (at + 1) + "; send text as UTF-8, with \\u escapes only in high-low pairs";
    }

    /** {@code payload.contents[0].parts[1].text}: keys joined with dots, array indexes appended; bounded. */
    private static String path(List<Object> segments) {
        StringBuilder out = new StringBuilder();
        for (Object s : segments) {
            if (s instanceof Integer index) {
                out.append('[').append(index).append(']');
            } else {
                out.append(out.length() > 0 ? "." : "").append(prefix((String) s, ECHO_CHARS));
            }
        }
        return shortenPath(out.toString());
    }

    /** A path longer than {@link #MAX_PATH_CHARS} keeps its start and its end, which name the place. */
    static String shortenPath(String path) {
        if (path.length() <= MAX_PATH_CHARS) {
            return path;
        }
        int head = MAX_PATH_CHARS / 3;
        return head(path, head) + "…" + tail(path, MAX_PATH_CHARS - head - 1);
    }

    /**
     * Client text made safe to repeat in a message: at most {@code max} characters (and "…" when cut), never half a
     * surrogate pair, unpaired surrogates shown as U+FFFD.
     */
    public static String prefix(String text, int max) {
        return text.length() <= max ? clean(text) : head(text, max) + "…";
    }

    private static String head(String text, int max) {
        int end = Math.min(max, text.length());
        if (end < text.length() && end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return clean(text.substring(0, end));
    }

    private static String tail(String text, int max) {
        int start = Math.max(0, text.length() - max);
        if (start > 0 && start < text.length() && Character.isLowSurrogate(text.charAt(start))) {
            start++;
        }
        return clean(text.substring(start));
    }

    private static String clean(String text) {
        return firstUnpaired(text) < 0 ? text : replaceUnpaired(text);
    }

    private static String replaceUnpaired(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else {
                out.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return out.toString();
    }
}
