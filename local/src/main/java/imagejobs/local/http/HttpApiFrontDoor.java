package imagejobs.local.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import imagejobs.local.emulators.Ports;
import imagejobs.local.http.RouteTable.RouteMatch;
import imagejobs.local.runtime.InvocationResult;
import imagejobs.local.runtime.LocalFunction;
import imagejobs.shared.json.Json;

/**
 * The API Gateway HTTP API of the local stack: routes each request to the function the template names, with a
 * payload format 2.0 event, and answers with what the function returned, or with API Gateway's own answers: 404
 * {@code {"message":"Not Found"}} without a route, 400 for a body that ends early or is badly chunked, 413 over 10 MB,
 * 429 {@code {"message":"Too Many Requests"}} past the route's stage throttling (the template's
 * {@code DefaultRouteSettings}/{@code RouteSettings}), 500 on a function error or timeout, 503 when the
 * integration ran past API Gateway's 30-second limit. Every response carries an {@code apigw-requestid} header.
 */
public final class HttpApiFrontDoor implements AutoCloseable {
    /** HTTP API's payload limit. */
    public static final int MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
    /** Past this much, an oversized upload is cut off instead of read to its end. */
    private static final long DRAIN_LIMIT = 256L * 1024 * 1024;
    /** HTTP API's maximum integration timeout. */
    public static final Duration INTEGRATION_TIMEOUT = Duration.ofSeconds(30);

    private final HttpServer server;
    private final ThreadPoolExecutor requestThreads;
    private final ExecutorService integrationThreads;
    private final RouteTable routes;
    private final RouteThrottles throttles;
    private final Map<String, LocalFunction> functions;
    private final HttpApiEventBuilder events;
    private final Duration integrationTimeout;
    private final PrintStream log;
    private final boolean accessLog;

    private HttpApiFrontDoor(HttpServer server, ThreadPoolExecutor requestThreads, ExecutorService integrationThreads,
                             RouteTable routes, Map<String, LocalFunction> functions, HttpApiEventBuilder events,
                             Duration integrationTimeout, PrintStream log, boolean accessLog) {
        this.server = server;
        this.requestThreads = requestThreads;
        this.integrationThreads = integrationThreads;
        this.routes = routes;
        this.throttles = new RouteThrottles(routes);
        this.functions = Map.copyOf(functions);
        this.events = events;
        this.integrationTimeout = integrationTimeout;
        this.log = log;
        this.accessLog = accessLog;
    }

    /**
     * @param functions   logical id → function, for every function a route names
     * @param threads     concurrent requests served (the rest queue in the accept backlog)
     * @param accessLog   one line per request on {@code log} (method, path, status, time)
     */
    public static HttpApiFrontDoor start(int port, RouteTable routes, Map<String, LocalFunction> functions,
                                         HttpApiEventBuilder events, int threads, Duration integrationTimeout,
                                         PrintStream log, boolean accessLog) throws IOException {
        return start(port, "IMAGEJOBS_API_PORT", routes, functions, events, threads, integrationTimeout, log,
                accessLog);
    }

    /**
     * A Lambda function URL's front door: every path and method to one function, with payload format 2.0 events
     * whose route key is {@code $default} (as function URLs send), cut only at the function's own timeout.
     */
    public static HttpApiFrontDoor startFunctionUrl(int port, String portVariable, LocalFunction function,
                                                    HttpApiEventBuilder events, int threads, Duration timeout,
                                                    PrintStream log, boolean accessLog) throws IOException {
        RouteTable routes = new RouteTable(java.util.List.of(
                RouteTable.Route.of("ANY", RouteTable.DEFAULT_ROUTE, function.name())));
        return start(port, portVariable, routes, Map.of(function.name(), function), events, threads, timeout, log,
                accessLog);
    }

    private static HttpApiFrontDoor start(int port, String portVariable, RouteTable routes,
                                          Map<String, LocalFunction> functions, HttpApiEventBuilder events,
                                          int threads, Duration integrationTimeout, PrintStream log,
                                          boolean accessLog) throws IOException {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(Ports.LOOPBACK), port), 256);
        } catch (java.net.BindException e) {
            throw new Ports.PortInUseException(port, portVariable);
        }
        ThreadPoolExecutor requestThreads = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), named("apigw-request"));
        requestThreads.allowCoreThreadTimeOut(true);
        ThreadPoolExecutor integrationThreads = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), named("apigw-integration"));
        integrationThreads.allowCoreThreadTimeOut(true);
        HttpApiFrontDoor door = new HttpApiFrontDoor(server, requestThreads, integrationThreads, routes, functions,
                events, integrationTimeout, log, accessLog);
        server.createContext("/", door::handle);
        server.setExecutor(requestThreads);
        server.start();
        return door;
    }

    private static java.util.concurrent.ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public URI baseUrl() {
        return URI.create("http://" + Ports.LOOPBACK + ":" + port());
    }

    public RouteTable routes() {
        return routes;
    }

    private void handle(HttpExchange exchange) {
        long started = System.nanoTime();
        String requestId = HttpApiEventBuilder.newRequestId();
        HttpApiResponse response;
        try {
            response = respond(exchange, requestId);
        } catch (RuntimeException | IOException e) {
            log.println("[api] " + requestId + " " + e);
            response = HttpApiResponse.internalError();
        }
        if (accessLog) {
            log.println("[api] " + exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath() + " "
                    + response.statusCode() + " " + (System.nanoTime() - started) / 1_000_000 + " ms " + requestId);
        }
        try {
            send(exchange, requestId, response);
        } catch (IOException e) {
            // The client went away; nothing to tell it.
        } finally {
            exchange.close();
        }
    }

    private HttpApiResponse respond(HttpExchange exchange, String requestId) throws IOException {
        URI uri = exchange.getRequestURI();
        String rawPath = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String contentLength = exchange.getRequestHeaders().getFirst("Content-Length");
        if (contentLength != null && parseLong(contentLength) > MAX_PAYLOAD_BYTES) {
            drain(exchange.getRequestBody());
            return HttpApiResponse.tooLarge();
        }
        byte[] body;
        try {
            body = readBody(exchange.getRequestBody());
        } catch (IOException e) {
            // A body shorter than its Content-Length, a broken chunk: the client's fault, as API Gateway says.
            return HttpApiResponse.gatewayError(400, "Bad Request");
        }
        if (body == null) {
            drain(exchange.getRequestBody());
            return HttpApiResponse.tooLarge();
        }
        Optional<RouteMatch> match = routes.match(exchange.getRequestMethod(), rawPath);
        if (match.isEmpty()) {
            return HttpApiResponse.notFound();
        }
        if (!throttles.tryAcquire(match.get().route())) {
            return HttpApiResponse.gatewayError(429, "Too Many Requests");
        }
        LocalFunction function = functions.get(match.get().route().functionLogicalId());
        if (function == null) {
            return HttpApiResponse.internalError();
        }
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        exchange.getRequestHeaders().forEach((name, values) -> values.forEach(v -> headers.add(Map.entry(name, v))));
        HttpApiRequest request = new HttpApiRequest(exchange.getRequestMethod(), rawPath, uri.getRawQuery(), headers,
                body, exchange.getRemoteAddress().getAddress().getHostAddress(), exchange.getProtocol(),
                exchange.getRequestHeaders().getFirst("Host"));
        String event = Json.write(events.build(request, match.get(), requestId, Instant.now(), port()));

        Future<InvocationResult> invocation = integrationThreads.submit(() -> function.invokeWithResult(event));
        InvocationResult result;
        try {
            result = invocation.get(integrationTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.println("[api] " + requestId + " " + function.name() + " ran past the " + integrationTimeout.toSeconds()
                    + " s integration timeout");
            return HttpApiResponse.serviceUnavailable();
        } catch (ExecutionException e) {
            log.println("[api] " + requestId + " " + e.getCause());
            return HttpApiResponse.internalError();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return HttpApiResponse.serviceUnavailable();
        }
        if (result.functionError()) {
            return HttpApiResponse.internalError();
        }
        return HttpApiResponse.fromLambdaPayload(result.payload());
    }

    /** The body, or null when it is over the payload limit (chunked uploads have no Content-Length to check). */
    private static byte[] readBody(InputStream in) throws IOException {
        byte[] data = in.readNBytes(MAX_PAYLOAD_BYTES + 1);
        return data.length > MAX_PAYLOAD_BYTES ? null : data;
    }

    /**
     * Reads and drops the rest of an oversized upload (bounded), so the client gets its 413 instead of a reset
     * connection while it is still sending.
     */
    private static void drain(InputStream in) throws IOException {
        long left = DRAIN_LIMIT;
        byte[] buffer = new byte[64 * 1024];
        int n;
        while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0) {
            left -= n;
        }
    }

    private static long parseLong(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void send(HttpExchange exchange, String requestId, HttpApiResponse response) throws IOException {
        response.headers().forEach(h -> exchange.getResponseHeaders().add(h.getKey(), h.getValue()));
        exchange.getResponseHeaders().set("apigw-requestid", requestId);
        boolean noBody = exchange.getRequestMethod().equalsIgnoreCase("HEAD") || response.statusCode() == 204
                || response.statusCode() == 304 || response.body().length == 0;
        exchange.sendResponseHeaders(response.statusCode(), noBody ? -1 : response.body().length);
        if (!noBody) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(response.body());
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        requestThreads.shutdownNow();
        integrationThreads.shutdownNow();
        try {
            requestThreads.awaitTermination(2, TimeUnit.SECONDS);
            integrationThreads.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
