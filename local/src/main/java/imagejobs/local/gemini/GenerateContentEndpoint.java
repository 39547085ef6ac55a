package imagejobs.local.gemini;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.catalog.ModelSpec;
import imagejobs.shared.json.Json;

/**
 * {@code POST /v1beta/models/{model}:generateContent} (and the same under {@code /v1}): logs the request, then answers in Gemini's order
 * (API key, model, quota, body), then applies the prompt's fault directives and answers. A call admitted by the
 * quota counts as in flight until its answer is written or its connection dropped.
 */
final class GenerateContentEndpoint implements HttpHandler {
    // Google serves the same models under both API versions; SDKs pick either (HttpOptions.apiVersion).
    private static final Pattern PATH = Pattern.compile("/(v1beta|v1)/models/([^/:]+):([A-Za-z]+)");
    /**
     * The quota admission of each call in flight, by exchange. Not an exchange attribute: the JDK's HttpServer keeps
     * those in the context, shared by every exchange (checked on JDK 17: a second request sees the first one's), so
     * concurrent calls overwrote each other's admission and in-flight counts leaked.
     */
    private final Map<HttpExchange, QuotaMeter.Admission> admissions = new java.util.concurrent.ConcurrentHashMap<>();

    private final Map<String, ModelSpec> byUpstreamId = new HashMap<>();
    private final ApiKeyCheck apiKeys;
    private final SimulatedRequestCheck requestCheck;
    private final SimulatedAnswers answers;
    private final RequestLog log;
    private final PromptFailures failures;
    private final HungRequests hung;
    private final ScheduledExecutorService timer;
    private final Executor workers;
    private final long maxRequestBytes;
    private final QuotaMeter quotas;
    private final SimLatency latency;

    GenerateContentEndpoint(ModelCatalog catalog, ApiKeyCheck apiKeys, SimulatedRequestCheck requestCheck,
            SimulatedAnswers answers, RequestLog log, PromptFailures failures, HungRequests hung,
            ScheduledExecutorService timer, Executor workers, long maxRequestBytes, QuotaMeter quotas,
            SimLatency latency) {
        catalog.all().forEach(spec -> byUpstreamId.putIfAbsent(spec.upstreamModel(), spec));
        this.apiKeys = apiKeys;
        this.requestCheck = requestCheck;
        this.answers = answers;
        this.log = log;
        this.failures = failures;
        this.hung = hung;
        this.timer = timer;
        this.workers = workers;
        this.maxRequestBytes = maxRequestBytes;
        this.quotas = quotas;
        this.latency = latency;
    }

    @Override
    public void handle(HttpExchange exchange) {
        try {
            receive(exchange);
        } catch (GeminiError e) {
            sendError(exchange, e, 0);
        } catch (RuntimeException | Error e) {
            failed(exchange, e);
        }
    }

    private void receive(HttpExchange exchange) {
        String receivedAt = Instant.now().toString();
        byte[] body = readBody(exchange);
        JsonNode json = parse(body);
        String path = exchange.getRequestURI().getPath();
        String query = exchange.getRequestURI().getRawQuery();
        log.record(exchange.getRequestMethod(), path, query, exchange.getRequestHeaders(), json,
                body == null ? 0 : body.length, receivedAt);
        if (body == null) {
            throw GeminiError.invalidArgument("Request payload size exceeds the limit: " + maxRequestBytes
                    + " bytes.");
        }
        Matcher route = PATH.matcher(path);
        if (!route.matches()) {
            throw new GeminiError(404, "NOT_FOUND", "Method not found.");
        }
        apiKeys.check(exchange.getRequestHeaders(), query);
        ModelSpec model = byUpstreamId.get(route.group(2));
        if (model == null) {
            throw GeminiError.modelNotFound(route.group(1), route.group(2));
        }
        if (!route.group(3).equals("generateContent") || !exchange.getRequestMethod().equals("POST")) {
            throw new GeminiError(404, "NOT_FOUND", "Method not found.");
        }
        // Gemini's quota is checked before the body is: a call over quota is refused whatever it asks.
        QuotaMeter.Admission admission = quotas.admit(model.upstreamModel());
        admissions.put(exchange, admission);
        if (json == null) {
            throw GeminiError.badField(null, "Invalid JSON payload received. Unexpected token.");
        }
        SimulatedRequest request = requestCheck.check(model, json);
        FaultDirectives faults = FaultDirectives.parse(request.lastUserText());
        // A prompt's [sim:delay] wins over the configured latency (tests ask for exact delays).
        long delayMillis = faults.delayMillis() > 0 ? faults.delayMillis() : latency.draw(model.upstreamModel());
        if (delayMillis > 0) {
            admission.expectEndIn(delayMillis);
            // Waiting on a timer rather than in this thread: delayed calls must not use up the request threads.
            try {
                timer.schedule(() -> resume(exchange, request, faults), delayMillis, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                drop(exchange); // closing down
            }
            return;
        }
        answer(exchange, request, faults);
    }

    private void resume(HttpExchange exchange, SimulatedRequest request, FaultDirectives faults) {
        try {
            workers.execute(() -> {
                try {
                    answer(exchange, request, faults);
                } catch (GeminiError e) {
                    sendError(exchange, e, 0);
                } catch (RuntimeException | Error e) {
                    failed(exchange, e);
                }
            });
        } catch (RejectedExecutionException e) {
            drop(exchange); // closing down
        }
    }

    private void answer(HttpExchange exchange, SimulatedRequest request, FaultDirectives faults) {
        if (faults.hang()) {
            hung.park(exchange, () -> drop(exchange));
            return;
        }
        String model = request.model().upstreamModel();
        if (faults.failTimes() > 0 && failures.shouldFail(request.lastUserText(), faults.failTimes())) {
            sendError(exchange, FaultErrors.forStatus(503, faults.retryAfterSeconds(), model),
                    faults.slowBodyMillis());
            return;
        }
        if (faults.status() != null) {
            if (faults.status() == 429) {
                quotas.answered429(model);
            }
            sendError(exchange, FaultErrors.forStatus(faults.status(), faults.retryAfterSeconds(), model),
                    faults.slowBodyMillis());
            return;
        }
        ObjectNode answer;
        if (faults.blockReason() != null) {
            answer = answers.blocked(request, faults.blockReason());
        } else if (faults.finishReason() != null) {
            answer = answers.finished(request, faults.finishReason());
        } else if (faults.noImage()) {
            answer = answers.refusal(request);
        } else if (!request.wantImage()) {
            answer = answers.textOnly(request);
        } else {
            answer = answers.generated(request, faults.images(), faults.noise());
        }
        byte[] bytes = Json.bytes(answer);
        if (faults.malformed()) {
            // Half a JSON object never parses: the closing braces are gone whatever the cut lands on.
            bytes = Arrays.copyOf(bytes, bytes.length / 2);
        }
        send(exchange, 200, bytes, Map.of(), faults.slowBodyMillis());
    }

    private void sendError(HttpExchange exchange, GeminiError error, long spreadMillis) {
        send(exchange, error.httpStatus(), Json.bytes(error.toJson()), error.headers(), spreadMillis);
    }

    private void failed(HttpExchange exchange, Throwable e) {
        System.err.println("gemini simulator: unexpected failure answering " + exchange.getRequestURI());
        e.printStackTrace();
        sendError(exchange, new GeminiError(500, "INTERNAL", "Simulator failure: " + e), 0);
    }

    private void send(HttpExchange exchange, int status, byte[] body, Map<String, String> headers,
            long spreadMillis) {
        try {
            ResponseWriter.send(exchange, status, body, headers, spreadMillis);
        } catch (IOException e) {
            // The client went away (timeouts in tests do that on purpose); nothing left to answer.
        } finally {
            endAdmission(exchange);
        }
    }

    /** Drops the connection without an answer; the call no longer counts as in flight. */
    private void drop(HttpExchange exchange) {
        try {
            exchange.close();
        } finally {
            endAdmission(exchange);
        }
    }

    private void endAdmission(HttpExchange exchange) {
        QuotaMeter.Admission admission = admissions.remove(exchange);
        if (admission != null) {
            admission.close();
        }
    }

    /** The body, or null when it is larger than Gemini's request limit (the rest is not read). */
    private byte[] readBody(HttpExchange exchange) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = exchange.getRequestBody()) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                out.write(buffer, 0, n);
                if (out.size() > maxRequestBytes) {
                    return null;
                }
            }
        } catch (IOException e) {
            throw GeminiError.invalidArgument("Could not read the request body: " + e.getMessage());
        }
        return out.toByteArray();
    }

    private static JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }
}
