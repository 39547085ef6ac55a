package imagejobs.local.runtime;

import java.time.Duration;

/**
 * The outcome of one invocation, as Lambda's Invoke API reports it: the payload (the response JSON, or the error
 * JSON when {@code functionError} is set) plus what the stack needs to act like API Gateway or an event source.
 *
 * @param errorType null on success; the exception class, {@code Sandbox.Timedout}, {@code TooManyRequestsException}
 */
public record InvocationResult(String requestId, String payload, boolean functionError, String errorType,
                               boolean timedOut, boolean throttled, boolean coldStart, Duration duration) {

    public boolean succeeded() {
        return !functionError;
    }
}
