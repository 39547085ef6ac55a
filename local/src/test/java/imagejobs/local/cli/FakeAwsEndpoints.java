package imagejobs.local.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * STS and SSO as far as the SDK's profile credentials need them, on 127.0.0.1: {@code AssumeRole} and the SSO portal's
 * {@code GetRoleCredentials} answer fixed temporary credentials; DynamoDB requests are passed on to DynamoDB Local
 * unchanged. Every request is recorded with the access key id it was signed with, so a test can tell which credentials
 * each call used. Anything else is answered 400 and recorded as {@code unexpected}.
 */
final class FakeAwsEndpoints implements AutoCloseable {
    static final String ASSUMED_ACCESS_KEY_ID = "ASIAASSUMEDROLE00001";
    static final String ASSUMED_SESSION_TOKEN = "assumed-role-session-token";
    static final String SSO_ACCESS_KEY_ID = "ASIASSOROLECREDS0001";
    static final String SSO_SESSION_TOKEN = "sso-role-session-token";
    private static final Pattern CREDENTIAL = Pattern.compile("Credential=([A-Z0-9]+)/");

    /** One request: which service it was for, the access key id that signed it, its security token, its body. */
    record Call(String service, String method, String uri, String accessKeyId, String securityToken,
                Map<String, List<String>> headers, String body) {
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI dynamoDb;
    private final List<Call> calls = new CopyOnWriteArrayList<>();

    FakeAwsEndpoints(URI dynamoDbLocal) throws IOException {
        this.dynamoDb = dynamoDbLocal;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    List<Call> calls(String service) {
        return calls.stream().filter(c -> c.service().equals(service)).toList();
    }

    List<Call> calls() {
        return List.copyOf(calls);
    }

    void reset() {
        calls.clear();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            Matcher credential = CREDENTIAL.matcher(auth == null ? "" : auth);
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            String path = exchange.getRequestURI().getPath();
            String service = target != null && target.startsWith("DynamoDB_") ? "dynamodb"
                    : body.contains("Action=AssumeRole") ? "sts"
                    : path.equals("/federation/credentials") ? "sso"
                    : "unexpected";
            calls.add(new Call(service, exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                    credential.find() ? credential.group(1) : null,
                    exchange.getRequestHeaders().getFirst("X-Amz-Security-Token"),
                    Map.copyOf(exchange.getRequestHeaders()), body));
            switch (service) {
                case "sts" -> answer(exchange, 200, "text/xml", assumeRoleResponse());
                case "sso" -> answer(exchange, 200, "application/json", """
                        {"roleCredentials":{"accessKeyId":"%s","secretAccessKey":"sso-secret","sessionToken":"%s",\
                        "expiration":%d}}""".formatted(SSO_ACCESS_KEY_ID, SSO_SESSION_TOKEN,
                        Instant.now().plusSeconds(3600).toEpochMilli()));
                case "dynamodb" -> forward(exchange, body, target);
                default -> answer(exchange, 400, "text/plain", "not faked here");
            }
        }
    }

    private static String assumeRoleResponse() {
        return """
                <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                  <AssumeRoleResult>
                    <AssumedRoleUser>
                      <AssumedRoleId>AROAFAKEROLEID:imagejobs-cli</AssumedRoleId>
                      <Arn>arn:aws:sts::000000000000:assumed-role/imagejobs-admin/imagejobs-cli</Arn>
                    </AssumedRoleUser>
                    <Credentials>
                      <AccessKeyId>%s</AccessKeyId>
                      <SecretAccessKey>assumed-role-secret</SecretAccessKey>
                      <SessionToken>%s</SessionToken>
                      <Expiration>%s</Expiration>
                    </Credentials>
                  </AssumeRoleResult>
                  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
                </AssumeRoleResponse>
                """.formatted(ASSUMED_ACCESS_KEY_ID, ASSUMED_SESSION_TOKEN, Instant.now().plusSeconds(3600));
    }

    /** DynamoDB Local checks no signatures, so the request goes on as it came (less the hop's own headers). */
    private void forward(HttpExchange exchange, String body, String target) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(dynamoDb).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        request.header("X-Amz-Target", target);
        for (String name : List.of("Content-Type", "Authorization", "X-Amz-Date", "X-Amz-Security-Token")) {
            String value = exchange.getRequestHeaders().getFirst(name);
            if (value != null) {
                request.header(name, value);
            }
        }
        try {
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            response.headers().map().forEach((name, values) -> {
                if (!name.equalsIgnoreCase("content-length") && !name.equalsIgnoreCase("transfer-encoding")
                        && !name.equalsIgnoreCase("connection") && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, values);
                }
            });
            exchange.sendResponseHeaders(response.statusCode(), response.body().length == 0 ? -1
                    : response.body().length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(response.body());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            answer(exchange, 500, "text/plain", "interrupted");
        }
    }

    private static void answer(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
