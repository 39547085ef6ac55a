package imagejobs.lambda;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

import imagejobs.adapters.s3.S3ObjectStore;
import imagejobs.adapters.dynamo.DynamoKeyStore;
import imagejobs.adapters.aws.AwsClientConfig;
import imagejobs.adapters.aws.DryRun;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.log.StructuredLog;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Cold-start work done on other threads while the handler is being built, and finished before a SnapStart
 * snapshot.
 *
 * <p>Two kinds of work. {@link #build} makes a slow collaborator (an SDK client: ~0.3-0.5 s of class loading
 * each) on its own thread, so the wiring builds its clients (DynamoDB, SQS or the S3 presigner, S3) and loads the
 * model catalog at the same time. {@link #prime} and the warm-ups run a harmless request through a path the first
 * invocation will take (a GetItem on a key that cannot exist, a validation of a built-in sample, a presigned URL, a
 * {@link DryRun} of a PutObject or GetObject), so its classes are loaded and linked while the invocation is still
 * busy with earlier steps. Priming actions carry no per-request state (fixed inputs, no clocks, no randomness) and a
 * failed one is logged and ignored: it only ever costs the time it took.
 *
 * <p>With SnapStart the constructor runs when a version is published; {@link #beforeCheckpoint} waits for the
 * priming to finish so the snapshot holds everything it loaded. Without SnapStart the same threads overlap the
 * first invocation. {@code PRIME_ON_INIT=false} turns both off (everything is built inline, nothing primed).
 */
public final class Priming implements Resource {
    private static final StructuredLog LOG = StructuredLog.get(Priming.class);
    /** Bounded so a priming call stuck on the network can never hold up a snapshot past Lambda's init limit. */
    static final Duration SNAPSHOT_WAIT = Duration.ofSeconds(8);

    /** The class list's resource path inside each function jar. */
    public static final String CLASS_LIST = "META-INF/imagejobs/preload-classes.txt";

    /** A well-formed key hash that no issued key has (keys are random; finding this one would break SHA-256). */
    static final String PRIMING_KEY_HASH = "f".repeat(64);
    /** What UrlConnectionHttpClient calls itself (the SDK puts it in the user agent). */
    static final String HTTP_CLIENT_NAME = "UrlConnection";
    /** Object keys of the S3 dry runs and the presigning warm-up: no object has them. */
    static final String PRIMING_KEY_SUFFIX = "priming/imagejobs-priming-dry-run";
    /** An ETag no object has: a dry-run write that were ever sent would fail its condition and write nothing. */
    static final String NO_ETAG = "\"imagejobs-priming-dry-run\"";

    private final boolean enabled;
    private final List<CompletableFuture<?>> running = new CopyOnWriteArrayList<>();

    public Priming(boolean enabled) {
        this.enabled = enabled;
        if (enabled) {
            Core.getGlobalContext().register(this);
        }
    }

    public boolean enabled() {
        return enabled;
    }

    /**
     * Starts building a value on its own thread; the returned supplier waits for it (and rethrows what building
     * threw, so a configuration error still fails the cold start). Inline when priming is off.
     */
    public <T> Supplier<T> build(String name, Supplier<T> factory) {
        return build(name, factory, null);
    }

    /**
     * As {@link #build(String, Supplier)}, then, on the same thread and as soon as the value exists, a warm-up with
     * it (skipped when priming is off): the earlier a first request's path is primed, the less of it the first
     * request still finds cold.
     */
    public <T> Supplier<T> build(String name, Supplier<T> factory, Consumer<T> warmUp) {
        if (!enabled) {
            T value = factory.get();
            return () -> value;
        }
        CompletableFuture<T> future = new CompletableFuture<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        start("build-" + name, () -> {
            try {
                T value;
                try {
                    value = factory.get();
                    future.complete(value);
                } catch (Throwable t) {
                    future.completeExceptionally(t);
                    return;
                }
                if (warmUp != null) {
                    warmUp(name, () -> warmUp.accept(value));
                }
            } finally {
                done.complete(null);
            }
        });
        running.add(done);
        return () -> join(future);
    }

    /**
     * The SDK clients' settings, with the HTTP client built on its own thread: its TLS setup (security providers,
     * the trust store) is needed by the first request, not by the SDK client builders.
     */
    public AwsClientConfig clientConfig(Environment env) {
        if (!enabled) {
            return new AwsClientConfig(env);
        }
        Supplier<SdkHttpClient> http = build("http", () -> AwsClientConfig.httpClient(env));
        return new AwsClientConfig(env, new DeferredHttpClient(http, HTTP_CLIENT_NAME));
    }

    /**
     * The DynamoDB client, built on its own thread and primed there with a key lookup that finds nothing: the path
     * every API request takes first (authentication), through the same code.
     */
    public Supplier<DynamoDbClient> dynamoDb(AwsClientConfig aws, String keysTable) {
        return dynamoDb(aws, keysTable, dynamo -> { });
    }

    /** As {@link #dynamoDb(AwsClientConfig, String)}, then {@code more} warm-ups on the same thread. */
    public Supplier<DynamoDbClient> dynamoDb(AwsClientConfig aws, String keysTable, Consumer<DynamoDbClient> more) {
        return build("dynamodb", () -> aws.configure(DynamoDbClient.builder(), "DYNAMODB").build(), dynamo -> {
            new DynamoKeyStore(dynamo, keysTable).findByHash(PRIMING_KEY_HASH);
            more.accept(dynamo);
        });
    }

    /**
     * The S3 client, built on its own thread and primed there with a dry run (marshalled, checksummed and signed,
     * never sent: {@link DryRun}) of the first call the function makes with it: a PutObject of a small body under
     * {@code writePrefix} (submit's input spill) or, with {@code writePrefix} null, a GetObject under
     * {@code readPrefix} (status's conversation read).
     */
    public Supplier<S3Client> s3(AwsClientConfig aws, Settings settings, String readPrefix, String writePrefix) {
        String bucket = settings.imagesBucket();
        // The settings the build reads, read here too: a configuration error fails the cold start, even when the
        // function waits for this client only on first use.
        aws.timeouts("S3", AwsClientConfig.OBJECTS);
        aws.requestChecksumCalculation();
        aws.responseChecksumValidation();
        return build("s3", () -> S3ObjectStore.client(aws, settings, AwsClientConfig.OBJECTS), s3 -> {
            if (writePrefix != null) {
                DryRun.call(s3, () -> s3.putObject(r -> r.bucket(bucket).key(writePrefix + PRIMING_KEY_SUFFIX)
                        .contentType("application/json").ifMatch(NO_ETAG).overrideConfiguration(DryRun::request),
                        RequestBody.fromBytes("{}".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
            } else {
                DryRun.call(s3, () -> s3.getObject(r -> r.bucket(bucket).key(readPrefix + PRIMING_KEY_SUFFIX)
                        .overrideConfiguration(DryRun::request), ResponseTransformer.toBytes()));
            }
        });
    }

    /**
     * The presigner, built on its own thread and warmed there by presigning a GET of a key no object has
     * (presigning is local computation: the signing key, an HMAC; the object need not exist).
     */
    public Supplier<S3Presigner> s3Presigner(AwsClientConfig aws, Settings settings, String prefix, Duration ttl) {
        String bucket = settings.imagesBucket();
        return build("presigner", () -> S3ObjectStore.presigner(aws, settings), presigner ->
                presigner.presignGetObject(r -> r.signatureDuration(ttl)
                        .getObjectRequest(g -> g.bucket(bucket).key(prefix + PRIMING_KEY_SUFFIX))));
    }

    /** Runs a warm-up action on its own thread; nothing waits for it but a snapshot. */
    public void prime(String name, Runnable action) {
        if (!enabled) {
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        start("prime-" + name, () -> {
            try {
                warmUp(name, action);
            } finally {
                done.complete(null);
            }
        });
        running.add(done);
    }

    private static void warmUp(String name, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException | LinkageError e) {
            LOG.info("priming step failed; the first request pays for it instead",
                    "step", name, "error", e.getClass().getSimpleName());
        }
    }

    /**
     * Loads, on its own thread, the classes listed in the function jar's {@value #CLASS_LIST} (the classes a cold
     * start loaded, in order; {@code ./run-local bench cold-start --write-class-lists} writes them), so class loading
     * runs on a second core ahead of the thread that needs the classes. Classes are loaded, not initialised: static
     * initialisers stay on the threads that use them (two threads initialising classes that depend on each other
     * can deadlock), and an entry that no longer exists is skipped.
     */
    public void preloadClasses(ClassLoader loader) {
        if (!enabled) {
            return;
        }
        prime("classes", () -> {
            List<String> names = ClassList.read(loader, CLASS_LIST);
            for (String name : names) {
                try {
                    Class.forName(name, false, loader);
                } catch (ClassNotFoundException | LinkageError e) {
                    // Not in this jar (the list is older than the code, or names a runtime class): nothing to do.
                }
            }
        });
    }

    /** Waits for every build and priming step, at most {@code limit}. True when all finished. */
    public boolean await(Duration limit) {
        CompletableFuture<?>[] all = running.toArray(CompletableFuture<?>[]::new);
        try {
            CompletableFuture.allOf(all).get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true; // a failed build is rethrown to whoever uses the value
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        if (!await(SNAPSHOT_WAIT)) {
            LOG.warn("priming did not finish before the snapshot", "waited_ms", SNAPSHOT_WAIT.toMillis());
        }
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // Nothing to refresh: priming captured no clocks, randomness or credentials.
    }

    private void start(String name, Runnable task) {
        Thread thread = new Thread(task, "imagejobs-" + name);
        thread.setDaemon(true); // never keeps a JVM (a test, the local stack) alive
        thread.start();
    }

    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        }
    }
}
