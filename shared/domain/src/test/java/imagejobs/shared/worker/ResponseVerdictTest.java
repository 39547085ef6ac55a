package imagejobs.shared.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.gemini.GeminiException;
import imagejobs.shared.gemini.GeminiResponse;
import imagejobs.shared.jobs.JobError;
import imagejobs.shared.json.Json;

class ResponseVerdictTest {
    private static final ObjectNode REQUEST = (ObjectNode) Json.parse("{\"contents\":[]}");
    private static final GeminiResponse.Part IMAGE = new GeminiResponse.Part(null, Path.of("0.bin"), "image/png", 10,
            null, false);
    private static final GeminiResponse.Part TEXT = new GeminiResponse.Part("I can't draw that.", null, null, 0, null,
            false);

    private static GeminiResponse response(String finish, String block, GeminiResponse.Part... parts) {
        return new GeminiResponse(List.of(parts), finish, finish == null ? null : "detail", block, null, null, null,
                null, 1);
    }

    @ParameterizedTest
    @CsvSource({
            "SAFETY, SAFETY_BLOCKED",
            "IMAGE_SAFETY, SAFETY_BLOCKED",
            "PROHIBITED_CONTENT, SAFETY_BLOCKED",
            "IMAGE_PROHIBITED_CONTENT, SAFETY_BLOCKED",
            "BLOCKLIST, SAFETY_BLOCKED",
            "SPII, SAFETY_BLOCKED",
            "RECITATION, RECITATION",
            "IMAGE_RECITATION, RECITATION",
            "NO_IMAGE, NO_IMAGE",
            "IMAGE_OTHER, NO_IMAGE",
            "LANGUAGE, UPSTREAM_ERROR",
            "OTHER, UPSTREAM_ERROR",
            "MALFORMED_FUNCTION_CALL, UPSTREAM_ERROR",
            "UNEXPECTED_TOOL_CALL, UPSTREAM_ERROR",
            "TOO_MANY_TOOL_CALLS, UPSTREAM_ERROR",
            "MISSING_THOUGHT_SIGNATURE, UPSTREAM_ERROR",
            "MALFORMED_RESPONSE, UPSTREAM_ERROR",
            "SOMETHING_NEW, UPSTREAM_ERROR"})
    void everyRefusingFinishReason(String finish, String code) {
        // Even with an image attached, these finish reasons are not a result.
        Optional<JobError> error = ResponseVerdict.refusal(response(finish, null, IMAGE, TEXT), REQUEST);
        assertTrue(error.isPresent(), finish);
        assertEquals(code, error.get().code());
        assertTrue(error.get().message().contains(finish));
        assertTrue(error.get().message().contains("detail"), "finishMessage is kept");
        assertFalse(error.get().retryable());
    }

    @ParameterizedTest
    @CsvSource({"STOP", "MAX_TOKENS", "FINISH_REASON_UNSPECIFIED"})
    void completingFinishReasonsWithAnImageAreResults(String finish) {
        assertEquals(Optional.empty(), ResponseVerdict.refusal(response(finish, null, TEXT, IMAGE), REQUEST));
    }

    @Test
    void noFinishReasonWithAnImageIsAResult() {
        assertEquals(Optional.empty(), ResponseVerdict.refusal(response(null, null, IMAGE), REQUEST));
    }

    @Test
    void stopWithOnlyTextIsNoImageWithGeminisWords() {
        JobError error = ResponseVerdict.refusal(response("STOP", null, TEXT), REQUEST).orElseThrow();
        assertEquals("NO_IMAGE", error.code());
        assertTrue(error.message().contains("I can't draw that."));
    }

    @Test
    void imagesAreLookedForInEveryPart() {
        assertEquals(Optional.empty(), ResponseVerdict.refusal(response("STOP", null, TEXT, TEXT, IMAGE), REQUEST));
    }

    @Test
    void aThoughtImageIsNotAResult() {
        GeminiResponse.Part draft = new GeminiResponse.Part(null, Path.of("d.bin"), "image/png", 1, null, true);
        assertEquals("NO_IMAGE", ResponseVerdict.refusal(response("STOP", null, draft, TEXT), REQUEST)
                .orElseThrow().code());
    }

    @Test
    void maxTokensWithoutImage() {
        JobError error = ResponseVerdict.refusal(response("MAX_TOKENS", null, TEXT), REQUEST).orElseThrow();
        assertEquals("NO_IMAGE", error.code());
        assertTrue(error.message().contains("token limit"));
    }

    @ParameterizedTest
    @CsvSource({"SAFETY", "OTHER", "BLOCKLIST", "PROHIBITED_CONTENT", "IMAGE_SAFETY", "BLOCK_REASON_UNSPECIFIED"})
    void anyBlockReasonIsSafetyBlocked(String block) {
        GeminiResponse blocked = new GeminiResponse(List.of(), null, null, block, "why", null, null, null, 0);
        JobError error = ResponseVerdict.refusal(blocked, REQUEST).orElseThrow();
        assertEquals("SAFETY_BLOCKED", error.code());
        assertTrue(error.message().contains(block) && error.message().contains("why"));
    }

    @Test
    void noCandidateAtAll() {
        GeminiResponse empty = new GeminiResponse(List.of(), null, null, null, null, null, null, null, 0);
        assertEquals("NO_IMAGE", ResponseVerdict.refusal(empty, REQUEST).orElseThrow().code());
    }

    @Test
    void textOnlyRequestsNeedNoImage() {
        ObjectNode textOnly = (ObjectNode) Json.parse("{\"generationConfig\":{\"responseModalities\":[\"TEXT\"]}}");
        assertEquals(Optional.empty(), ResponseVerdict.refusal(response("STOP", null, TEXT), textOnly));
        ObjectNode snake = (ObjectNode) Json.parse("{\"generation_config\":{\"response_modalities\":[\"text\"]}}");
        assertEquals(Optional.empty(), ResponseVerdict.refusal(response("STOP", null, TEXT), snake));
        ObjectNode both = (ObjectNode) Json.parse("{\"generationConfig\":{\"responseModalities\":[\"TEXT\",\"image\"]}}");
        assertTrue(ResponseVerdict.refusal(response("STOP", null, TEXT), both).isPresent());
    }

    @ParameterizedTest
    @EnumSource(GeminiException.Kind.class)
    void everyKindHasACode(GeminiException.Kind kind) {
        String code = ResponseVerdict.code(kind);
        List<String> expected = new ArrayList<>(List.of("RATE_LIMITED", "UPSTREAM_UNAVAILABLE", "TIMEOUT",
                "INVALID_REQUEST", "UPSTREAM_AUTH", "MODEL_UNAVAILABLE", "UPSTREAM_ERROR"));
        assertTrue(expected.contains(code), code);
    }

    @Test
    void kindCodes() {
        assertEquals("RATE_LIMITED", ResponseVerdict.code(GeminiException.Kind.RATE_LIMITED));
        assertEquals("UPSTREAM_UNAVAILABLE", ResponseVerdict.code(GeminiException.Kind.UNAVAILABLE));
        assertEquals("UPSTREAM_UNAVAILABLE", ResponseVerdict.code(GeminiException.Kind.CONNECTION));
        assertEquals("UPSTREAM_UNAVAILABLE", ResponseVerdict.code(GeminiException.Kind.MALFORMED_RESPONSE));
        assertEquals("TIMEOUT", ResponseVerdict.code(GeminiException.Kind.TIMEOUT));
        assertEquals("INVALID_REQUEST", ResponseVerdict.code(GeminiException.Kind.INVALID_REQUEST));
        assertEquals("UPSTREAM_AUTH", ResponseVerdict.code(GeminiException.Kind.AUTH));
        assertEquals("MODEL_UNAVAILABLE", ResponseVerdict.code(GeminiException.Kind.MODEL_NOT_FOUND));
        assertEquals("UPSTREAM_ERROR", ResponseVerdict.code(GeminiException.Kind.UPSTREAM_ERROR));
    }
}
