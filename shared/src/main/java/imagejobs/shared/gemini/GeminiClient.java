package imagejobs.shared.gemini;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.json.Json;

/**
 * {@code POST {base}/v1beta/models/{model}:generateContent}. The key goes in {@code x-goog-api-key} (Google) or
 * {@code Authorization: Bearer} (resellers); it is never logged and never part of an error message.
 */
public final class GeminiClient {
    public static final String AUTH_GOOGLE = "x-goog-api-key";
    public static final String AUTH_BEARER = "bearer";
    private static final int MAX_ERROR_BODY = 64 * 1024;

    private final HttpClient http;
    private final String baseUrl;
    private final String authStyle;
    private final Supplier<String> apiKey;

    public GeminiClient(HttpClient http, String baseUrl, String authStyle, Supplier<String> apiKey) {
        this.http = http;
        this.baseUrl = baseUrl;
        this.authStyle = authStyle;
        this.apiKey = apiKey;
    }

    public static HttpClient defaultHttpClient() {
        return HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** Calls Gemini; images in the answer are streamed into files under {@code workDir}. */
    public GeminiResponse generate(String upstreamModel, byte[] body, Duration timeout, Path workDir)
            throws GeminiException {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create(baseUrl + "/v1beta/models/" + upstreamModel + ":generateContent"))
                .timeout(timeout)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        String key = apiKey.get();
        if (key != null && !key.isEmpty()) {
            if (AUTH_BEARER.equalsIgnoreCase(authStyle)) {
                request.header("authorization", "Bearer " + key);
            } else {
                request.header("x-goog-api-key", key);
            }
        }
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            throw new GeminiException(GeminiException.Kind.TIMEOUT, 0,
                    "Gemini did not answer within " + timeout.toSeconds() + " s", null);
        } catch (ConnectException e) {
            throw new GeminiException(GeminiException.Kind.CONNECTION, 0, "could not connect to Gemini", null);
        } catch (IOException e) {
            throw new GeminiException(GeminiException.Kind.CONNECTION, 0, "connection to Gemini failed: "
                    + e.getClass().getSimpleName(), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GeminiException(GeminiException.Kind.TIMEOUT, 0, "interrupted while waiting for Gemini", null);
        }
        try (InputStream in = response.body()) {
            if (response.statusCode() == 200) {
                try {
                    return new GeminiResponseReader(workDir).read(in);
                } catch (HttpTimeoutException e) {
                    throw new GeminiException(GeminiException.Kind.TIMEOUT, 200,
                            "Gemini's answer did not arrive within " + timeout.toSeconds() + " s", null);
                } catch (IOException e) {
                    throw new GeminiException(GeminiException.Kind.MALFORMED_RESPONSE, 200,
                            "Gemini's answer was truncated or malformed", null);
                }
            }
            byte[] errorBody = in.readNBytes(MAX_ERROR_BODY);
            throw GeminiErrors.fromResponse(response.statusCode(), errorBody,
                    response.headers().firstValue("retry-after").orElse(null), upstreamModel);
        } catch (IOException e) {
            throw new GeminiException(GeminiException.Kind.CONNECTION, response.statusCode(),
                    "reading Gemini's answer failed: " + e.getClass().getSimpleName(), null);
        }
    }

    /** Parses an error body for tests and callers that already hold one. */
    static JsonNode parseQuietly(byte[] body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }
}
