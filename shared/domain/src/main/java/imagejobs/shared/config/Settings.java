package imagejobs.shared.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Collection;
import java.util.Optional;
import java.util.function.DoubleSupplier;

import imagejobs.shared.limits.UpstreamLimits;
import imagejobs.shared.webhooks.RetrySchedule;

/**
 * Every environment variable the functions read, with its default, in one place. The README's configuration
 * table lists the same names (a test keeps the two in step).
 */
public final class Settings {
    public static final String JOBS_TABLE = "JOBS_TABLE";
    public static final String KEYS_TABLE = "KEYS_TABLE";
    public static final String IMAGES_BUCKET = "IMAGES_BUCKET";
    public static final String JOBS_QUEUE_URL = "JOBS_QUEUE_URL";
    public static final String RETENTION_DAYS = "RETENTION_DAYS";
    public static final String PRESIGN_TTL_SECONDS = "PRESIGN_TTL_SECONDS";
    public static final String MAX_ATTEMPTS = "MAX_ATTEMPTS";
    public static final String DEFAULT_MODEL = "DEFAULT_MODEL";
    public static final String DEFAULT_RATE_PER_MINUTE = "DEFAULT_RATE_PER_MINUTE";
    public static final String READ_RATE_PER_MINUTE = "READ_RATE_PER_MINUTE";
    public static final String MAX_BODY_BYTES = "MAX_BODY_BYTES";
    public static final String S3_FORCE_PATH_STYLE = "S3_FORCE_PATH_STYLE";
    public static final String GEMINI_BASE_URL = "GEMINI_BASE_URL";
    public static final String GEMINI_AUTH_STYLE = "GEMINI_AUTH_STYLE";
    public static final String GEMINI_API_KEY = "GEMINI_API_KEY";
    public static final String GEMINI_API_KEY_SECRET_ID = "GEMINI_API_KEY_SECRET_ID";
    public static final String WORKER_TIMEOUT_SECONDS = "WORKER_TIMEOUT_SECONDS";
    /** How long a synchronous Google call waits on the function URL (the Google function's long-call base). */
    public static final String SYNC_WAIT_SECONDS = "SYNC_WAIT_SECONDS";
    /** How long a synchronous Google call waits on the API Gateway routes (under its 30 s integration timeout). */
    public static final String API_SYNC_WAIT_SECONDS = "API_SYNC_WAIT_SECONDS";
    public static final int DEFAULT_SYNC_WAIT_SECONDS = 600;
    /** The job's insurance message waits bound + 60 s, and SQS delays at most 900 s. */
    public static final int MAX_SYNC_WAIT_SECONDS = 840;
    public static final int DEFAULT_API_SYNC_WAIT_SECONDS = 25;
    /** API Gateway's HTTP API ends every integration at 30 s: an answer must be on its way before then. */
    public static final int MAX_API_SYNC_WAIT_SECONDS = 28;
    public static final String ALLOW_LOOPBACK_REFERENCES = "ALLOW_LOOPBACK_REFERENCES";
    public static final String RETRY_BASE_MILLIS = "RETRY_BASE_MILLIS";
    public static final String CURSOR_SECRET = "CURSOR_SECRET";
    public static final String CURSOR_SECRET_ID = "CURSOR_SECRET_ID";
    public static final String PRIME_ON_INIT = "PRIME_ON_INIT";
    public static final String LIMITS_TABLE = "LIMITS_TABLE";
    /** Tenants' sealed webhook signing secrets (WebhookSecretsTable). */
    public static final String WEBHOOK_SECRETS_TABLE = "WEBHOOK_SECRETS_TABLE";
    /** Google-style batches (the Google function). */
    public static final String BATCHES_TABLE = "BATCHES_TABLE";
    /** Inlined requests per batch; read by {@code BatchLimits.fromEnvironment}. */
    public static final String BATCH_MAX_REQUESTS = "BATCH_MAX_REQUESTS";
    /** The service key that seals them: its material (local stack, tests) or its Secrets Manager secret (AWS). */
    public static final String WEBHOOK_SECRETS_KEY = "WEBHOOK_SECRETS_KEY";
    public static final String WEBHOOK_SECRETS_KEY_SECRET_ID = "WEBHOOK_SECRETS_KEY_SECRET_ID";
    /** The webhook delivery queue (one message per attempt) and its dead-letter queue (given-up deliveries). */
    public static final String WEBHOOK_DELIVERY_QUEUE_URL = "WEBHOOK_DELIVERY_QUEUE_URL";
    public static final String WEBHOOK_DEAD_LETTER_QUEUE_URL = "WEBHOOK_DEAD_LETTER_QUEUE_URL";
    /** A short webhook retry schedule for tests and the local stack (e.g. 1s,1s,2s); honoured only with loopback. */
    public static final String WEBHOOK_TEST_RETRY_WAITS = "WEBHOOK_TEST_RETRY_WAITS";
    public static final String GEMINI_LIMITS = "GEMINI_LIMITS";
    public static final String MAX_QUEUE_SECONDS = "MAX_QUEUE_SECONDS";
    /** SDK client timeouts (AwsClientConfig); the two call timeouts also take a per-client suffix, e.g. _S3. */
    public static final String SDK_API_CALL_TIMEOUT_MILLIS = "SDK_API_CALL_TIMEOUT_MILLIS";
    public static final String SDK_API_CALL_ATTEMPT_TIMEOUT_MILLIS = "SDK_API_CALL_ATTEMPT_TIMEOUT_MILLIS";
    public static final String SDK_CONNECT_TIMEOUT_MILLIS = "SDK_CONNECT_TIMEOUT_MILLIS";
    public static final String SDK_SOCKET_TIMEOUT_MILLIS = "SDK_SOCKET_TIMEOUT_MILLIS";

    public static final int DEFAULT_RETENTION_DAYS = 30;
    public static final int DEFAULT_PRESIGN_TTL_SECONDS = 3600;
    /**
     * A presigned URL dies with the credentials that signed it, whatever its own expiry says. In Lambda those are the
     * execution role's temporary credentials, which last at most about 12 hours (Lambda does not apply the role's
     * MaxSessionDuration); a longer lifetime would hand out URLs that promise more than they keep.
     */
    public static final int MAX_PRESIGN_TTL_SECONDS = 12 * 3600;
    public static final int DEFAULT_MAX_ATTEMPTS = 4;
    public static final String DEFAULT_MODEL_ID = "gemini-2.5-flash-image";
    public static final int DEFAULT_RATE = 60;
    /**
     * Status requests per minute per key: a client polling each of 20 jobs once a second (what the default submit
     * rate keeps in flight when Gemini takes 20 s a job) stays under it.
     */
    public static final int DEFAULT_READ_RATE = 1200;
    /**
     * Lambda takes at most 6 MB (6,291,456 bytes) per synchronous invocation, the event's envelope (headers, request
     * context) included, so a larger body never reaches the function behind API Gateway (whose own limit, 10 MB, is
     * not the binding one); 6,000,000 leaves room for the envelope. The template sets the same value.
     */
    public static final int DEFAULT_MAX_BODY_BYTES = 6_000_000;
    public static final String DEFAULT_GEMINI_BASE_URL = "https://generativelanguage.googleapis.com";
    public static final int DEFAULT_WORKER_TIMEOUT_SECONDS = 300;
    public static final int DEFAULT_RETRY_BASE_MILLIS = 2000;
    public static final int DEFAULT_SDK_CONNECT_TIMEOUT_MILLIS = 2000;
    public static final int DEFAULT_SDK_SOCKET_TIMEOUT_MILLIS = 10_000;
    /** A configured CURSOR_SECRET shorter than this fails the cold start: it would be guessable. */
    public static final int MIN_CURSOR_SECRET_LENGTH = 32;
    private static final String CURSOR_FALLBACK_LABEL = "imagejobs/list-cursor-key/v1/";

    private final Environment env;

    public Settings(Environment env) {
        this.env = env;
    }

    public Environment environment() {
        return env;
    }

    public String jobsTable() {
        return env.required(JOBS_TABLE);
    }

    /** The upstream gate's table (the worker's only). */
    public String limitsTable() {
        return env.required(LIMITS_TABLE);
    }

    /** {@value #GEMINI_LIMITS}, checked against the models the worker may call; unset limits nothing. */
    public UpstreamLimits upstreamLimits(Collection<String> knownModels) {
        return UpstreamLimits.fromEnvironment(env, knownModels);
    }

    /** {@value #MAX_QUEUE_SECONDS}: how long a job may wait for a Gemini slot before it fails with QUEUE_TIMEOUT. */
    public Duration maxQueue() {
        return UpstreamLimits.maxQueue(env);
    }

    /** The tenants' webhook signing secrets (the status function's secret route, the webhook delivery). */
    public String webhookSecretsTable() {
        return env.required(WEBHOOK_SECRETS_TABLE);
    }

    public String webhookDeliveryQueueUrl() {
        return env.required(WEBHOOK_DELIVERY_QUEUE_URL);
    }

    public String webhookDeadLetterQueueUrl() {
        return env.required(WEBHOOK_DEAD_LETTER_QUEUE_URL);
    }

    /**
     * The webhook retry schedule: Standard Webhooks' (at least 24 hours) unless {@value #WEBHOOK_TEST_RETRY_WAITS}
     * names a short one and {@value #ALLOW_LOOPBACK_REFERENCES} is on (tests and the local stack only, so a stray
     * variable in a deployed stack never shortens real retries). A malformed value fails the cold start.
     */
    public RetrySchedule webhookRetrySchedule(DoubleSupplier random) {
        Optional<String> spec = env.optional(WEBHOOK_TEST_RETRY_WAITS);
        if (spec.isEmpty() || !allowLoopbackReferences()) {
            return RetrySchedule.standard(random);
        }
        try {
            return RetrySchedule.fromSpec(spec.get(), random);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(WEBHOOK_TEST_RETRY_WAITS + ": " + e.getMessage());
        }
    }

    /** True when {@value #WEBHOOK_TEST_RETRY_WAITS} is set but not honoured (no loopback): worth a warning. */
    public boolean webhookTestRetryWaitsIgnored() {
        return env.optional(WEBHOOK_TEST_RETRY_WAITS).isPresent() && !allowLoopbackReferences();
    }

    /** The batches of Google's batch API (the Google function). */
    public String batchesTable() {
        return env.required(BATCHES_TABLE);
    }

    public String keysTable() {
        return env.required(KEYS_TABLE);
    }

    public String imagesBucket() {
        return env.required(IMAGES_BUCKET);
    }

    public String jobsQueueUrl() {
        return env.required(JOBS_QUEUE_URL);
    }

    public Duration retention() {
        return Duration.ofDays(env.integer(RETENTION_DAYS, DEFAULT_RETENTION_DAYS));
    }

    /** Lifetime of presigned image URLs: 1 s to {@link #MAX_PRESIGN_TTL_SECONDS}, else the cold start fails. */
    public Duration presignTtl() {
        int seconds = env.integer(PRESIGN_TTL_SECONDS, DEFAULT_PRESIGN_TTL_SECONDS);
        if (seconds < 1 || seconds > MAX_PRESIGN_TTL_SECONDS) {
            throw new ConfigurationException(PRESIGN_TTL_SECONDS + " must be from 1 to " + MAX_PRESIGN_TTL_SECONDS
                    + " (a presigned URL dies with the Lambda credentials that signed it), got " + seconds);
        }
        return Duration.ofSeconds(seconds);
    }

    /** The function URL's bound: 1 s to {@link #MAX_SYNC_WAIT_SECONDS}, else the cold start fails. */
    public Duration syncWait() {
        return bound(SYNC_WAIT_SECONDS, DEFAULT_SYNC_WAIT_SECONDS, MAX_SYNC_WAIT_SECONDS);
    }

    /** The API routes' bound for synchronous Google calls: {@link #apiSyncWaitSeconds()}. */
    public Duration apiSyncWait() {
        return Duration.ofSeconds(apiSyncWaitSeconds());
    }

    private Duration bound(String name, int defaultSeconds, int maxSeconds) {
        int seconds = env.integer(name, defaultSeconds);
        if (seconds < 1 || seconds > maxSeconds) {
            throw new ConfigurationException(name + " must be from 1 to " + maxSeconds + " seconds, got " + seconds);
        }
        return Duration.ofSeconds(seconds);
    }

    public int maxAttempts() {
        return env.integer(MAX_ATTEMPTS, DEFAULT_MAX_ATTEMPTS);
    }

    public String defaultModel() {
        return env.get(DEFAULT_MODEL, DEFAULT_MODEL_ID);
    }

    public int defaultRatePerMinute() {
        return env.integer(DEFAULT_RATE_PER_MINUTE, DEFAULT_RATE);
    }

    /** Status requests per minute per API key (every key alike); 0 turns the per-key read limit off. */
    public int readRatePerMinute() {
        int rate = env.integer(READ_RATE_PER_MINUTE, DEFAULT_READ_RATE);
        if (rate < 0) {
            throw new ConfigurationException(READ_RATE_PER_MINUTE + " must be 0 (no limit) or more, got " + rate);
        }
        return rate;
    }

    public int maxBodyBytes() {
        return env.integer(MAX_BODY_BYTES, DEFAULT_MAX_BODY_BYTES);
    }

    /**
     * The longest a request through API Gateway may wait for its job (a synchronous Google call's bound there;
     * {@code Prefer: wait=N} is cut to it): 0 to {@link #MAX_API_SYNC_WAIT_SECONDS}, else the cold start fails.
     */
    public int apiSyncWaitSeconds() {
        int seconds = env.integer(API_SYNC_WAIT_SECONDS, DEFAULT_API_SYNC_WAIT_SECONDS);
        if (seconds < 0 || seconds > MAX_API_SYNC_WAIT_SECONDS) {
            throw new ConfigurationException(API_SYNC_WAIT_SECONDS + " must be from 0 to " + MAX_API_SYNC_WAIT_SECONDS
                    + " (API Gateway ends a request at 30 s), got " + seconds);
        }
        return seconds;
    }

    /**
     * Cold-start priming (the API functions): build clients on parallel threads, preload the jar's class list and
     * run harmless warm-up requests during init, finished before a SnapStart snapshot. On by default.
     */
    public boolean primeOnInit() {
        return env.flag(PRIME_ON_INIT, true);
    }

    public boolean s3ForcePathStyle() {
        return env.flag(S3_FORCE_PATH_STYLE, false);
    }

    public String geminiBaseUrl() {
        String url = env.get(GEMINI_BASE_URL, DEFAULT_GEMINI_BASE_URL);
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    public String geminiAuthStyle() {
        return env.get(GEMINI_AUTH_STYLE, "x-goog-api-key");
    }

    public Duration workerTimeout() {
        return Duration.ofSeconds(env.integer(WORKER_TIMEOUT_SECONDS, DEFAULT_WORKER_TIMEOUT_SECONDS));
    }

    /**
     * Only tests and the local stack set this: lets reference downloads reach loopback hosts (127.0.0.0/8, ::1) and
     * use plain http:// (the local stack has no TLS). Private, link-local and metadata addresses stay refused.
     */
    public boolean allowLoopbackReferences() {
        return env.flag(ALLOW_LOOPBACK_REFERENCES, false);
    }

    /**
     * First retry delay of the worker's exponential backoff (doubling per attempt, with jitter, capped at 5
     * minutes, never below the wait Gemini asks for). Tests and the local stack set it small to keep retries fast.
     */
    public Duration retryBase() {
        int millis = env.integer(RETRY_BASE_MILLIS, DEFAULT_RETRY_BASE_MILLIS);
        if (millis < 1) {
            throw new ConfigurationException(RETRY_BASE_MILLIS + " must be at least 1, got " + millis);
        }
        return Duration.ofMillis(millis);
    }

    /** True when CURSOR_SECRET is set; false means {@link #cursorSecret()} falls back to a derived key. */
    public boolean cursorSecretConfigured() {
        return env.optional(CURSOR_SECRET).isPresent();
    }

    /**
     * CURSOR_SECRET_ID: the Secrets Manager secret (name or ARN) holding the cursor key, read on first use when
     * CURSOR_SECRET is not set (the template creates the secret and sets this; the local stack sets neither).
     */
    public Optional<String> cursorSecretId() {
        return env.optional(CURSOR_SECRET_ID);
    }

    /**
     * The key that signs list cursors (HMAC-SHA256) when it comes from the environment: CURSOR_SECRET when set (at
     * least 32 characters, else the cold start fails). When unset: SHA-256 of a fixed label and the jobs table name.
     * That fallback is stable across containers and deploys, so cursors keep working, but it is no secret: whoever
     * knows the table name could mint cursors. A minted cursor still moves only within the caller's own jobs (the
     * tenant always comes from the API key, never from the cursor), so the fallback costs cursor integrity, not tenant
     * isolation. Changing the secret invalidates cursors already handed out (clients get 400 INVALID_CURSOR and list
     * from the start). {@code imagejobs.shared.status.CursorKeySource} puts CURSOR_SECRET_ID between the two.
     */
    public byte[] cursorSecret() {
        return env.optional(CURSOR_SECRET).map(secret -> cursorKey(secret, "environment variable " + CURSOR_SECRET))
                .orElseGet(this::derivedCursorSecret);
    }

    /** The fallback cursor key, derived from the jobs table name. */
    public byte[] derivedCursorSecret() {
        return sha256(CURSOR_FALLBACK_LABEL + jobsTable());
    }

    /** A configured cursor secret as key bytes; shorter than {@link #MIN_CURSOR_SECRET_LENGTH} fails the start. */
    public static byte[] cursorKey(String secret, String source) {
        if (secret == null || secret.length() < MIN_CURSOR_SECRET_LENGTH) {
            throw new ConfigurationException(source + " must hold at least " + MIN_CURSOR_SECRET_LENGTH
                    + " characters (e.g. openssl rand -base64 48)");
        }
        return secret.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
