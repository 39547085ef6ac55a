package imagejobs.benchharness;

import java.lang.reflect.Proxy;
import java.util.UUID;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;

/** A {@link Context} like Lambda's: a fresh request id, the function's name and memory, a deadline. */
final class LambdaContext {
    private LambdaContext() {
    }

    static Context create(String handlerClass) {
        String requestId = UUID.randomUUID().toString();
        String name = env("AWS_LAMBDA_FUNCTION_NAME", handlerClass);
        int memory = Integer.parseInt(env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024"));
        long deadline = System.currentTimeMillis() + Long.parseLong(env("BENCH_TIMEOUT_MILLIS", "300000"));
        LambdaLogger logger = new LambdaLogger() {
            @Override
            public void log(String message) {
                System.out.print(message);
            }

            @Override
            public void log(byte[] message) {
                System.out.write(message, 0, message.length);
            }
        };
        return (Context) Proxy.newProxyInstance(Context.class.getClassLoader(), new Class<?>[] {Context.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getAwsRequestId" -> requestId;
                    case "getLogGroupName" -> "/aws/lambda/" + name;
                    case "getLogStreamName" -> "bench/" + requestId;
                    case "getFunctionName" -> name;
                    case "getFunctionVersion" -> "$LATEST";
                    case "getInvokedFunctionArn" -> "arn:aws:lambda:" + env("AWS_REGION", "us-east-1")
                            + ":000000000000:function:" + name;
                    case "getRemainingTimeInMillis" -> (int) Math.max(0, deadline - System.currentTimeMillis());
                    case "getMemoryLimitInMB" -> memory;
                    case "getLogger" -> logger;
                    case "toString" -> "LambdaContext[" + requestId + "]";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> null;
                });
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
