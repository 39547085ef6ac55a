package imagejobs.local.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.local.emulators.Ports;
import imagejobs.local.resources.LocalKey;
import imagejobs.shared.json.Json;
import imagejobs.shared.webhooks.WebhookSecret;

/**
 * {@code ./run-local webhooks listen [--port N] [--secret whsec_…] [--api URL] [--key KEY] [--fail N]}: a local
 * receiver ({@link WebhookListener}) that prints each delivery and checks its signature. The secret is
 * {@code --secret}, or else the tenant's own, fetched the way any client gets it,
 * from {@code GET /v1/webhooks/default/secret} of the running local stack ({@code --api}, default
 * http://127.0.0.1:IMAGEJOBS_API_PORT) with an API key ({@code --key}, default the first of IMAGEJOBS_LOCAL_KEYS, the
 * dev key): so the listener checks exactly what the tenant's receivers would, and it works against a deployed stack
 * too. A secret fetched so is fetched again when a delivery does not verify (a rotation meanwhile).
 */
public final class WebhooksCommand implements Command {
    public static final int DEFAULT_PORT = 3030;
    static final String SECRET_ROUTE = "/v1/webhooks/default/secret";

    private final Map<String, String> env;
    private final PrintStream out;
    private final PrintStream err;

    public WebhooksCommand(Map<String, String> env, PrintStream out, PrintStream err) {
        this.env = env;
        this.out = out;
        this.err = err;
    }

    @Override
    public String name() {
        return "webhooks";
    }

    @Override
    public String usage() {
        return "webhooks listen [--port N] [--secret S] [--api URL] [--key K] [--fail N]   a local receiver: prints each\n"
                + "                                       delivery and checks its signature (port " + DEFAULT_PORT
                + " unless --port)";
    }

    @Override
    public int run(List<String> args) throws Exception {
        Listening listening = start(args);
        if (listening == null) {
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            listening.listener().close();
            out.println();
            out.println("stopped: " + listening.listener().deliveries().size() + " deliveries received");
            out.flush();
            stopped.countDown();
        }, "webhook-listener-shutdown"));
        stopped.await();
        return 0;
    }

    /** A started listener and where its secret came from. */
    public record Listening(WebhookListener listener, String secretFrom) {
    }

    /**
     * Parses the options, gets the secret, starts the listener and prints how to use it; null when it cannot. Public
     * for the end-to-end tests, which run it against the local stack's real secret route.
     */
    public Listening start(List<String> args) throws IOException {
        if (args.isEmpty() || !args.get(0).equals("listen")) {
            throw new UsageException("webhooks: listen is the only action");
        }
        KeysCommand.Options options = KeysCommand.Options.parse(args.subList(1, args.size()));
        if (!options.positional().isEmpty()) {
            throw new UsageException("webhooks listen takes only options, got " + options.positional().get(0));
        }
        int port = number(options.value("--port").orElse(Integer.toString(DEFAULT_PORT)), "--port", 0, 65535);
        int failFirst = number(options.value("--fail").orElse("0"), "--fail", 0, 1000);
        Ports.ensureFree(port, "--port N");

        WebhookListener.Secrets secrets;
        String from;
        String given = options.value("--secret").orElse(null);
        if (given != null) {
            WebhookSecret secret;
            try {
                secret = WebhookSecret.parse(given.trim());
            } catch (IllegalArgumentException e) {
                throw new UsageException("--secret: " + e.getMessage());
            }
            secrets = () -> List.of(secret);
            from = "--secret";
        } else {
            URI api = URI.create(options.value("--api").orElse("http://" + Ports.LOOPBACK + ":"
                    + env.getOrDefault("IMAGEJOBS_API_PORT", "3000")));
            String key = options.value("--key").orElseGet(() -> LocalKey.parse(env.get(LocalKey.KEYS_VARIABLE))
                    .get(0).key());
            URI route = api.resolve(SECRET_ROUTE);
            WebhookSecret first;
            try {
                first = fetch(route, key);
            } catch (FetchFailed e) {
                err.println("run-local webhooks: " + e.getMessage());
                err.println("  pass the secret with --secret whsec_... instead");
                return null;
            }
            secrets = new WebhookListener.Secrets() {
                @Override
                public List<WebhookSecret> current() {
                    return List.of(first);
                }

                @Override
                public List<WebhookSecret> refreshed() {
                    try {
                        return List.of(fetch(route, key));
                    } catch (FetchFailed e) {
                        return null;
                    }
                }
            };
            from = route.toString();
        }
        WebhookListener listener = WebhookListener.start(port, secrets, failFirst, out, Clock.systemUTC());
        out.println("listening for webhook deliveries on " + listener.url() + " (Ctrl-C or SIGTERM stops)");
        out.println("  give it as the webhook of a request:  \"webhook\": \"" + listener.url() + "\"");
        out.println("  (plain http on 127.0.0.1 is taken by the local stack only; a deployed stack sends to public"
                + " https URLs)");
        out.println("  signatures are checked with the secret from " + from);
        if (failFirst > 0) {
            out.println("  the first " + failFirst + " valid deliveries are answered 503 (--fail)");
        }
        out.flush();
        return new Listening(listener, from);
    }

    /** Why the secret could not be fetched, in the user's terms. */
    static final class FetchFailed extends Exception {
        FetchFailed(String message) {
            super(message, null, false, false);
        }
    }

    static WebhookSecret fetch(URI route, String apiKey) throws FetchFailed {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER).build();
        HttpRequest request = HttpRequest.newBuilder(route).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + apiKey).GET().build();
        HttpResponse<String> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new FetchFailed("nothing answers at " + route + ": start the local stack first (./run-local),"
                    + " or point --api at a running one");
        } catch (HttpTimeoutException e) {
            throw new FetchFailed(route + " did not answer in time");
        } catch (IOException e) {
            throw new FetchFailed("could not read the webhook secret from " + route + " (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FetchFailed("interrupted while reading the webhook secret");
        }
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            throw new FetchFailed(route + " refused the API key (HTTP " + response.statusCode() + "): pass --key with"
                    + " a key of the tenant whose deliveries you expect");
        }
        if (response.statusCode() != 200) {
            throw new FetchFailed(route + " answered HTTP " + response.statusCode() + " (a stack without webhook"
                    + " secrets?)");
        }
        try {
            JsonNode body = Json.MAPPER.readTree(response.body());
            return WebhookSecret.parse(body.path("key").asText(null));
        } catch (IOException | IllegalArgumentException e) {
            throw new FetchFailed(route + " answered without a {\"key\":\"whsec_...\"} body");
        }
    }

    private static int number(String value, String option, int min, int max) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n < min || n > max) {
                throw new UsageException(option + " must be from " + min + " to " + max + ", got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException(option + " must be a whole number, got '" + value + "'");
        }
    }
}
