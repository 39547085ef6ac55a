package imagejobs.local.gemini;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.catalog.ModelSpec;

/**
 * Checks a generateContent body the way Gemini does before generating anything, so a request our worker gets
 * wrong fails here exactly as it would upstream (HTTP 400 INVALID_ARGUMENT with Google's wording where known).
 *
 * <p>Choices where Google's behaviour is not pinned down: image sizes must be spelled as Gemini documents them
 * ({@code 512}, {@code 1K}, {@code 2K}, {@code 4K}; Google's image-generation guide says a lowercase {@code k} is
 * rejected, and {@code 0.5K} is our public alias that the worker must translate); models with a single size
 * (the 2.5 family) ignore {@code imageSize} entirely, as gemini-2.5-flash-image does upstream; inline images must
 * really be images (PNG, JPEG, GIF, WebP, HEIC/HEIF), since Gemini cannot process anything else; file URIs must be
 * Files API or {@code gs://} URIs, because the worker is meant to inline every other reference itself.
 */
final class SimulatedRequestCheck {
    private static final Set<String> REQUEST_FIELDS = Set.of("model", "contents", "generationConfig",
            "systemInstruction", "safetySettings", "tools", "toolConfig", "cachedContent");
    private static final Set<String> CONTENT_FIELDS = Set.of("role", "parts");
    private static final Set<String> PART_FIELDS = Set.of("text", "inlineData", "fileData", "thought",
            "thoughtSignature", "functionCall", "functionResponse", "executableCode", "codeExecutionResult",
            "videoMetadata", "mediaResolution", "partMetadata");
    /** The members of Part's {@code data} oneof: exactly one must be set. */
    private static final List<String> PART_DATA = List.of("text", "inlineData", "fileData", "functionCall",
            "functionResponse", "executableCode", "codeExecutionResult");
    private static final Set<String> BLOB_FIELDS = Set.of("mimeType", "data", "displayName");
    private static final Set<String> FILE_DATA_FIELDS = Set.of("mimeType", "fileUri", "displayName");
    private static final Set<String> GENERATION_FIELDS = Set.of("stopSequences", "responseMimeType",
            "responseSchema", "responseJsonSchema", "responseModalities", "candidateCount", "maxOutputTokens",
            "temperature", "topP", "topK", "seed", "presencePenalty", "frequencyPenalty", "responseLogprobs",
            "logprobs", "enableEnhancedCivicAnswers", "speechConfig", "thinkingConfig", "imageConfig",
            "mediaResolution");
    private static final Set<String> IMAGE_CONFIG_FIELDS = Set.of("aspectRatio", "imageSize");
    private static final String FILES_API_PREFIX = "https://generativelanguage.googleapis.com/";

    private final ThoughtSignatures signatures;

    SimulatedRequestCheck(ThoughtSignatures signatures) {
        this.signatures = signatures;
    }

    SimulatedRequest check(ModelSpec model, JsonNode body) {
        if (body == null || !body.isObject()) {
            throw GeminiError.badField(null,
                    "Invalid JSON payload received. Unknown name \"\": Root element must be a message.");
        }
        ProtoObject request = ProtoObject.read(body, "", "GenerateContentRequest", REQUEST_FIELDS);

        Conversation conversation = contents(model, request);
        int promptChars = conversation.textChars + systemInstructionChars(request);

        String aspectRatio = "1:1";
        String imageSize = model.defaultImageSize();
        boolean wantText = true;
        boolean wantImage = true;
        JsonNode config = request.get("generationConfig");
        if (config != null) {
            ProtoObject generation = ProtoObject.read(config, "generation_config", "GenerationConfig",
                    GENERATION_FIELDS);
            List<String> modalities = modalities(generation);
            if (!modalities.isEmpty()) {
                wantText = modalities.contains("TEXT");
                wantImage = modalities.contains("IMAGE");
            }
            JsonNode imageConfig = generation.get("imageConfig");
            if (imageConfig != null) {
                ProtoObject image = ProtoObject.read(imageConfig, "generation_config.image_config", "ImageConfig",
                        IMAGE_CONFIG_FIELDS);
                String ratio = image.string("aspectRatio");
                if (ratio != null) {
                    if (!model.supportsAspectRatio(ratio)) {
                        throw GeminiError.badField(image.childPath("aspectRatio"), "Unsupported aspect ratio: "
                                + ratio + ". Model " + model.upstreamModel() + " supports: "
                                + String.join(", ", model.aspectRatios()) + ".");
                    }
                    aspectRatio = ratio;
                }
                String size = image.string("imageSize");
                // One size only (the 2.5 family): upstream ignores imageSize and answers 1K whatever it says.
                if (size != null && model.imageSizes().size() > 1) {
                    if (!model.supportsImageSize(size)) {
                        throw GeminiError.badField(image.childPath("imageSize"), "Unsupported image size: "
                                + size + ". Model " + model.upstreamModel() + " supports: "
                                + String.join(", ", model.imageSizes()) + " (uppercase K).");
                    }
                    imageSize = size;
                }
            }
        }
        return new SimulatedRequest(model, aspectRatio, imageSize, wantText, wantImage,
                conversation.lastUserText, promptChars, conversation.images);
    }

    private record Conversation(int textChars, int images, String lastUserText) {
    }

    private Conversation contents(ModelSpec model, ProtoObject request) {
        JsonNode contents = request.get("contents");
        if (contents == null || (contents.isArray() && contents.isEmpty())) {
            throw GeminiError.badField("contents", "* GenerateContentRequest.contents: contents is not specified\n");
        }
        int textChars = 0;
        int images = 0;
        String lastUserText = "";
        int i = 0;
        for (JsonNode node : request.array("contents")) {
            String path = "contents[" + i + "]";
            ProtoObject content = ProtoObject.read(node, path, "Content", CONTENT_FIELDS);
            String role = content.string("role");
            boolean modelTurn = "model".equals(role);
            if (role != null && !role.isEmpty() && !modelTurn && !"user".equals(role)) {
                throw GeminiError.badField(content.childPath("role"), "Please use a valid role: user, model.");
            }
            JsonNode parts = content.get("parts");
            if (parts == null || (parts.isArray() && parts.isEmpty())) {
                throw GeminiError.badField(content.childPath("parts"),
                        "* GenerateContentRequest." + path + ".parts: contents.parts must not be empty.\n");
            }
            StringBuilder turnText = new StringBuilder();
            int j = 0;
            for (JsonNode partNode : content.array("parts")) {
                ProtoObject part = ProtoObject.read(partNode, path + ".parts[" + j + "]", "Part", PART_FIELDS);
                String text = part.string("text");
                boolean image = dataOf(model, part);
                if (text != null) {
                    textChars += text.length();
                    if (turnText.length() > 0) {
                        turnText.append('\n');
                    }
                    turnText.append(text);
                }
                if (image) {
                    images++;
                }
                String signature = signatureOf(part);
                if (modelTurn) {
                    checkSignature(model, signature, image, i, j);
                }
                j++;
            }
            if (!modelTurn) {
                lastUserText = turnText.toString();
            }
            i++;
        }
        return new Conversation(textChars, images, lastUserText);
    }

    /** Checks the part's one data member; true when it is an image (inline or by file URI). */
    private boolean dataOf(ModelSpec model, ProtoObject part) {
        List<String> set = new ArrayList<>();
        for (String member : PART_DATA) {
            if (part.has(member)) {
                set.add(member);
            }
        }
        if (set.isEmpty()) {
            throw GeminiError.badField(part.childPath("data"), "* GenerateContentRequest." + part.childPath("data")
                    + ": required oneof field 'data' must have one initialized field\n");
        }
        if (set.size() > 1) {
            throw GeminiError.badField(part.childPath(set.get(1)), "Invalid JSON payload received. Oneof field"
                    + " 'data' is already set. Cannot set '" + set.get(1) + "'");
        }
        if (part.has("inlineData")) {
            inlineData(model, ProtoObject.read(part.get("inlineData"), part.childPath("inlineData"), "Blob",
                    BLOB_FIELDS));
            return true;
        }
        if (part.has("fileData")) {
            fileData(model, ProtoObject.read(part.get("fileData"), part.childPath("fileData"), "FileData",
                    FILE_DATA_FIELDS));
            return true;
        }
        return false;
    }

    private static void inlineData(ModelSpec model, ProtoObject blob) {
        String mimeType = blob.string("mimeType");
        if (mimeType == null || mimeType.isEmpty()) {
            throw GeminiError.badField(blob.childPath("mimeType"), "* GenerateContentRequest."
                    + blob.childPath("mimeType") + ": mime_type is not specified\n");
        }
        String data = blob.string("data");
        byte[] bytes = Base64Lenient.decode(data == null ? "" : data);
        if (bytes == null) {
            String shown = data.length() > 40 ? data.substring(0, 40) + "..." : data;
            throw GeminiError.badField(blob.childPath("data"), "Invalid value at '" + blob.childPath("data")
                    + "' (TYPE_BYTES), Base64 decoding failed for \"" + shown + "\"");
        }
        checkMimeType(model, blob, mimeType);
        if (!ImageFormat.isImage(bytes)) {
            throw GeminiError.invalidArgument("Unable to process input image. Please retry or report in"
                    + " https://developers.generativeai.google/guide/troubleshooting");
        }
    }

    private static void fileData(ModelSpec model, ProtoObject file) {
        String uri = file.string("fileUri");
        if (uri == null || uri.isEmpty()) {
            throw GeminiError.badField(file.childPath("fileUri"), "* GenerateContentRequest."
                    + file.childPath("fileUri") + ": file_uri is not specified\n");
        }
        boolean filesApi = uri.startsWith(FILES_API_PREFIX) && uri.substring(FILES_API_PREFIX.length())
                .matches("v1[a-z0-9]*/files/[^/?#]+");
        boolean gcs = uri.startsWith("gs://") && uri.length() > "gs://".length();
        if (!filesApi && !gcs) {
            throw GeminiError.badField(file.childPath("fileUri"), "Invalid or unsupported file uri: " + uri
                    + " (the simulator accepts Files API and gs:// uris only; send other images as inline_data)");
        }
        String mimeType = file.string("mimeType");
        if (mimeType == null || mimeType.isEmpty()) {
            if (gcs) {
                throw GeminiError.badField(file.childPath("mimeType"), "* GenerateContentRequest."
                        + file.childPath("mimeType") + ": mime_type is not specified\n");
            }
            return;
        }
        checkMimeType(model, file, mimeType);
    }

    private static void checkMimeType(ModelSpec model, ProtoObject owner, String mimeType) {
        if (!model.acceptsInput(mimeType.toLowerCase(Locale.ROOT))) {
            throw GeminiError.badField(owner.childPath("mimeType"), "Unsupported MIME type: " + mimeType);
        }
    }

    /** The part's signature; a proto bytes field, so it must be base64 whatever the model. */
    private static String signatureOf(ProtoObject part) {
        JsonNode raw = part.get("thoughtSignature");
        if (raw == null) {
            return null;
        }
        if (!raw.isTextual() || Base64Lenient.decode(raw.asText()) == null) {
            throw ProtoObject.invalidValue(part.childPath("thoughtSignature"), "TYPE_BYTES", raw);
        }
        return raw.asText();
    }

    /**
     * Gemini 3 image models validate signatures on the model's earlier image parts strictly; the 2.5 models
     * ignore them. A signature we never issued is "corrupted" upstream whatever part carries it.
     */
    private void checkSignature(ModelSpec model, String signature, boolean image, int content, int index) {
        if (!model.thoughtSignatures()) {
            return;
        }
        if ((signature == null || signature.isEmpty()) && image) {
            throw GeminiError.invalidArgument("Image part is missing a thought_signature in content position "
                    + (content + 1) + ", part position " + (index + 1) + ".");
        }
        if (signature != null && !signature.isEmpty() && !signatures.isIssued(signature)) {
            throw GeminiError.invalidArgument("Corrupted thought signature.");
        }
    }

    private static int systemInstructionChars(ProtoObject request) {
        JsonNode instruction = request.get("systemInstruction");
        if (instruction == null) {
            return 0;
        }
        ProtoObject content = ProtoObject.read(instruction, "system_instruction", "Content", CONTENT_FIELDS);
        int chars = 0;
        int j = 0;
        for (JsonNode partNode : content.array("parts")) {
            ProtoObject part = ProtoObject.read(partNode, "system_instruction.parts[" + j++ + "]", "Part",
                    PART_FIELDS);
            String text = part.string("text");
            chars += text == null ? 0 : text.length();
        }
        return chars;
    }

    /** The requested modalities, upper-cased; Gemini image models produce TEXT and IMAGE only. */
    private static List<String> modalities(ProtoObject generation) {
        List<String> out = new ArrayList<>();
        int k = 0;
        for (JsonNode node : generation.array("responseModalities")) {
            String path = generation.childPath("responseModalities") + "[" + k++ + "]";
            String value = node.isTextual() ? node.asText().toUpperCase(Locale.ROOT) : "";
            switch (value) {
                case "TEXT", "IMAGE" -> out.add(value);
                case "AUDIO" -> throw GeminiError.badField(path,
                        "Model does not support the requested response modalities: audio");
                default -> throw ProtoObject.invalidValue(path,
                        "type.googleapis.com/google.ai.generativelanguage.v1beta.GenerationConfig.Modality", node);
            }
        }
        return out;
    }
}
