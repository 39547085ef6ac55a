package imagejobs.shared.validation;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;

/**
 * The request-queue API's simple payload (seed 004) as a canonical Gemini request: {@code prompt} becomes the user
 * turn's text, each {@code image} URL a fileData part after it ({@code data:} URLs an inlineData part),
 * {@code aspect_ratio} / {@code image_size} the imageConfig, {@code response_modalities}, {@code temperature} and
 * {@code top_p} the generationConfig.
 */
final class SimpleForm {
    static final List<String> FIELDS = List.of("prompt", "image", "aspectRatio", "imageSize", "responseModalities",
            "temperature", "topP");
    static final String SHOWN = "prompt, image, aspect_ratio, image_size, response_modalities, temperature, top_p"
            + " (or the native form: contents, generationConfig, safetySettings, systemInstruction)";

    private SimpleForm() {
    }

    static ObjectNode translate(JsonNode payload, String field, RequestContext ctx) {
        FieldReader in = FieldReader.read(payload, field, "payload", FIELDS, SHOWN);
        if (!in.has("prompt")) {
            throw FieldError.missing(in.path("prompt"), in.path("prompt") + " is required (or send the native form"
                    + " with contents)");
        }
        String prompt = Values.string(in.get("prompt"), in.path("prompt"));
        if (prompt.isBlank()) {
            throw FieldError.missing(in.path("prompt"), in.path("prompt") + " is blank; describe the image to generate"
                    + " or the edit to make");
        }
        ctx.text(prompt);
        ObjectNode gemini = Json.object();
        ObjectNode turn = gemini.putArray("contents").addObject().put("role", "user");
        ArrayNode parts = turn.putArray("parts");
        parts.addObject().put("text", prompt);
        if (in.has("image")) {
            images(in.get("image"), in.path("image"), ctx).forEach(parts::add);
        }

        ObjectNode config = Json.object();
        if (in.has("responseModalities")) {
            ArrayNode modalities = GenerationConfigValidator.responseModalities(in.get("responseModalities"),
                    in.path("responseModalities"));
            if (!modalities.isEmpty()) {
                config.set("responseModalities", modalities);
            }
        }
        if (in.has("temperature")) {
            config.set("temperature", Values.number(in.get("temperature"), in.path("temperature"), 0.0, 2.0));
        }
        if (in.has("topP")) {
            config.set("topP", Values.number(in.get("topP"), in.path("topP"), 0.0, 1.0));
        }
        ObjectNode image = Json.object();
        if (in.has("aspectRatio")) {
            image.put("aspectRatio", GenerationConfigValidator.aspectRatio(ctx.model,
                    Values.string(in.get("aspectRatio"), in.path("aspectRatio")), in.path("aspectRatio")));
        }
        if (in.has("imageSize")) {
            image.put("imageSize", GenerationConfigValidator.imageSize(ctx.model,
                    Values.string(in.get("imageSize"), in.path("imageSize")), in.path("imageSize")));
        }
        if (!image.isEmpty()) {
            config.set("imageConfig", image);
        }
        if (!config.isEmpty()) {
            gemini.set("generationConfig", config);
        }
        ctx.checkTotals(in.path("image"), in.path("prompt"));
        return gemini;
    }

    /** One URL or a list; blank entries are skipped like empty template parts. */
    private static List<ObjectNode> images(JsonNode node, String field, RequestContext ctx) {
        List<ObjectNode> out = new ArrayList<>();
        List<String> urls = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        if (node.isTextual()) {
            urls.add(node.asText());
            fields.add(field);
        } else if (node.isArray()) {
            int i = 0;
            for (JsonNode item : node) {
                String at = field + "[" + i++ + "]";
                urls.add(Values.string(item, at));
                fields.add(at);
            }
        } else {
            throw FieldError.invalid(field, field + " must be an image URL or a list of them, got " + Values.kind(node));
        }
        for (int i = 0; i < urls.size(); i++) {
            String url = urls.get(i);
            String at = fields.get(i);
            if (url.isBlank()) {
                continue;
            }
            ObjectNode part = Json.object();
            if (url.regionMatches(true, 0, "data:", 0, 5)) {
                part.set("inlineData", dataUrl(url, at, ctx));
            } else {
                part.putObject("fileData").put("fileUri", ctx.references.check(url, ctx.tenant, at).toString());
            }
            ctx.referenceImage(at);
            out.add(part);
        }
        return out;
    }

    /** {@code data:image/png;base64,…}: seed 004 allows inline images (7 MB) next to URLs. */
    private static ObjectNode dataUrl(String url, String field, RequestContext ctx) {
        int comma = url.indexOf(',');
        String header = comma < 0 ? "" : url.substring(5, comma);
        if (comma < 0 || !header.toLowerCase(Locale.ROOT).endsWith(";base64")) {
            throw new FieldError(FieldError.INVALID_REFERENCE, field, field + " is a data: URL that is not"
                    + " data:<mime type>;base64,<data>");
        }
        String mime = InlineImages.mimeType(ctx.model, header.substring(0, header.length() - ";base64".length()), field);
        String data = url.substring(comma + 1);
        byte[] bytes = InlineImages.check(ctx.model, mime, data, field);
        String canonical = InlineImages.isCanonical(data) ? data : java.util.Base64.getEncoder().encodeToString(bytes);
        return Json.object().put("mimeType", mime).put("data", canonical);
    }
}
