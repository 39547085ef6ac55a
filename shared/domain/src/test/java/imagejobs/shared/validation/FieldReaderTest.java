package imagejobs.shared.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Gemini's two spellings of one field name. */
class FieldReaderTest {

    @ParameterizedTest
    @CsvSource({"generation_config, generationConfig", "generationConfig, generationConfig",
            "thought_signature, thoughtSignature", "mime_type, mimeType", "text, text",
            "_responseJsonSchema, _responseJsonSchema", "aspect__ratio, aspect__ratio", "aspect_ratio_, aspect_ratio_",
            "image_config, imageConfig", "file_uri, fileUri"})
    void camelCase(String given, String canonical) {
        assertEquals(canonical, FieldReader.camel(given));
    }
}
