package imagejobs.local.runtime;

import java.io.PrintStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;

/**
 * Builds the {@code Context} a handler receives as a {@link Proxy} of the function class loader's own Context
 * interface (the stack's classpath has none, and the function's copy is what its code is compiled against).
 */
final class LambdaContextFactory {
    private final String functionName;
    private final int memoryMb;
    private final String functionArn;
    private final PrintStream log;

    LambdaContextFactory(String functionName, int memoryMb, String region, String accountId, PrintStream log) {
        this.functionName = functionName;
        this.memoryMb = memoryMb;
        this.functionArn = "arn:aws:lambda:" + region + ":" + accountId + ":function:" + functionName;
        this.log = log;
    }

    /** @param deadlineNanos System.nanoTime() at which the invocation times out */
    Object create(Class<?> contextType, String requestId, long deadlineNanos) {
        if (contextType == null) {
            return null;
        }
        Class<?> loggerType = loggerType(contextType);
        Object logger = loggerType == null ? null : Proxy.newProxyInstance(contextType.getClassLoader(),
                new Class<?>[] {loggerType}, new Logger());
        InvocationHandler handler = (proxy, method, args) -> switch (method.getName()) {
            case "getAwsRequestId" -> requestId;
            case "getLogGroupName" -> "/aws/lambda/" + functionName;
            case "getLogStreamName" -> "local/[$LATEST]" + requestId.replace("-", "");
            case "getFunctionName" -> functionName;
            case "getFunctionVersion" -> "$LATEST";
            case "getInvokedFunctionArn" -> functionArn;
            case "getIdentity", "getClientContext", "getTenantId", "getXrayTraceId" -> null;
            case "getRemainingTimeInMillis" ->
                    (int) Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000);
            case "getMemoryLimitInMB" -> memoryMb;
            case "getLogger" -> logger;
            case "toString" -> "LocalContext[" + functionName + ", " + requestId + "]";
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            default -> method.isDefault() ? InvocationHandler.invokeDefault(proxy, method, args) : null;
        };
        return Proxy.newProxyInstance(contextType.getClassLoader(), new Class<?>[] {contextType}, handler);
    }

    private static Class<?> loggerType(Class<?> contextType) {
        try {
            Method getLogger = contextType.getMethod("getLogger");
            return getLogger.getReturnType().isInterface() ? getLogger.getReturnType() : null;
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    /** LambdaLogger: every log(...) variant prints one line to the stack's console. */
    private final class Logger implements InvocationHandler {
        @Override
        public Object invoke(Object proxy, Method method, Object[] args) {
            switch (method.getName()) {
                case "log" -> {
                    Object message = args[0];
                    String text = message instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8)
                            : String.valueOf(message);
                    log.println("[" + functionName + "] " + (text.endsWith("\n") ? text.substring(0, text.length() - 1) : text));
                    return null;
                }
                case "toString" -> {
                    return "LocalLambdaLogger[" + functionName + "]";
                }
                case "hashCode" -> {
                    return System.identityHashCode(proxy);
                }
                case "equals" -> {
                    return proxy == args[0];
                }
                default -> {
                    return null;
                }
            }
        }
    }
}
