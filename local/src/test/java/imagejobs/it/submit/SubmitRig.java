package imagejobs.it.submit;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import imagejobs.local.LocalStack;
import imagejobs.local.http.HttpApiEventBuilder;
import imagejobs.local.http.HttpApiFrontDoor;
import imagejobs.local.http.RouteTable;
import imagejobs.local.runtime.FunctionCode;
import imagejobs.local.runtime.LocalFunction;
import imagejobs.local.template.FunctionDefinition;

/**
 * The stack's SubmitFunction a second time, behind a front door of its own: the same packaged jar, the same
 * environment (so the same DynamoDB Local tables and S3Proxy bucket, and the wiring of SubmitWiring), with a few
 * variables changed, e.g. a JOBS_QUEUE_URL no worker polls (to count the messages sent) or an SQS endpoint that
 * fails. The shared stack itself is left as it is.
 */
final class SubmitRig implements AutoCloseable {
    static final String FUNCTION = "SubmitFunction";

    private final LocalFunction function;
    private final HttpApiFrontDoor frontDoor;

    private SubmitRig(LocalFunction function, HttpApiFrontDoor frontDoor) {
        this.function = function;
        this.frontDoor = frontDoor;
    }

    static SubmitRig start(LocalStack stack, Map<String, String> overrides) {
        FunctionDefinition submit = stack.definition().function(FUNCTION).orElseThrow();
        PrintStream quiet = Boolean.getBoolean("imagejobs.verbose") ? System.out
                : new PrintStream(OutputStream.nullOutputStream());
        LocalFunction function = new LocalFunction(submit, FunctionCode.jar(submit.codeUri()), () -> {
            Map<String, String> env = new HashMap<>(stack.environment().build(submit));
            env.putAll(overrides);
            return env;
        }, 4, stack.context().region(), stack.context().accountId(), quiet);
        try {
            HttpApiFrontDoor door = HttpApiFrontDoor.start(0, RouteTable.from(List.of(submit)),
                    Map.of(FUNCTION, function), new HttpApiEventBuilder(stack.context().accountId(), "submitrig"), 4,
                    HttpApiFrontDoor.INTEGRATION_TIMEOUT, quiet, false);
            return new SubmitRig(function, door);
        } catch (IOException e) {
            function.close();
            throw new UncheckedIOException(e);
        }
    }

    URI baseUrl() {
        return frontDoor.baseUrl();
    }

    FrontDoor client() {
        return new FrontDoor(baseUrl());
    }

    @Override
    public void close() {
        frontDoor.close();
        function.close();
    }
}
