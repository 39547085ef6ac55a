package imagejobs.shared.google;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import imagejobs.shared.json.Json;

class SseEventsTest {

    @Test
    void eachResponseIsOneDataLineEndedByABlankLine() {
        byte[] body = SseEvents.body(List.of(Json.object().put("responseId", "a"),
                Json.object().put("text", "two\nlines")));

        assertEquals("data: {\"responseId\":\"a\"}\r\n\r\ndata: {\"text\":\"two\\nlines\"}\r\n\r\n",
                new String(body, StandardCharsets.UTF_8));
    }

    @Test
    void anErrorEventIsGooglesErrorBody() {
        GoogleError error = GoogleErrorBody.builder(503, "try again").build();

        assertEquals("data: {\"error\":{\"code\":503,\"message\":\"try again\",\"status\":\"UNAVAILABLE\"}}\r\n\r\n",
                new String(SseEvents.error(error), StandardCharsets.UTF_8));
    }
}
