package imagejobs.shared.submit;

import static imagejobs.shared.submit.SubmitHarness.BUCKET;
import static imagejobs.shared.submit.SubmitHarness.REQUESTS;
import static imagejobs.shared.submit.SubmitHarness.generatePath;
import static imagejobs.shared.submit.TestImages.b64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every way a submit can be wrong, each answered with the status, the error code and the field a client needs to fix
 * it, and none of them leaving anything behind: no job, no idempotency binding, no message, no upload.
 */
class SubmitBadInputTest {
    private static final String FLASH = "gemini-2.5-flash-image";
    private static final String PRO = "gemini-3-pro-image-preview";
    private static final String FLASH_31 = "gemini-3.1-flash-image-preview";
    private static final String PNG = b64(TestImages.png());
    private static final String JPEG = b64(TestImages.jpeg());
    private static final String GIF = b64(TestImages.gif());

    record Case(String name, String path, Supplier<String> body, Map<String, String> headers, int status,
                String code, String field) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final List<Case> CASES = new ArrayList<>();

    /** JSON written with single quotes for readability. */
    private static String j(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    private static void rq(String name, String body, String code, String field) {
        CASES.add(new Case(name, REQUESTS, () -> j(body), Map.of(), 400, code, field));
    }

    private static void simple(String name, String payloadFields, String code, String field) {
        rq(name, "{'model':'" + FLASH + "','payload':{" + payloadFields + "}}", code, field);
    }

    private static void gen(String name, String model, String body, String code, String field) {
        CASES.add(new Case(name, generatePath(model), () -> j(body), Map.of(), 400, code, field));
    }

    /** A native body around one user turn's parts, with optional more top-level fields. */
    private static void parts(String name, String model, String parts, String code, String field) {
        gen(name, model, "{'contents':[{'role':'user','parts':[" + parts + "]}]}", code, field);
    }

    private static void config(String name, String model, String generationConfig, String code, String field) {
        gen(name, model, "{'contents':[{'parts':[{'text':'a fox'}]}],'generationConfig':" + generationConfig + "}",
                code, field);
    }

    private static String image(String url) {
        return "'prompt':'edit it','image':'" + url + "'";
    }

    static {
        // --- the body and the envelope
        CASES.add(new Case("empty body", REQUESTS, () -> "", Map.of(), 400, "INVALID_JSON", null));
        rq("malformed JSON", "{'model':", "INVALID_JSON", null);
        rq("duplicate JSON key", "{'model':'a','model':'b'}", "INVALID_JSON", null);
        rq("body is an array", "[]", "INVALID_FIELD", null);
        rq("model missing", "{'payload':{'prompt':'a fox'}}", "MISSING_FIELD", "model");
        rq("model unknown", "{'model':'gemini-9-ultra-image','payload':{'prompt':'a fox'}}", "UNKNOWN_MODEL", "model");
        rq("model not a string", "{'model':42,'payload':{'prompt':'a fox'}}", "INVALID_FIELD", "model");
        rq("payload missing", "{'model':'" + FLASH + "'}", "MISSING_FIELD", "payload");
        rq("payload not an object", "{'model':'" + FLASH + "','payload':'a fox'}", "INVALID_FIELD", "payload");
        rq("unknown top-level field", "{'model':'" + FLASH + "','payload':{'prompt':'a fox'},'callback':'x'}",
                "UNKNOWN_FIELD", "callback");
        rq("webhook not a URL", "{'model':'" + FLASH + "','payload':{'prompt':'a fox'},'webhook':'x'}",
                "INVALID_WEBHOOK", "webhook");
        rq("webhook to a private address", "{'model':'" + FLASH + "','payload':{'prompt':'a fox'},"
                + "'webhook':'https://10.1.2.3/hook'}", "INVALID_WEBHOOK", "webhook");
        rq("webhook to the metadata service", "{'model':'" + FLASH + "','payload':{'prompt':'a fox'},"
                + "'webhook':'https://169.254.169.254/latest/meta-data'}", "INVALID_WEBHOOK", "webhook");
        rq("webhook over plain http", "{'model':'" + FLASH + "','payload':{'prompt':'a fox'},"
                + "'webhook':'http://hooks.example.com/'}", "INVALID_WEBHOOK", "webhook");
        rq("webhook filter with an unknown event", "{'model':'" + FLASH + "','payload':{'prompt':'a fox'},"
                + "'webhook':'https://hooks.example.com/','webhook_events_filter':['done']}", "INVALID_FIELD",
                "webhook_events_filter[0]");
        rq("webhook filter without a webhook", "{'model':'" + FLASH + "','payload':{'prompt':'a fox'},"
                + "'webhook_events_filter':['completed']}", "INVALID_FIELD", "webhook_events_filter");
        rq("payload mixes prompt and contents", "{'model':'" + FLASH + "','payload':{'prompt':'a','contents':[]}}",
                "INVALID_FIELD", "payload.prompt");

        // --- the simple form
        simple("prompt missing", "'aspect_ratio':'1:1'", "MISSING_FIELD", "payload.prompt");
        simple("prompt blank", "'prompt':'   '", "MISSING_FIELD", "payload.prompt");
        simple("prompt not a string", "'prompt':123", "INVALID_FIELD", "payload.prompt");
        simple("unknown simple field", "'prompt':'a fox','negative_prompt':'dogs'", "UNKNOWN_FIELD",
                "payload.negative_prompt");
        simple("aspect ratio of another model", "'prompt':'a fox','aspect_ratio':'1:4'", "UNSUPPORTED_ASPECT_RATIO",
                "payload.aspect_ratio");
        simple("aspect ratio malformed", "'prompt':'a fox','aspect_ratio':'wide'", "UNSUPPORTED_ASPECT_RATIO",
                "payload.aspect_ratio");
        simple("2K on a 1K-only model", "'prompt':'a fox','image_size':'2K'", "UNSUPPORTED_IMAGE_SIZE",
                "payload.image_size");
        rq("0.5K on Gemini 3 Pro", "{'model':'" + PRO + "','payload':{'prompt':'a fox','image_size':'0.5K'}}",
                "UNSUPPORTED_IMAGE_SIZE", "payload.image_size");
        simple("more reference images than the model takes", "'prompt':'blend','image':['https://a.example.com/1.png',"
                + "'https://a.example.com/2.png','https://a.example.com/3.png','https://a.example.com/4.png']",
                "TOO_MANY_IMAGES", "payload.image");
        simple("image list holds a number", "'prompt':'edit','image':['https://a.example.com/1.png',7]",
                "INVALID_FIELD", "payload.image[1]");
        simple("image is an object", "'prompt':'edit','image':{'url':'https://a.example.com/1.png'}",
                "INVALID_FIELD", "payload.image");
        simple("image over http", image("http://images.example.com/a.png"), "INVALID_REFERENCE", "payload.image");
        simple("image is a local file", "'prompt':'edit','image':['file:///etc/passwd']", "INVALID_REFERENCE",
                "payload.image[0]");
        simple("image on loopback", image("https://127.0.0.1/a.png"), "INVALID_REFERENCE", "payload.image");
        simple("image on localhost", image("https://localhost:8443/a.png"), "INVALID_REFERENCE", "payload.image");
        simple("image on the metadata address", image("https://169.254.169.254/latest/meta-data"),
                "INVALID_REFERENCE", "payload.image");
        simple("image on IPv6 loopback", image("https://[::1]/a.png"), "INVALID_REFERENCE", "payload.image");
        simple("image on a private network", image("https://10.1.2.3/a.png"), "INVALID_REFERENCE", "payload.image");
        simple("image on a decimal-encoded loopback host", image("https://2130706433/a.png"), "INVALID_REFERENCE",
                "payload.image");
        simple("image over ftp", image("ftp://images.example.com/a.png"), "INVALID_REFERENCE", "payload.image");
        simple("image in Cloud Storage", image("gs://bucket/a.png"), "INVALID_REFERENCE", "payload.image");
        simple("s3 object of another bucket", image("s3://someone-elses-bucket/inputs/tenant-a/a.png"),
                "INVALID_REFERENCE", "payload.image");
        simple("s3 object of another tenant", image("s3://" + BUCKET + "/inputs/tenant-b/a.png"),
                "INVALID_REFERENCE", "payload.image");
        simple("s3 object escaping the tenant prefix", image("s3://" + BUCKET + "/outputs/tenant-a/../tenant-b/a.png"),
                "INVALID_REFERENCE", "payload.image");
        simple("s3 prefix without an object", image("s3://" + BUCKET + "/inputs/tenant-a/"), "INVALID_REFERENCE",
                "payload.image");
        simple("s3 object outside the tenant prefixes", image("s3://" + BUCKET + "/conversations/tenant-a/c.json"),
                "INVALID_REFERENCE", "payload.image");
        simple("data URL with bad base64", image("data:image/png;base64,@@@@"), "INVALID_BASE64", "payload.image");
        simple("temperature above 2", "'prompt':'a fox','temperature':2.5", "OUT_OF_RANGE", "payload.temperature");
        simple("temperature below 0", "'prompt':'a fox','temperature':-0.1", "OUT_OF_RANGE", "payload.temperature");
        simple("temperature not a number", "'prompt':'a fox','temperature':'hot'", "INVALID_FIELD",
                "payload.temperature");
        simple("temperature a boolean", "'prompt':'a fox','temperature':true", "INVALID_FIELD", "payload.temperature");
        simple("top_p above 1", "'prompt':'a fox','top_p':1.5", "OUT_OF_RANGE", "payload.top_p");
        simple("response modality unknown", "'prompt':'a fox','response_modalities':['VIDEO']", "INVALID_FIELD",
                "payload.response_modalities[0]");
        simple("response modality audio", "'prompt':'a fox','response_modalities':['image','audio']",
                "UNSUPPORTED_FIELD", "payload.response_modalities[1]");
        CASES.add(new Case("prompt beyond the model's input limit", REQUESTS,
                () -> j("{'model':'" + FLASH + "','payload':{'prompt':'" + "x".repeat(32768 * 4 + 1) + "'}}"),
                Map.of(), 400, "PROMPT_TOO_LONG", "payload.prompt"));

        // --- the native form: contents and parts
        gen("model in the path unknown", "gemini-1.0-pro-vision", "{'contents':[{'parts':[{'text':'a'}]}]}",
                "UNKNOWN_MODEL", "model");
        gen("contents missing", FLASH, "{}", "MISSING_FIELD", "contents");
        gen("contents empty", FLASH, "{'contents':[]}", "MISSING_FIELD", "contents");
        gen("contents an object", FLASH, "{'contents':{'parts':[{'text':'a'}]}}", "INVALID_FIELD", "contents");
        gen("role system", FLASH, "{'contents':[{'role':'system','parts':[{'text':'a'}]}]}", "INVALID_ROLE",
                "contents[0].role");
        gen("last turn is the model's", FLASH, "{'contents':[{'role':'user','parts':[{'text':'a'}]},"
                + "{'role':'model','parts':[{'text':'b'}]}]}", "LAST_TURN_NOT_USER", "contents[1].role");
        gen("turn without parts", FLASH, "{'contents':[{'role':'user'}]}", "MISSING_FIELD", "contents[0].parts");
        gen("turn with empty parts", FLASH, "{'contents':[{'role':'user','parts':[]}]}", "EMPTY_TURN",
                "contents[0].parts");
        gen("template turn left empty", FLASH, "{'contents':[{'role':'user','parts':[{'text':''},"
                + "{'fileData':{'mimeType':'image/png','fileUri':''}}]}]}", "EMPTY_TURN", "contents[0].parts");
        parts("part with text and inlineData", FLASH, "{'text':'a','inlineData':{'mimeType':'image/png','data':'"
                + PNG + "'}}", "INVALID_PART", "contents[0].parts[0]");
        parts("part with no content", FLASH, "{}", "INVALID_PART", "contents[0].parts[0]");
        parts("part with an unknown field", FLASH, "{'image_url':'https://a.example.com/1.png'}", "UNKNOWN_FIELD",
                "contents[0].parts[0].image_url");
        parts("text not a string", FLASH, "{'text':['a']}", "INVALID_FIELD", "contents[0].parts[0].text");
        parts("inline data not base64", FLASH, "{'text':'edit'},{'inlineData':{'mimeType':'image/png',"
                + "'data':'not base64!!'}}", "INVALID_BASE64", "contents[0].parts[1].inlineData.data");
        parts("inline data with a data: prefix", FLASH, "{'text':'edit'},{'inlineData':{'mimeType':'image/png',"
                + "'data':'data:image/png;base64," + PNG + "'}}", "INVALID_BASE64", "contents[0].parts[1].inlineData.data");
        parts("inline mime type not accepted", FLASH, "{'text':'edit'},{'inline_data':{'mime_type':'image/bmp',"
                + "'data':'" + PNG + "'}}", "UNSUPPORTED_MIME_TYPE", "contents[0].parts[1].inline_data.mime_type");
        parts("inline GIF on a model without GIF input", PRO, "{'text':'edit'},{'inlineData':{'mimeType':'image/gif',"
                + "'data':'" + GIF + "'}}", "UNSUPPORTED_MIME_TYPE", "contents[0].parts[1].inlineData.mimeType");
        parts("inline mime type missing", FLASH, "{'text':'edit'},{'inlineData':{'data':'" + PNG + "'}}",
                "MISSING_FIELD", "contents[0].parts[1].inlineData.mimeType");
        parts("inline data declared PNG but JPEG", FLASH, "{'text':'edit'},{'inlineData':{'mimeType':'image/png',"
                + "'data':'" + JPEG + "'}}", "MIME_TYPE_MISMATCH", "contents[0].parts[1].inlineData.data");
        parts("inline data that is no image", FLASH, "{'text':'edit'},{'inlineData':{'mimeType':'image/png',"
                + "'data':'" + b64("hello, world".getBytes()) + "'}}", "INVALID_IMAGE",
                "contents[0].parts[1].inlineData.data");
        CASES.add(new Case("inline image above 7 MB", generatePath(FLASH), () -> j("{'contents':[{'parts':[{'text':'x'},"
                + "{'inlineData':{'mimeType':'image/png','data':'" + b64(TestImages.largePng(7 * 1024 * 1024 + 1))
                + "'}}]}]}"), Map.of(), 400, "IMAGE_TOO_LARGE", "contents[0].parts[1].inlineData.data"));
        parts("file URI on a private address", FLASH, "{'text':'edit'},{'fileData':{'mimeType':'image/png',"
                + "'fileUri':'https://192.168.1.20/a.png'}}", "INVALID_REFERENCE", "contents[0].parts[1].fileData.fileUri");
        parts("file URI over http", FLASH, "{'text':'edit'},{'file_data':{'file_uri':'http://a.example.com/a.png'}}",
                "INVALID_REFERENCE", "contents[0].parts[1].file_data.file_uri");
        parts("Gemini host but not a Files API URI", FLASH, "{'text':'edit'},{'fileData':{'fileUri':"
                + "'https://generativelanguage.googleapis.com/v1beta/models/x'}}", "INVALID_REFERENCE",
                "contents[0].parts[1].fileData.fileUri");
        parts("file mime type not accepted", FLASH, "{'text':'edit'},{'fileData':{'mimeType':'application/pdf',"
                + "'fileUri':'https://a.example.com/a.pdf'}}", "UNSUPPORTED_MIME_TYPE",
                "contents[0].parts[1].fileData.mimeType");
        parts("four reference images on a three-image model", FLASH, "{'text':'blend'},"
                + "{'fileData':{'fileUri':'https://a.example.com/1.png'}},{'fileData':{'fileUri':'https://a.example.com/2.png'}},"
                + "{'fileData':{'fileUri':'https://a.example.com/3.png'}},{'fileData':{'fileUri':'https://a.example.com/4.png'}}",
                "TOO_MANY_IMAGES", "contents[0].parts[4]");
        gen("model image without its thought signature", PRO, "{'contents':[{'role':'user','parts':[{'text':'a fox'}]},"
                + "{'role':'model','parts':[{'inlineData':{'mimeType':'image/png','data':'" + PNG + "'}}]},"
                + "{'role':'user','parts':[{'text':'make it red'}]}]}", "MISSING_THOUGHT_SIGNATURE",
                "contents[1].parts[0].thoughtSignature");
        parts("thought signature not base64", PRO, "{'text':'a fox','thoughtSignature':'***'}", "INVALID_BASE64",
                "contents[0].parts[0].thoughtSignature");

        // --- the native form: everything around contents
        gen("unknown top-level field of the native body", FLASH, "{'contents':[{'parts':[{'text':'a'}]}],'prompt':'a'}", "UNKNOWN_FIELD",
                "prompt");
        gen("both spellings of one field", FLASH, "{'contents':[{'parts':[{'text':'a'}]}],'generationConfig':{},"
                + "'generation_config':{}}", "INVALID_FIELD", "generation_config");
        gen("tools", PRO, "{'contents':[{'parts':[{'text':'a'}]}],'tools':[{'googleSearch':{}}]}", "UNSUPPORTED_FIELD",
                "tools");
        gen("cached content", FLASH, "{'contents':[{'parts':[{'text':'a'}]}],'cachedContent':'cachedContents/1'}",
                "UNSUPPORTED_FIELD", "cachedContent");
        gen("model in the body differs from the path", FLASH, "{'model':'models/" + PRO + "','contents':[{'parts':"
                + "[{'text':'a'}]}]}", "INVALID_FIELD", "model");
        gen("system instruction with an image", FLASH, "{'contents':[{'parts':[{'text':'a'}]}],'systemInstruction':"
                + "{'parts':[{'inlineData':{'mimeType':'image/png','data':'" + PNG + "'}}]}}", "INVALID_PART",
                "systemInstruction.parts[0].inlineData");
        gen("safety category unknown", FLASH, "{'contents':[{'parts':[{'text':'a'}]}],'safetySettings':"
                + "[{'category':'HARM_CATEGORY_MEDICAL','threshold':'BLOCK_NONE'}]}", "INVALID_FIELD",
                "safetySettings[0].category");
        gen("safety threshold unknown", FLASH, "{'contents':[{'parts':[{'text':'a'}]}],'safety_settings':"
                + "[{'category':'HARM_CATEGORY_HARASSMENT','threshold':'BLOCK_SOME'}]}", "INVALID_FIELD",
                "safety_settings[0].threshold");
        gen("safety category twice", FLASH, "{'contents':[{'parts':[{'text':'a'}]}],'safetySettings':"
                + "[{'category':'HARM_CATEGORY_HARASSMENT','threshold':'OFF'},"
                + "{'category':'harm_category_harassment','threshold':'BLOCK_NONE'}]}", "INVALID_FIELD",
                "safetySettings[1].category");
        config("unknown generationConfig field", FLASH, "{'numberOfImages':2}", "UNKNOWN_FIELD",
                "generationConfig.numberOfImages");
        config("unknown imageConfig field", FLASH, "{'imageConfig':{'personGeneration':'ALLOW_ALL'}}", "UNKNOWN_FIELD",
                "generationConfig.imageConfig.personGeneration");
        config("imageConfig aspect ratio unsupported", FLASH, "{'imageConfig':{'aspectRatio':'7:3'}}",
                "UNSUPPORTED_ASPECT_RATIO", "generationConfig.imageConfig.aspectRatio");
        gen("snake_case image size unsupported", FLASH, "{'contents':[{'parts':[{'text':'a'}]}],'generation_config':"
                + "{'image_config':{'image_size':'4K'}}}", "UNSUPPORTED_IMAGE_SIZE",
                "generation_config.image_config.image_size");
        config("8:1 on Gemini 3 Pro", PRO, "{'imageConfig':{'aspectRatio':'8:1'}}", "UNSUPPORTED_ASPECT_RATIO",
                "generationConfig.imageConfig.aspectRatio");
        config("aspect ratio given twice, differently", FLASH, "{'aspect_ratio':'16:9','imageConfig':"
                + "{'aspectRatio':'1:1'}}", "INVALID_FIELD", "generationConfig.aspect_ratio");
        config("candidateCount above 1", FLASH, "{'candidateCount':2}", "OUT_OF_RANGE", "generationConfig.candidateCount");
        config("topK zero", FLASH, "{'topK':0}", "OUT_OF_RANGE", "generationConfig.topK");
        config("maxOutputTokens fractional", FLASH, "{'max_output_tokens':1.5}", "INVALID_FIELD",
                "generationConfig.max_output_tokens");
        config("six stop sequences", FLASH, "{'stopSequences':['a','b','c','d','e','f']}", "OUT_OF_RANGE",
                "generationConfig.stopSequences");
        config("response mime type malformed", FLASH, "{'responseMimeType':'json'}", "INVALID_FIELD",
                "generationConfig.responseMimeType");
        config("thinking budget and level together", FLASH_31, "{'thinkingConfig':{'thinkingBudget':128,"
                + "'thinkingLevel':'LOW'}}", "INVALID_FIELD", "generationConfig.thinkingConfig.thinkingLevel");
        config("speech config", FLASH, "{'speechConfig':{}}", "UNSUPPORTED_FIELD", "generationConfig.speechConfig");
        config("generationConfig not an object", FLASH, "'IMAGE'", "INVALID_FIELD", "generationConfig");

        // --- request headers and size
        CASES.add(new Case("body above the size cap", REQUESTS,
                () -> "{\"pad\":\"" + "x".repeat(SubmitHarness.MAX_BODY_BYTES) + "\"}", Map.of(), 413,
                "PAYLOAD_TOO_LARGE", null));
        CASES.add(new Case("idempotency key too long", REQUESTS,
                () -> j("{'model':'" + FLASH + "','payload':{'prompt':'a fox'}}"),
                Map.of("idempotency-key", "k".repeat(256)), 400, "INVALID_IDEMPOTENCY_KEY", "Idempotency-Key"));
        CASES.add(new Case("idempotency key empty", REQUESTS,
                () -> j("{'model':'" + FLASH + "','payload':{'prompt':'a fox'}}"),
                Map.of("idempotency-key", "  "), 400, "INVALID_IDEMPOTENCY_KEY", "Idempotency-Key"));
    }

    static {
        // Issue 14, items 1, 2 and 10: each was a 500, a timeout or a stored lone surrogate.
        simple("temperature 1e100000000 as a string", "'prompt':'x','temperature':'1e100000000'", "OUT_OF_RANGE",
                "payload.temperature");
        simple("temperature 1e999999999 as a string", "'prompt':'x','temperature':'1e999999999'", "OUT_OF_RANGE",
                "payload.temperature");
        simple("temperature 1e400 as a string", "'prompt':'x','temperature':'1e400'", "OUT_OF_RANGE",
                "payload.temperature");
        simple("temperature 1e400", "'prompt':'x','temperature':1e400", "OUT_OF_RANGE", "payload.temperature");
        simple("temperature -1e400", "'prompt':'x','temperature':-1e400", "OUT_OF_RANGE", "payload.temperature");
        config("seed 1e10000000 as a string", FLASH, "{'seed':'1e10000000'}", "OUT_OF_RANGE", "generationConfig.seed");
        config("seed 99999999999", FLASH, "{'seed':99999999999}", "OUT_OF_RANGE", "generationConfig.seed");
        config("seed -99999999999", FLASH, "{'seed':-99999999999}", "OUT_OF_RANGE", "generationConfig.seed");
        config("candidateCount 2147483648", FLASH, "{'candidateCount':2147483648}", "OUT_OF_RANGE",
                "generationConfig.candidateCount");
        config("candidateCount 99999999999999999999", FLASH, "{'candidate_count':99999999999999999999}",
                "OUT_OF_RANGE", "generationConfig.candidate_count");
        config("temperature 1e400 natively", FLASH, "{'temperature':1e400}", "OUT_OF_RANGE",
                "generationConfig.temperature");
        config("temperature -1e400 natively", FLASH, "{'temperature':-1e400}", "OUT_OF_RANGE",
                "generationConfig.temperature");
        config("topK with no maximum, far above int32", FLASH, "{'topK':'1e999999999'}", "OUT_OF_RANGE",
                "generationConfig.topK");
        CASES.add(new Case("a lone surrogate in the prompt", REQUESTS,
                () -> "{\"model\":\"" + FLASH + "\",\"payload\":{\"prompt\":\"a \\ud800 fox\"}}", Map.of(), 400,
                "INVALID_FIELD", "payload.prompt"));
        CASES.add(new Case("a lone surrogate in a native text part", generatePath(FLASH),
                () -> "{\"contents\":[{\"parts\":[{\"text\":\"\\udc00\"}]}]}", Map.of(), 400, "INVALID_FIELD",
                "contents[0].parts[0].text"));
        CASES.add(new Case("a number token of 101 digits", REQUESTS, () -> "{\"model\":\"" + FLASH + "\","
                + "\"payload\":{\"prompt\":\"x\",\"temperature\":" + "9".repeat(101) + "}}", Map.of(), 400,
                "INVALID_JSON", null));
    }

    static Stream<Case> cases() {
        return CASES.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isRefusedWithItsFieldAndLeavesNothingBehind(Case c) {
        SubmitHarness harness = new SubmitHarness();
        Map<String, String> headers = SubmitHarness.auth(SubmitHarness.KEY);
        headers.putAll(c.headers());

        SubmitHarness.Answer answer = harness.call(c.path(), headers, c.body().get());

        assertEquals(c.status(), answer.status(), answer::toString);
        assertEquals(c.code(), answer.code(), answer::toString);
        assertEquals(c.field(), answer.field(), answer::toString);
        assertNotNull(answer.message(), "a message a person can act on");
        assertFalse(answer.message().isBlank());
        assertTrue(answer.message().length() < 600, "messages stay short: " + answer.message().length());
        harness.assertNothingPersisted(c.name());
    }

    @Test
    void theSuiteCoversAtLeastFortyDistinctCases() {
        Set<String> distinct = new HashSet<>();
        for (Case c : CASES) {
            assertTrue(distinct.add(c.name()), "duplicate case name " + c.name());
        }
        assertTrue(CASES.size() >= 40, "bad-input cases: " + CASES.size());
        Set<String> codes = new HashSet<>();
        CASES.forEach(c -> codes.add(c.code()));
        assertTrue(codes.size() >= 20, "error codes covered: " + codes);
    }

    @Test
    void messagesNameTheValueAndWhatIsAllowed() {
        SubmitHarness harness = new SubmitHarness();
        SubmitHarness.Answer ratio = harness.submit(j("{'model':'" + FLASH + "','payload':{'prompt':'a',"
                + "'aspect_ratio':'1:4'}}"));
        assertEquals("aspect ratio '1:4' is not supported by gemini-2.5-flash-image; supported: 1:1, 2:3, 3:2, 3:4,"
                + " 4:3, 4:5, 5:4, 9:16, 16:9, 21:9", ratio.message());

        SubmitHarness.Answer model = harness.submit(j("{'model':'imagen-4','payload':{'prompt':'a'}}"));
        assertEquals("unknown model 'imagen-4'; known models: gemini-2.5-flash-image, gemini-2.5-flash-image-preview-hd,"
                + " gemini-3-pro-image-preview, gemini-3.1-flash-image-preview", model.message());

        SubmitHarness.Answer size = harness.submit(j("{'model':'" + PRO + "','payload':{'prompt':'a',"
                + "'image_size':'8k'}}"));
        assertEquals("image size '8k' is not supported by gemini-3-pro-image-preview; supported: 1K, 2K, 4K",
                size.message());

        SubmitHarness.Answer images = harness.submit(j("{'model':'" + FLASH + "','payload':{'prompt':'a','image':["
                + "'https://a.example.com/1.png','https://a.example.com/2.png','https://a.example.com/3.png',"
                + "'https://a.example.com/4.png']}}"));
        assertEquals("the request carries 4 reference images; gemini-2.5-flash-image accepts at most 3",
                images.message());

        SubmitHarness.Answer mime = harness.generate(FLASH, j("{'contents':[{'parts':[{'inlineData':{"
                + "'mimeType':'image/bmp','data':'" + PNG + "'}}]}]}"));
        assertTrue(mime.message().startsWith("mime type 'image/bmp' is not accepted by gemini-2.5-flash-image;"
                + " accepted: image/png, image/jpeg"), mime.message());

        SubmitHarness.Answer unknown = harness.generate(FLASH, j("{'contents':[{'parts':[{'text':'a'}]}],"
                + "'generationConfig':{'numberOfImages':2}}"));
        assertTrue(unknown.message().startsWith("unknown field 'numberOfImages' in generationConfig; allowed:"
                + " responseModalities, temperature"), unknown.message());
        SubmitHarness.Answer seed = harness.generate(FLASH, j("{'contents':[{'parts':[{'text':'a'}]}],"
                + "'generationConfig':{'seed':99999999999}}"));
        assertEquals("generationConfig.seed is out of range (got the number 99999999999); allowed: from -2147483648"
                + " to 2147483647", seed.message());

        SubmitHarness.Answer huge = harness.submit(j("{'model':'" + FLASH + "','payload':{'prompt':'x',"
                + "'temperature':'1e999999999'}}"));
        assertEquals("payload.temperature is out of range (got the string '1e999999999'); allowed: from 0 to 2",
                huge.message());

        SubmitHarness.Answer surrogate = harness.submit("{\"model\":\"" + FLASH + "\",\"payload\":{\"prompt\":"
                + "\"a \\ud800 fox\"}}");
        assertEquals("payload.prompt is not valid Unicode text: it holds an unpaired UTF-16 surrogate (\\ud800) at"
                + " character 3; send text as UTF-8, with \\u escapes only in high-low pairs", surrogate.message());

        SubmitHarness.Answer json = harness.submit("{\"model\":\"" + FLASH + "\",\"payload\":{\"prompt\":\"x\",}}");
        assertEquals("the request body is not valid JSON: unexpected character '}' where a field name in double"
                + " quotes was expected at line 1, column 59", json.message());
        harness.assertNothingPersisted("refused requests");
    }
}
