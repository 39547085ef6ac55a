package imagejobs.benchharness;

import java.io.IOException;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * Event JSON to the handler's input type and its output back to JSON, with the function jar's own Jackson. Lambda's
 * runtime does this with its serialization library, outside the function's jar; Jackson with case-insensitive
 * properties reads the same files for API Gateway and SQS events, and {@link S3Events} builds S3 events, whose
 * classes have no default constructors.
 */
final class Events {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES, true)
            .configure(SerializationFeature.FAIL_ON_EMPTY_BEANS, false)
            .build();

    private Events() {
    }

    static Object read(String json, Class<?> type) throws IOException {
        if (type.getName().equals("com.amazonaws.services.lambda.runtime.events.S3Event")) {
            return S3Events.read(MAPPER.readTree(json));
        }
        if (type == String.class || type == Object.class) {
            return json;
        }
        return MAPPER.readValue(json, type);
    }

    static String write(Object output) throws IOException {
        return output instanceof String s ? s : MAPPER.writeValueAsString(output);
    }
}
