package imagejobs.shared.google;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a Google-shaped route answers: a 200 with a body, or a {@link GoogleError}. Google's Python SDK takes only
 * 200 as success (201 and 202 raise), so every success here is a 200.
 */
public sealed interface GoogleReply {

    int httpStatus();

    ObjectNode body();

    static GoogleReply ok(ObjectNode body) {
        return new Ok(body);
    }

    static GoogleReply error(GoogleError error) {
        return new Failed(error);
    }

    record Ok(ObjectNode body) implements GoogleReply {
        @Override
        public int httpStatus() {
            return 200;
        }
    }

    record Failed(GoogleError error) implements GoogleReply {
        @Override
        public int httpStatus() {
            return error.httpStatus();
        }

        @Override
        public ObjectNode body() {
            return error.body();
        }
    }
}
