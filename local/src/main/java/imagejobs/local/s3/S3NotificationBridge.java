package imagejobs.local.s3;

import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.local.runtime.InvocationResult;
import imagejobs.local.runtime.LocalFunction;
import imagejobs.local.template.FunctionDefinition;
import imagejobs.shared.json.Json;

/**
 * S3 event notifications for the local stack, as S3 and Lambda deliver them: every object stored through S3Proxy is
 * matched against the template's {@code S3} event sources (bucket, {@code s3:ObjectCreated:*} patterns,
 * prefix/suffix rules); a match invokes the function asynchronously with an S3 event (notification version 2.1, key
 * URL-encoded with spaces as {@code +}), and a failed invocation is retried twice, as Lambda's asynchronous
 * invocation does (after 1 s and 2 s here instead of 1 and 2 minutes).
 */
public final class S3NotificationBridge implements S3ObjectListener, AutoCloseable {
    static final long[] RETRY_DELAYS_MILLIS = {1000, 2000};

    private record Target(FunctionDefinition.S3EventSource source, LocalFunction function) {
    }

    private final List<Target> targets = new ArrayList<>();
    private final String region;
    private final PrintStream log;
    private final ExecutorService invoker;
    private final AtomicLong sequencer = new AtomicLong(System.currentTimeMillis() * 1000);
    private volatile boolean closed;

    public S3NotificationBridge(Map<String, LocalFunction> functions, String region, PrintStream log) {
        this.region = region;
        this.log = log;
        functions.values().forEach(f -> f.definition().s3EventSources().forEach(s -> targets.add(new Target(s, f))));
        this.invoker = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "s3-notify");
            t.setDaemon(true);
            return t;
        });
    }

    public boolean hasTargets() {
        return !targets.isEmpty();
    }

    @Override
    public void objectCreated(S3ObjectCreated event) {
        String sequence = String.format("%016X", sequencer.incrementAndGet());
        for (Target target : targets) {
            if (matches(target.source(), event)) {
                String json = Json.write(event(event, sequence));
                invoker.execute(() -> deliver(target, event, json));
            }
        }
    }

    static boolean matches(FunctionDefinition.S3EventSource source, S3ObjectCreated event) {
        if (source.bucketName() != null && !source.bucketName().equals(event.bucket())) {
            return false;
        }
        boolean eventMatches = source.events().stream().anyMatch(p -> {
            String pattern = p.startsWith("s3:") ? p.substring(3) : p;
            return pattern.endsWith("*") ? event.eventName().startsWith(pattern.substring(0, pattern.length() - 1))
                    : pattern.equals(event.eventName());
        });
        return eventMatches
                && (source.prefix() == null || event.key().startsWith(source.prefix()))
                && (source.suffix() == null || event.key().endsWith(source.suffix()));
    }

    private void deliver(Target target, S3ObjectCreated event, String json) {
        for (int attempt = 0; attempt <= RETRY_DELAYS_MILLIS.length && !closed; attempt++) {
            if (attempt > 0) {
                try {
                    Thread.sleep(RETRY_DELAYS_MILLIS[attempt - 1]);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            InvocationResult result = target.function().invokeWithResult(json);
            if (result.succeeded()) {
                log.println("[s3] " + event.eventName() + " s3://" + event.bucket() + "/" + event.key() + " -> "
                        + target.function().name() + " " + result.payload());
                return;
            }
            log.println("[s3] " + target.function().name() + " failed for s3://" + event.bucket() + "/" + event.key()
                    + " (attempt " + (attempt + 1) + "): " + result.errorType());
        }
    }

    /** The notification S3 sends for one object (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html). */
    ObjectNode event(S3ObjectCreated created, String sequence) {
        ObjectNode record = Json.object()
                .put("eventVersion", "2.1")
                .put("eventSource", "aws:s3")
                .put("awsRegion", region)
                .put("eventTime", Instant.now().toString())
                .put("eventName", created.eventName());
        record.putObject("userIdentity").put("principalId", "AWS:LOCAL");
        record.putObject("requestParameters").put("sourceIPAddress", "127.0.0.1");
        record.putObject("responseElements").put("x-amz-request-id", sequence).put("x-amz-id-2", sequence);
        ObjectNode s3 = record.putObject("s3").put("s3SchemaVersion", "1.0").put("configurationId", "local");
        s3.putObject("bucket").put("name", created.bucket()).put("arn", "arn:aws:s3:::" + created.bucket())
                .putObject("ownerIdentity").put("principalId", "LOCAL");
        ObjectNode object = s3.putObject("object").put("key", encodeKey(created.key())).put("size", created.size());
        if (created.eTag() != null) {
            object.put("eTag", created.eTag().replace("\"", ""));
        }
        object.put("sequencer", sequence);
        ObjectNode event = Json.object();
        event.putArray("Records").add(record);
        return event;
    }

    /** As S3 writes keys into events: form-encoded UTF-8 (space as {@code +}), slashes kept. */
    static String encodeKey(String key) {
        return URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/");
    }

    @Override
    public void close() {
        closed = true;
        invoker.shutdownNow();
        try {
            invoker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
