package imagejobs.adapters.aws;

import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.SdkClient;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * SDK calls that run the client's whole request path (validation, marshalling, endpoint resolution, signing) and
 * stop before anything is sent: cold-start priming of the operations a first request makes that have no harmless
 * real form (a SendMessage, a transactional write), with no call made. {@link AwsClientConfig} installs the
 * interceptor on every client it configures; {@link #call} refuses a client without it, so a dry run can never
 * reach the network.
 */
public final class DryRun implements ExecutionInterceptor {
    static final DryRun INTERCEPTOR = new DryRun();
    private static final ExecutionAttribute<Boolean> REQUESTED = new ExecutionAttribute<>("imagejobs.DryRun");

    private DryRun() {
    }

    /** Put on a request: {@code r.overrideConfiguration(DryRun::request)}. */
    public static void request(AwsRequestOverrideConfiguration.Builder override) {
        override.putExecutionAttribute(REQUESTED, Boolean.TRUE);
    }

    /** Runs a dry-run call on {@code client}; false (and nothing run) when the client lacks the interceptor. */
    public static boolean call(SdkClient client, Runnable dryRunCall) {
        boolean installed = client.serviceClientConfiguration().overrideConfiguration().executionInterceptors()
                .contains(INTERCEPTOR);
        if (!installed) {
            return false;
        }
        try {
            dryRunCall.run();
        } catch (RuntimeException e) {
            if (!stopped(e)) {
                throw e;
            }
        }
        return true;
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        if (Boolean.TRUE.equals(attributes.getAttribute(REQUESTED))) {
            throw new Stopped();
        }
    }

    private static boolean stopped(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof Stopped) {
                return true;
            }
        }
        return false;
    }

    /** The expected end of a dry run; no stack trace, it is not an error. */
    static final class Stopped extends RuntimeException {
        Stopped() {
            super("dry run: stopped before transmission", null, false, false);
        }
    }
}
