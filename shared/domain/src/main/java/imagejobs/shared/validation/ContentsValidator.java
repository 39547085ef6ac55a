package imagejobs.shared.validation;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;

/**
 * {@code contents} and {@code systemInstruction} into their canonical form. Rules: at least one turn; roles
 * {@code user} and {@code model} only (absent means user, as Gemini reads a single-turn request); the last turn is
 * the user's; empty {@code text} parts and {@code fileData} parts with an empty {@code fileUri} are dropped (the
 * multi-turn template of {@code next_turn_contents}) and a turn left empty is an error; a part carries exactly one
 * of text / inlineData / fileData, plus optionally {@code thought} and {@code thoughtSignature}.
 */
final class ContentsValidator {
    static final List<String> CONTENT_FIELDS = List.of("role", "parts");
    static final List<String> PART_FIELDS = List.of("text", "inlineData", "fileData", "thought", "thoughtSignature");
    static final List<String> PART_DATA = List.of("text", "inlineData", "fileData");
    static final List<String> BLOB_FIELDS = List.of("mimeType", "data");
    static final List<String> FILE_DATA_FIELDS = List.of("mimeType", "fileUri");

    private ContentsValidator() {
    }

    static ArrayNode contents(JsonNode node, String field, RequestContext ctx) {
        ArrayNode out = Json.array();
        if (node != null && node.isTextual()) {
            // The SDKs' shorthand (contents='a prompt'): one user turn with one text part.
            String text = node.asText();
            if (text.isBlank()) {
                throw FieldError.missing(field, field + " is blank; send the prompt text");
            }
            ctx.text(text);
            ObjectNode turn = out.addObject().put("role", "user");
            turn.putArray("parts").addObject().put("text", text);
            return out;
        }
        if (node == null) {
            throw FieldError.missing(field, field + " is required: an array of turns {role, parts}");
        }
        if (!node.isArray()) {
            throw FieldError.invalid(field, field + " must be an array of turns {role, parts}, got " + Values.kind(node));
        }
        if (node.isEmpty()) {
            throw FieldError.missing(field, field + " is empty; it must hold at least one user turn");
        }
        int i = 0;
        for (JsonNode turn : node) {
            out.add(turn(turn, field + "[" + i++ + "]", ctx));
        }
        ObjectNode last = (ObjectNode) out.get(out.size() - 1);
        if (!"user".equals(last.path("role").asText())) {
            throw new FieldError(FieldError.LAST_TURN_NOT_USER, field + "[" + (out.size() - 1) + "].role",
                    "the last turn of " + field + " is the model's; end with a user turn holding the next instruction");
        }
        return out;
    }

    private static ObjectNode turn(JsonNode node, String field, RequestContext ctx) {
        FieldReader turn = FieldReader.read(node, field, "a turn", CONTENT_FIELDS);
        String role = "user";
        if (turn.has("role")) {
            String given = Values.string(turn.get("role"), turn.path("role"));
            role = given.trim().toLowerCase(Locale.ROOT);
            if (role.isEmpty()) {
                role = "user";
            } else if (!role.equals("user") && !role.equals("model")) {
                throw new FieldError(FieldError.INVALID_ROLE, turn.path("role"), "role " + Values.quote(given)
                        + " is not allowed; allowed: user, model" + (role.equals("system")
                        ? " (send system instructions in systemInstruction)" : ""));
            }
        }
        JsonNode parts = turn.get("parts");
        String partsField = turn.path("parts");
        if (parts == null) {
            throw FieldError.missing(partsField, partsField + " is required: the turn's text and images");
        }
        if (!parts.isArray()) {
            throw FieldError.invalid(partsField, partsField + " must be an array of parts, got " + Values.kind(parts));
        }
        if (parts.isEmpty()) {
            throw new FieldError(FieldError.EMPTY_TURN, partsField, partsField + " is empty; a turn needs at least one"
                    + " part");
        }
        ObjectNode out = Json.object().put("role", role);
        ArrayNode outParts = out.putArray("parts");
        int j = 0;
        for (JsonNode part : parts) {
            ObjectNode canonical = part(part, partsField + "[" + j++ + "]", role, ctx);
            if (canonical != null) {
                outParts.add(canonical);
            }
        }
        if (outParts.isEmpty()) {
            throw new FieldError(FieldError.EMPTY_TURN, partsField, field + " has nothing left once its empty text"
                    + " and empty fileUri parts are dropped; put the instruction in a text part");
        }
        return out;
    }

    /** The canonical part, or null for an empty template part that is dropped. */
    private static ObjectNode part(JsonNode node, String field, String role, RequestContext ctx) {
        FieldReader part = FieldReader.read(node, field, "a part", PART_FIELDS);
        List<String> data = new ArrayList<>();
        for (String member : PART_DATA) {
            if (part.has(member)) {
                data.add(member);
            }
        }
        String signature = null;
        if (part.has("thoughtSignature")) {
            signature = Values.string(part.get("thoughtSignature"), part.path("thoughtSignature"));
            if (InlineImages.decode(signature) == null) {
                throw new FieldError(FieldError.INVALID_BASE64, part.path("thoughtSignature"),
                        part.path("thoughtSignature") + " is not valid base64; send the signature exactly as Gemini"
                                + " returned it");
            }
        }
        Boolean thought = part.has("thought") ? Values.bool(part.get("thought"), part.path("thought")) : null;
        if (data.size() > 1) {
            throw new FieldError(FieldError.INVALID_PART, field, field + " carries both " + data.get(0) + " and "
                    + data.get(1) + "; a part holds exactly one of text, inlineData, fileData: split it into parts");
        }
        boolean keep = signature != null && !signature.isEmpty();
        ObjectNode out = Json.object();
        if (data.isEmpty()) {
            throw new FieldError(FieldError.INVALID_PART, field, field + " has no content; a part holds exactly"
                    + " one of text, inlineData, fileData");
        } else if (data.get(0).equals("text")) {
            String text = Values.string(part.get("text"), part.path("text"));
            // An empty text that carries a signature is the model's state (Gemini 3 returns such parts): keep it.
            if (text.isBlank() && !keep) {
                return null;
            }
            ctx.text(text);
            out.put("text", text);
        } else if (data.get(0).equals("inlineData")) {
            out.set("inlineData", inlineData(part.get("inlineData"), part.path("inlineData"), ctx));
            image(field, role, keep, ctx);
        } else {
            ObjectNode fileData = fileData(part.get("fileData"), part.path("fileData"), ctx);
            if (fileData == null) {
                return null;
            }
            out.set("fileData", fileData);
            image(field, role, keep, ctx);
        }
        if (thought != null) {
            out.put("thought", thought);
        }
        if (signature != null) {
            out.put("thoughtSignature", signature);
        }
        return out;
    }

    private static void image(String field, String role, boolean signed, RequestContext ctx) {
        if (role.equals("user")) {
            ctx.referenceImage(field);
        } else if (ctx.model.thoughtSignatures() && !signed) {
            // Gemini 3 image models reject an earlier model image without its signature; say so now, not after queueing.
            throw new FieldError(FieldError.MISSING_THOUGHT_SIGNATURE, field + ".thoughtSignature", field
                    + " is an image of the model's turn without its thoughtSignature; " + ctx.model.id()
                    + " needs it to edit that image: send the part exactly as next_turn_contents returned it");
        }
    }

    private static ObjectNode inlineData(JsonNode node, String field, RequestContext ctx) {
        FieldReader blob = FieldReader.read(node, field, "inlineData", BLOB_FIELDS);
        if (!blob.has("mimeType")) {
            throw FieldError.missing(blob.path("mimeType"), blob.path("mimeType") + " is required; accepted: "
                    + String.join(", ", ctx.model.inputMimeTypes()));
        }
        String mime = InlineImages.mimeType(ctx.model, Values.string(blob.get("mimeType"), blob.path("mimeType")),
                blob.path("mimeType"));
        if (!blob.has("data")) {
            throw FieldError.missing(blob.path("data"), blob.path("data") + " is required: the image bytes, base64");
        }
        String data = Values.string(blob.get("data"), blob.path("data"));
        byte[] bytes = InlineImages.check(ctx.model, mime, data, blob.path("data"));
        // Standard base64 is what Gemini sends back; URL-safe or unpadded input is re-encoded once here.
        String canonical = InlineImages.isCanonical(data) ? data : java.util.Base64.getEncoder().encodeToString(bytes);
        return Json.object().put("mimeType", mime).put("data", canonical);
    }

    /** The canonical fileData, or null when its fileUri is empty (a template part to drop). */
    private static ObjectNode fileData(JsonNode node, String field, RequestContext ctx) {
        FieldReader file = FieldReader.read(node, field, "fileData", FILE_DATA_FIELDS);
        String uri = file.has("fileUri") ? Values.string(file.get("fileUri"), file.path("fileUri")) : "";
        if (uri.isBlank()) {
            return null;
        }
        ObjectNode out = Json.object();
        if (file.has("mimeType")) {
            String declared = Values.string(file.get("mimeType"), file.path("mimeType"));
            if (!declared.isBlank()) {
                out.put("mimeType", InlineImages.mimeType(ctx.model, declared, file.path("mimeType")));
            }
        }
        // Stored canonical: the worker reads it with the same parser and acts on what was checked here.
        out.put("fileUri", ctx.references.check(uri, ctx.tenant, file.path("fileUri")).toString());
        return out;
    }

    /** The canonical systemInstruction (text parts only), or null when it holds no text. */
    static ObjectNode systemInstruction(JsonNode node, String field, RequestContext ctx) {
        ArrayNode texts = Json.array();
        if (node.isTextual()) {
            // The SDKs' shorthand: a plain string.
            if (!node.asText().isBlank()) {
                texts.addObject().put("text", node.asText());
                ctx.text(node.asText());
            }
        } else {
            FieldReader content = FieldReader.read(node, field, "systemInstruction", CONTENT_FIELDS);
            if (content.has("role")) {
                Values.string(content.get("role"), content.path("role")); // Gemini ignores it; we drop it
            }
            JsonNode parts = content.get("parts");
            if (parts == null) {
                throw FieldError.missing(content.path("parts"), content.path("parts") + " is required: text parts");
            }
            if (!parts.isArray()) {
                throw FieldError.invalid(content.path("parts"), content.path("parts") + " must be an array of text"
                        + " parts, got " + Values.kind(parts));
            }
            int j = 0;
            for (JsonNode p : parts) {
                String at = content.path("parts") + "[" + j++ + "]";
                FieldReader part = FieldReader.read(p, at, "a part", PART_FIELDS);
                for (String member : List.of("inlineData", "fileData", "thought", "thoughtSignature")) {
                    if (part.has(member)) {
                        throw new FieldError(FieldError.INVALID_PART, part.path(member), "systemInstruction takes text"
                                + " parts only; move images into contents");
                    }
                }
                if (!part.has("text")) {
                    throw new FieldError(FieldError.INVALID_PART, at, at + " has no text");
                }
                String text = Values.string(part.get("text"), part.path("text"));
                if (!text.isBlank()) {
                    texts.addObject().put("text", text);
                    ctx.text(text);
                }
            }
        }
        if (texts.isEmpty()) {
            return null;
        }
        ObjectNode out = Json.object();
        out.set("parts", texts);
        return out;
    }
}
