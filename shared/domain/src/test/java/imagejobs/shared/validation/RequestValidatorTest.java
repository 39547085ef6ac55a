package imagejobs.shared.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Base64;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.json.Json;

/** What the validator accepts and the canonical request it makes of it. */
class RequestValidatorTest {
    private static final String BUCKET = "imagejobs-images-test";
    private static final String TENANT = "tenant-a";
    private final RequestValidator validator = new RequestValidator(ModelCatalog.load(), new ImageReferences(BUCKET));

    private static JsonNode json(String singleQuoted) {
        return Json.parse(singleQuoted.replace('\'', '"'));
    }

    private String canonicalNative(String model, String body) {
        return Json.write(validator.validateNative(model, json(body), TENANT).gemini());
    }

    private String canonicalQueue(String body) {
        return Json.write(validator.validateRequestQueue(json(body), TENANT).gemini());
    }

    @Test
    void snakeCaseAndCamelCaseMakeTheSameCanonicalRequest() {
        String png = Base64.getEncoder().encodeToString(pngBytes());
        String camel = canonicalNative("gemini-3-pro-image-preview", "{'contents':[{'role':'user','parts':["
                + "{'text':'edit'},{'inlineData':{'mimeType':'image/png','data':'" + png + "'}},"
                + "{'fileData':{'mimeType':'image/jpeg','fileUri':'https://a.example.com/x.jpg'}}]}],"
                + "'systemInstruction':{'parts':[{'text':'be precise'}]},"
                + "'generationConfig':{'responseModalities':['IMAGE'],'topP':0.9,'maxOutputTokens':100,"
                + "'imageConfig':{'aspectRatio':'3:2','imageSize':'2K'},'thinkingConfig':{'includeThoughts':true}},"
                + "'safetySettings':[{'category':'HARM_CATEGORY_HARASSMENT','threshold':'BLOCK_ONLY_HIGH'}]}");
        String snake = canonicalNative("gemini-3-pro-image-preview", "{'safety_settings':[{'category':"
                + "'HARM_CATEGORY_HARASSMENT','threshold':'BLOCK_ONLY_HIGH'}],'generation_config':{'image_config':"
                + "{'image_size':'2k','aspect_ratio':'3:2'},'thinking_config':{'include_thoughts':true},"
                + "'max_output_tokens':100,'top_p':0.9,'response_modalities':['image']},"
                + "'system_instruction':{'parts':[{'text':'be precise'}]},"
                + "'contents':[{'role':'user','parts':[{'text':'edit'},{'inline_data':{'mime_type':'image/png',"
                + "'data':'" + png + "'}},{'file_data':{'mime_type':'image/jpeg','file_uri':'https://a.example.com/x.jpg'}}]}]}");
        assertEquals(camel, snake);
        assertFalse(fieldNames(Json.parse(camel)).stream().anyMatch(n -> n.contains("_")), camel);
    }

    private static java.util.List<String> fieldNames(JsonNode node) {
        java.util.List<String> names = new java.util.ArrayList<>();
        node.fields().forEachRemaining(e -> {
            names.add(e.getKey());
            names.addAll(fieldNames(e.getValue()));
        });
        node.elements().forEachRemaining(e -> {
            if (node.isArray()) {
                names.addAll(fieldNames(e));
            }
        });
        return names;
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
            "gemini-2.5-flash-image, 1k, 1K",
            "gemini-2.5-flash-image, 1K, 1K",
            "gemini-2.5-flash-image-preview-hd, 1k, 1K",
            "gemini-3-pro-image-preview, 2k, 2K",
            "gemini-3-pro-image-preview, 4k, 4K",
            "gemini-3.1-flash-image-preview, 0.5K, 512",
            "gemini-3.1-flash-image-preview, 0.5k, 512",
            "gemini-3.1-flash-image-preview, 512, 512",
            "gemini-3.1-flash-image-preview, ' 4k ', 4K"})
    void imageSizesAreSpelledAsGeminiDoes(String model, String given, String canonical) {
        String native_ = canonicalNative(model, "{'contents':[{'parts':[{'text':'a'}]}],'generationConfig':"
                + "{'imageConfig':{'imageSize':'" + given + "'}}}");
        assertEquals("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a\"}]}],\"generationConfig\":"
                + "{\"imageConfig\":{\"imageSize\":\"" + canonical + "\"}}}", native_);
        String simple = canonicalQueue("{'model':'" + model + "','payload':{'prompt':'a','image_size':'" + given + "'}}");
        assertEquals(native_, simple, "both forms agree");
    }

    @Test
    void documentedGenerationConfigFieldsPassCanonicalised() {
        String out = canonicalNative("gemini-3.1-flash-image-preview", "{'contents':[{'parts':[{'text':'a'}]}],"
                + "'generationConfig':{'image_config':{'aspect_ratio':'4:1'},'media_resolution':'high',"
                + "'thinking_config':{'thinking_level':'low','include_thoughts':false},'response_mime_type':'TEXT/PLAIN',"
                + "'stop_sequences':'END','frequency_penalty':'0.5','presence_penalty':-1,'seed':7,'top_k':'40',"
                + "'candidate_count':1,'max_output_tokens':8192,'top_p':'0.95','temperature':1,"
                + "'response_modalities':['text','IMAGE','image'],'response_logprobs':false,'logprobs':3,"
                + "'response_json_schema':{'type':'object','properties':{'snake_name':{'type':'string'}}}}}");
        assertEquals("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a\"}]}],\"generationConfig\":{"
                + "\"responseModalities\":[\"TEXT\",\"IMAGE\"],\"temperature\":1.0,\"topP\":0.95,\"topK\":40,"
                + "\"candidateCount\":1,\"maxOutputTokens\":8192,\"seed\":7,\"stopSequences\":[\"END\"],"
                + "\"presencePenalty\":-1.0,\"frequencyPenalty\":0.5,\"responseMimeType\":\"text/plain\","
                + "\"responseJsonSchema\":{\"type\":\"object\",\"properties\":{\"snake_name\":{\"type\":\"string\"}}},"
                + "\"responseLogprobs\":false,\"logprobs\":3,"
                + "\"thinkingConfig\":{\"includeThoughts\":false,\"thinkingLevel\":\"LOW\"},"
                + "\"mediaResolution\":\"MEDIA_RESOLUTION_HIGH\",\"imageConfig\":{\"aspectRatio\":\"4:1\"}}}", out);
    }

    @Test
    void safetySettingsAndSystemInstructionAreCanonicalised() {
        String out = canonicalNative("gemini-2.5-flash-image", "{'contents':[{'parts':[{'text':'a'}]}],"
                + "'systemInstruction':{'role':'system','parts':[{'text':'one'},{'text':''},{'text':'two'}]},"
                + "'safetySettings':[{'category':'hate_speech','threshold':'block_none'},"
                + "{'category':'HARM_CATEGORY_DANGEROUS_CONTENT','threshold':'OFF'}]}");
        assertEquals("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a\"}]}],"
                + "\"systemInstruction\":{\"parts\":[{\"text\":\"one\"},{\"text\":\"two\"}]},"
                + "\"safetySettings\":[{\"category\":\"HARM_CATEGORY_HATE_SPEECH\",\"threshold\":\"BLOCK_NONE\"},"
                + "{\"category\":\"HARM_CATEGORY_DANGEROUS_CONTENT\",\"threshold\":\"OFF\"}]}", out);
    }

    @Test
    void emptyOptionalsAreLeftOut() {
        String out = canonicalNative("gemini-2.5-flash-image", "{'contents':[{'parts':[{'text':'a'}]}],"
                + "'systemInstruction':{'parts':[{'text':'  '}]},'generationConfig':{'responseModalities':[],"
                + "'imageConfig':{}},'safetySettings':[],'model':'models/gemini-2.5-flash-image'}");
        assertEquals("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a\"}]}]}", out);
    }

    @Test
    void nullMeansAbsent() {
        String out = canonicalQueue("{'model':'gemini-2.5-flash-image','payload':{'prompt':'a','image':null,"
                + "'aspect_ratio':null}}");
        assertEquals("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a\"}]}]}", out);
    }

    @Test
    void multiTurnKeepsSignaturesAndDropsTemplateParts() {
        String sig = Base64.getEncoder().encodeToString("opaque-signature".getBytes());
        String out = canonicalQueue("{'model':'gemini-3-pro-image-preview','payload':{'contents':["
                + "{'role':'user','parts':[{'text':'a fox'}]},"
                + "{'role':'model','parts':[{'text':'','thoughtSignature':'" + sig + "'},{'text':'Here it is.'},"
                + "{'fileData':{'mimeType':'image/jpeg','fileUri':'s3://" + BUCKET + "/outputs/" + TENANT
                + "/01ABC/0.jpg'},'thought_signature':'" + sig + "'},{'text':'thinking','thought':true}]},"
                + "{'role':'user','parts':[{'text':''},{'text':'make it red'},{'fileData':{'fileUri':''}},"
                + "{'fileData':{'mimeType':'image/png','fileUri':'s3://" + BUCKET + "/edits/" + TENANT + "/ref.png'}}]}]}}");
        assertEquals("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a fox\"}]},"
                + "{\"role\":\"model\",\"parts\":[{\"text\":\"\",\"thoughtSignature\":\"" + sig + "\"},"
                + "{\"text\":\"Here it is.\"},{\"fileData\":{\"mimeType\":\"image/jpeg\",\"fileUri\":\"s3://" + BUCKET
                + "/outputs/" + TENANT + "/01ABC/0.jpg\"},\"thoughtSignature\":\"" + sig + "\"},"
                + "{\"text\":\"thinking\",\"thought\":true}]},"
                + "{\"role\":\"user\",\"parts\":[{\"text\":\"make it red\"},{\"fileData\":{\"mimeType\":\"image/png\","
                + "\"fileUri\":\"s3://" + BUCKET + "/edits/" + TENANT + "/ref.png\"}}]}]}", out);
    }

    @Test
    void modelTurnImagesDoNotCountAsReferenceImages() {
        StringBuilder history = new StringBuilder();
        for (int turn = 0; turn < 5; turn++) {
            history.append("{'role':'user','parts':[{'text':'again'}]},{'role':'model','parts':[{'fileData':"
                    + "{'mimeType':'image/png','fileUri':'s3://" + BUCKET + "/outputs/" + TENANT + "/J" + turn + "/0.png'}}]},");
        }
        canonicalQueue("{'model':'gemini-2.5-flash-image','payload':{'contents':[" + history
                + "{'role':'user','parts':[{'text':'once more'},{'fileData':{'fileUri':'https://a.example.com/1.png'}}]}]}}");
    }

    @Test
    void lenientSpellingsGeminiAlsoAccepts() {
        String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(pngBytes());
        String out = canonicalNative("models/gemini-2.5-flash-image", "{'contents':[{'role':'USER','parts':["
                + "{'text':'x'},{'inlineData':{'mimeType':'IMAGE/JPG','data':'"
                + Base64.getUrlEncoder().withoutPadding().encodeToString(jpegBytes()) + "'}},"
                + "{'inlineData':{'mimeType':'image/png','data':'" + urlSafe + "'}}]}]}");
        JsonNode parts = Json.parse(out).path("contents").get(0).path("parts");
        assertEquals("user", Json.parse(out).path("contents").get(0).path("role").asText());
        assertEquals("image/jpeg", parts.get(1).path("inlineData").path("mimeType").asText());
        assertEquals(Base64.getEncoder().encodeToString(pngBytes()), parts.get(2).path("inlineData").path("data").asText());
    }

    @Test
    void theSimpleFormAcceptsDataUrls() {
        String png = Base64.getEncoder().encodeToString(pngBytes());
        String out = canonicalQueue("{'model':'gemini-2.5-flash-image','payload':{'prompt':'edit','image':["
                + "'data:image/png;base64," + png + "','','https://a.example.com/b.png']}}");
        assertEquals("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"edit\"},{\"inlineData\":"
                + "{\"mimeType\":\"image/png\",\"data\":\"" + png + "\"}},{\"fileData\":{\"fileUri\":"
                + "\"https://a.example.com/b.png\"}}]}]}", out);
    }

    @Test
    void filesApiUrisAndOwnObjectsAreReferences() {
        canonicalNative("gemini-3-pro-image-preview", "{'contents':[{'parts':[{'text':'x'},"
                + "{'fileData':{'mimeType':'image/png','fileUri':'https://generativelanguage.googleapis.com/v1beta/files/abc-123'}},"
                + "{'fileData':{'fileUri':'s3://" + BUCKET + "/inputs/" + TENANT + "/01J/0.png'}},"
                + "{'fileData':{'fileUri':'s3://" + BUCKET + "/edited/" + TENANT + "/cat.png'}}]}]}");
    }

    @Test
    void promptsAtTheLimitAreAccepted() {
        canonicalQueue("{'model':'gemini-2.5-flash-image','payload':{'prompt':'" + "x".repeat(32768 * 4) + "'}}");
        FieldError e = assertThrows(FieldError.class, () -> canonicalNative("gemini-2.5-flash-image",
                "{'contents':[{'parts':[{'text':'" + "x".repeat(32768 * 2) + "'}]}],'systemInstruction':'"
                        + "y".repeat(32768 * 2 + 1) + "'}"));
        assertEquals(FieldError.PROMPT_TOO_LONG, e.code());
        assertEquals("contents", e.field());
    }

    static byte[] pngBytes() {
        return imagejobs.shared.submit.TestImages.png();
    }

    static byte[] jpegBytes() {
        return imagejobs.shared.submit.TestImages.jpeg();
    }
}
