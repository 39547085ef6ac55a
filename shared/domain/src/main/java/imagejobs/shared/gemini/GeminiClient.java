package imagejobs.shared.gemini;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Gemini's {@code generateContent}, as the worker needs it: one call, the answer's images streamed into files. The
 * HTTP implementation ({@code imagejobs.adapters.gemini.HttpGeminiClient}) lives with the other adapters.
 */
public interface GeminiClient {

    /**
     * Calls Gemini once; images in the answer are streamed into files under {@code workDir}.
     *
     * @param upstreamModel the model id Gemini knows (the catalog's upstream id)
     * @param body          the request body, JSON
     * @param timeout       for the whole exchange, body included
     */
    GeminiResponse generate(String upstreamModel, byte[] body, Duration timeout, Path workDir) throws GeminiException;
}
