package imagejobs.local.runtime;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Deque;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

import imagejobs.local.template.FunctionDefinition;
import imagejobs.shared.json.Json;

/**
 * One function of the template, run like Lambda runs it: instances (handler objects) are created on demand, a cold
 * start being the constructor; each instance serves one invocation at a time; at most {@code maxInstances} run at
 * once (more callers wait, then are throttled); an invocation past the function's Timeout is abandoned, reported as
 * {@code Task timed out after N seconds}, and its instance discarded, as Lambda discards a timed-out sandbox.
 * Exceptions come back as Lambda's error JSON, never thrown at the caller.
 */
public final class LocalFunction implements AutoCloseable {
    public static final int DEFAULT_MAX_INSTANCES = 32;
    /** Lambda gives initialisation (the constructor) its own 10 seconds; the Timeout counts from the handler call. */
    private static final Duration INIT_ALLOWANCE = Duration.ofSeconds(10);

    private final FunctionDefinition definition;
    private final FunctionCode code;
    private final Supplier<Map<String, String>> environment;
    private final Semaphore concurrency;
    private final Deque<Instance> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger created = new AtomicInteger();
    private final LongAdder invocations = new LongAdder();
    private final LongAdder invokedNanos = new LongAdder();
    private final ExecutorService threads;
    private final LambdaContextFactory contexts;
    private final PrintStream log;
    private volatile HandlerMethod handler;
    private volatile boolean closed;

    /**
     * @param environment supplies the environment for each new instance (read at every cold start, so overrides
     *                    set later reach instances created later; see {@link #resetInstances()})
     */
    public LocalFunction(FunctionDefinition definition, FunctionCode code, Supplier<Map<String, String>> environment,
                         int maxInstances, String region, String accountId, PrintStream log) {
        this.definition = definition;
        this.code = code;
        this.environment = environment;
        this.concurrency = new Semaphore(maxInstances, true);
        this.log = log;
        this.contexts = new LambdaContextFactory(definition.logicalId(), definition.memoryMb(), region, accountId, log);
        AtomicInteger threadNumber = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "lambda-" + definition.logicalId() + "-" + threadNumber.incrementAndGet());
            t.setDaemon(true); // a handler stuck past its timeout must not keep the JVM alive
            return t;
        };
        this.threads = Executors.newCachedThreadPool(factory);
    }

    public String name() {
        return definition.logicalId();
    }

    public FunctionDefinition definition() {
        return definition;
    }

    /** The environment the next new instance would get. */
    public Map<String, String> environment() {
        return environment.get();
    }

    /** Instances created so far (cold starts). */
    public int coldStarts() {
        return created.get();
    }

    /** Invocations that ran on an instance (throttled ones not counted), as Lambda bills them. */
    public long invocations() {
        return invocations.sum();
    }

    /**
     * The time those invocations took, start to answer (a cold start's initialisation included): what Lambda's
     * duration figures add up to, for a benchmark's Lambda-seconds and GB-seconds.
     */
    public Duration invokedTime() {
        return Duration.ofNanos(invokedNanos.sum());
    }

    /** Invokes with an event and returns the response JSON, or Lambda's error JSON if the function failed. */
    public String invoke(String eventJson) {
        return invokeWithResult(eventJson).payload();
    }

    /** Invokes with an event; never throws for function errors, timeouts or throttling. */
    public InvocationResult invokeWithResult(String eventJson) {
        String requestId = UUID.randomUUID().toString();
        long started = System.nanoTime();
        if (closed) {
            throw new IllegalStateException(name() + " is closed");
        }
        Duration timeout = Duration.ofSeconds(definition.timeoutSeconds());
        boolean acquired;
        try {
            acquired = concurrency.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            acquired = false;
        }
        if (!acquired) {
            return new InvocationResult(requestId, Json.write(LambdaErrors.throttled()), true,
                    "TooManyRequestsException", false, true, false, elapsed(started));
        }
        try {
            InvocationResult result = runOnInstance(requestId, eventJson, timeout, started);
            invocations.increment();
            invokedNanos.add(result.duration().toNanos());
            return result;
        } finally {
            concurrency.release();
        }
    }

    private InvocationResult runOnInstance(String requestId, String eventJson, Duration timeout, long started) {
        Instance warm = idle.pollFirst();
        boolean cold = warm == null;
        Instance[] holder = {warm};
        // Completes with the handler's start time once the instance exists, so the timeout counts from there.
        CompletableFuture<Long> handlerStart = new CompletableFuture<>();
        Future<String> future = threads.submit(() -> {
            Thread current = Thread.currentThread();
            ClassLoader previous = current.getContextClassLoader();
            try {
                if (holder[0] == null) {
                    holder[0] = newInstance();
                }
                current.setContextClassLoader(holder[0].loader);
                long start = System.nanoTime();
                handlerStart.complete(start);
                Object context = contexts.create(holder[0].method.contextType(), requestId, start + timeout.toNanos());
                return holder[0].method.invoke(holder[0].handler, eventJson, context);
            } catch (Throwable t) {
                throw new Thrown(t); // Callable may only throw Exception; handlers may throw Errors too
            } finally {
                handlerStart.complete(System.nanoTime()); // no-op unless initialisation failed
                current.setContextClassLoader(previous);
            }
        });
        try {
            long handlerStarted = handlerStart.get(INIT_ALLOWANCE.toMillis(), TimeUnit.MILLISECONDS);
            long remaining = handlerStarted + timeout.toNanos() - System.nanoTime();
            String payload = future.get(Math.max(0, remaining), TimeUnit.NANOSECONDS);
            release(holder[0]);
            return new InvocationResult(requestId, payload, false, null, false, false, cold, elapsed(started));
        } catch (TimeoutException e) {
            future.cancel(true); // the instance is abandoned like a timed-out sandbox; interrupt what still runs
            log.println("[" + name() + "] " + requestId + " Task timed out after " + definition.timeoutSeconds()
                    + " seconds");
            return new InvocationResult(requestId, Json.write(LambdaErrors.timeout(requestId,
                    definition.timeoutSeconds())), true, "Sandbox.Timedout", true, false, cold, elapsed(started));
        } catch (ExecutionException e) {
            Throwable error = e.getCause() instanceof Thrown thrown ? thrown.getCause() : e.getCause();
            // A handled exception leaves the sandbox usable, as on Lambda; a failed constructor leaves nothing.
            release(holder[0]);
            log.println("[" + name() + "] " + requestId + " failed: " + error);
            String errorType = error instanceof HandlerMethod.HandlerException h ? h.errorType()
                    : error.getClass().getName();
            return new InvocationResult(requestId, Json.write(LambdaErrors.fromThrowable(error)), true, errorType,
                    false, false, cold, elapsed(started));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            return new InvocationResult(requestId, Json.write(LambdaErrors.fromThrowable(e)), true,
                    e.getClass().getName(), false, false, cold, elapsed(started));
        }
    }

    private Instance newInstance() throws Throwable {
        ClassLoader loader = code.classLoader();
        Thread.currentThread().setContextClassLoader(loader);
        HandlerMethod method = handler;
        if (method == null) {
            synchronized (this) {
                if (handler == null) {
                    handler = HandlerMethod.resolve(HandlerReference.parse(definition.handler()), loader);
                }
                method = handler;
            }
        }
        Object instance = method.newInstance(environment.get());
        created.incrementAndGet();
        return new Instance(method, instance, loader);
    }

    private void release(Instance instance) {
        if (instance != null && !closed) {
            idle.offerFirst(instance); // most recently used first, as Lambda prefers warm sandboxes
        }
    }

    /** Drops the warm instances: the next invocations cold-start with the current environment. */
    public void resetInstances() {
        idle.clear();
    }

    private static Duration elapsed(long started) {
        return Duration.ofNanos(System.nanoTime() - started);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        idle.clear();
        threads.shutdownNow();
        try {
            if (!threads.awaitTermination(2, TimeUnit.SECONDS)) {
                log.println("[" + name() + "] some invocations were still running at shutdown");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        code.close();
    }

    private record Instance(HandlerMethod method, Object handler, ClassLoader loader) {
    }

    /** Carries whatever the handler threw (Errors included) out of the invocation thread. */
    private static final class Thrown extends Exception {
        Thrown(Throwable cause) {
            super(cause);
        }
    }
}
