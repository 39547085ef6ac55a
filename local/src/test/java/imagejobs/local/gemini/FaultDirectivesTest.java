package imagejobs.local.gemini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FaultDirectivesTest {
    @Test
    void plainPromptsHaveNone() {
        assertSame(FaultDirectives.NONE, FaultDirectives.parse("a cat on a sofa"));
        assertSame(FaultDirectives.NONE, FaultDirectives.parse(null));
    }

    @Test
    void directivesCombineAnywhereInTheText() {
        FaultDirectives d = FaultDirectives.parse("[sim:delay=250] a cat\n[SIM:status=429] and [sim:retry-after=9]"
                + " [sim:slow-body=100][sim:images=2][sim:noise][sim:malformed]");

        assertEquals(250, d.delayMillis());
        assertEquals(429, d.status());
        assertEquals(9, d.retryAfterSeconds());
        assertEquals(100, d.slowBodyMillis());
        assertEquals(2, d.images());
        assertTrue(d.noise());
        assertTrue(d.malformed());
        assertFalse(d.hang());
    }

    @Test
    void reasonsAreUpperCased() {
        FaultDirectives d = FaultDirectives.parse("[sim:finish=image_safety] [sim:block=Safety] [sim:fail-times=3]");

        assertEquals("IMAGE_SAFETY", d.finishReason());
        assertEquals("SAFETY", d.blockReason());
        assertEquals(3, d.failTimes());
        assertNull(d.status());
    }

    @ParameterizedTest
    @ValueSource(strings = {"[sim:status=200]", "[sim:status=abc]", "[sim:delay=-1]", "[sim:images=0]",
            "[sim:images=11]", "[sim:hang=yes]", "[sim:finish=]", "[sim:finish=no way]", "[sim:whatever]", "[sim:]"})
    void badDirectivesAreRefused(String marker) {
        GeminiError error = assertThrows(GeminiError.class, () -> FaultDirectives.parse("x " + marker));

        assertEquals(400, error.httpStatus());
        assertTrue(error.getMessage().contains(marker), error.getMessage());
    }

    @Test
    void markersAreRemovedFromTheTextTheModelReads() {
        assertEquals("a cat on a sofa", FaultDirectives.withoutMarkers("a cat [sim:delay=5] on a [sim:images=2] sofa"));
    }
}
