package imagejobs.adapters.gemini;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.json.Json;
import imagejobs.adapters.net.NetworkFailures;
import imagejobs.shared.gemini.GeminiClient;
import imagejobs.shared.gemini.GeminiException;
import imagejobs.shared.gemini.GeminiResponse;

/**
 * {@code POST {base}/v1beta/models/{model}:generateContent}. The key goes in {@code x-goog-api-key} (Google) or
 * {@code Authorization: Bearer} (resellers); it is never logged and never part of an error message.
 */
public final class HttpGeminiClient implements GeminiClient {
    public static final String AUTH_GOOGLE = "x-goog-api-key";
    public static final String AUTH_BEARER = "bearer";
    private static final int MAX_ERROR_BODY = 64 * 1024;

    /**
     * The request timeout of java.net.http stops at the response headers; a body that stalls halfway (a 4K image
     * is tens of MB) would hang until Lambda kills us. This closes the body stream at the deadline instead.
     */
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "gemini-body-deadline");
        thread.setDaemon(true);
        return thread;
    });

    private final HttpClient http;
    private final String baseUrl;
    private final String authStyle;
    private final Supplier<String> apiKey;

    public HttpGeminiClient(HttpClient http, String baseUrl, String authStyle, Supplier<String> apiKey) {
        String style = authStyle == null ? AUTH_GOOGLE : authStyle.toLowerCase(Locale.ROOT);
        if (!style.equals(AUTH_GOOGLE) && !style.equals(AUTH_BEARER)) {
            throw new IllegalArgumentException("GEMINI_AUTH_STYLE must be " + AUTH_GOOGLE + " or " + AUTH_BEARER
                    + ", got '" + authStyle + "'");
        }
        this.http = http;
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.authStyle = style;
        this.apiKey = apiKey;
    }

    public static HttpClient defaultHttpClient() {
        return HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * Calls Gemini once; images in the answer are streamed into files under {@code workDir}.
     *
     * @param timeout for the whole exchange, body included
     */
    @Override
    public GeminiResponse generate(String upstreamModel, byte[] body, Duration timeout, Path workDir)
            throws GeminiException {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create(baseUrl + "/v1beta/models/" + upstreamModel + ":generateContent"))
                .timeout(timeout)
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        String key = apiKey.get();
        if (key != null && !key.isEmpty()) {
            if (AUTH_BEARER.equals(authStyle)) {
                request.header("authorization", "Bearer " + key);
            } else {
                request.header("x-goog-api-key", key);
            }
        }
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpConnectTimeoutException e) {
            throw new GeminiException(GeminiException.Kind.CONNECTION, 0, "Gemini did not accept the connection in time", null);
        } catch (HttpTimeoutException e) {
            throw new GeminiException(GeminiException.Kind.TIMEOUT, 0,
                    "Gemini did not answer within " + timeout.toSeconds() + " s", null);
        } catch (IOException e) {
            // The HTTP stack's exception says what failed in its own terms (and may name the URL): the client gets
            // ours, the worker's log the exception's type.
            throw new GeminiException(GeminiException.Kind.CONNECTION, 0,
                    "Gemini " + NetworkFailures.describe(e, "before answering"), null, e.getClass().getName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GeminiException(GeminiException.Kind.TIMEOUT, 0, "the worker was stopped while waiting for Gemini",
                    null);
        }
        InputStream in = response.body();
        AtomicBoolean expired = new AtomicBoolean();
        long left = Math.max(1, deadline - System.nanoTime());
        ScheduledFuture<?> guard = WATCHDOG.schedule(() -> {
            expired.set(true);
            closeQuietly(in);
        }, left, TimeUnit.NANOSECONDS);
        try (in) {
            if (response.statusCode() == 200) {
                try {
                    return new GeminiResponseReader(workDir).read(in);
                } catch (IOException e) {
                    if (expired.get()) {
                        throw timeoutInBody(timeout);
                    }
                    throw new GeminiException(GeminiException.Kind.MALFORMED_RESPONSE, 200,
                            "Gemini's answer could not be read: it was truncated or is not the JSON Gemini sends",
                            null, e.getClass().getName());
                }
            }
            byte[] errorBody = in.readNBytes(MAX_ERROR_BODY);
            throw GeminiErrors.fromResponse(response.statusCode(), errorBody,
                    response.headers().firstValue("retry-after").orElse(null), upstreamModel);
        } catch (IOException e) {
            if (expired.get()) {
                throw timeoutInBody(timeout);
            }
            throw new GeminiException(GeminiException.Kind.CONNECTION, response.statusCode(),
                    "Gemini " + NetworkFailures.describe(e, "while sending its answer"), null, e.getClass().getName());
        } finally {
            guard.cancel(false);
        }
    }

    private static GeminiException timeoutInBody(Duration timeout) {
        return new GeminiException(GeminiException.Kind.TIMEOUT, 200,
                "Gemini's answer did not arrive within " + timeout.toSeconds() + " s", null);
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // closing is how the read gets unblocked; nothing else to do
        }
    }

    /** Parses an error body; null when it is not JSON (a proxy's HTML page). */
    static JsonNode parseQuietly(byte[] body) {
        try {
            return body == null || body.length == 0 ? null : Json.MAPPER.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }
}
