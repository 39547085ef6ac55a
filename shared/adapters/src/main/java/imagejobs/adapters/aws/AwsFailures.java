package imagejobs.adapters.aws;

import java.io.UncheckedIOException;
import java.util.function.Supplier;

import imagejobs.shared.errors.DependencyFailure;
import imagejobs.shared.errors.DependencyFailure.Dependency;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * Where the AWS SDK's exceptions stop: each adapter's public calls run through {@link #call}, which turns whatever
 * the SDK throws into the domain's {@link DependencyFailure}, transient or not. Conditions an adapter expects (a
 * failed conditional write, a missing key) are handled inside the adapter before they get here.
 */
public final class AwsFailures {
    private AwsFailures() {
    }

    public static <T> T call(Dependency dependency, Supplier<T> call) {
        try {
            return call.get();
        } catch (SdkException | UncheckedIOException e) {
            throw translate(dependency, e);
        }
    }

    public static void run(Dependency dependency, Runnable call) {
        call(dependency, () -> {
            call.run();
            return null;
        });
    }

    /** No answer, a timeout, throttling or a 5xx: transient; anything else the service said no to: not. */
    public static DependencyFailure translate(Dependency dependency, RuntimeException e) {
        return new DependencyFailure(dependency, isTransient(e), e);
    }

    static boolean isTransient(Throwable e) {
        if (e instanceof SdkServiceException service) {
            return service.isThrottlingException() || service.statusCode() >= 500;
        }
        return e instanceof SdkClientException || e instanceof UncheckedIOException;
    }
}
