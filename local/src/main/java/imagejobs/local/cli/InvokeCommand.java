package imagejobs.local.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import imagejobs.local.LocalStack;
import imagejobs.local.LocalStackConfig;
import imagejobs.local.emulators.EmulatorPorts;
import imagejobs.local.runtime.InvocationResult;
import imagejobs.local.runtime.LocalFunction;
import imagejobs.shared.json.Json;

/**
 * {@code ./run-local invoke <LogicalId> [--event file.json]}: the {@code sam local invoke} equivalent. Starts a
 * private stack (ephemeral ports, so it works beside a running {@code ./run-local}), invokes one function once with
 * the event (a file, {@code -} for stdin, or {@code {}}), prints the response JSON on stdout and progress on stderr.
 * Exit code 0 on success, 1 on a function error (its error JSON is still printed).
 */
public final class InvokeCommand implements Command {
    private final Path root;
    private final Map<String, String> env;
    private final PrintStream out;
    private final PrintStream err;

    public InvokeCommand(Path root, Map<String, String> env, PrintStream out, PrintStream err) {
        this.root = root;
        this.env = env;
        this.out = out;
        this.err = err;
    }

    @Override
    public String name() {
        return "invoke";
    }

    @Override
    public String usage() {
        return "invoke <LogicalId> [--event file.json]  invoke one function once and print its response";
    }

    @Override
    public int run(List<String> args) throws Exception {
        if (args.isEmpty() || args.get(0).startsWith("-")) {
            throw new UsageException("invoke needs the function's logical id, e.g. invoke SubmitFunction --event "
                    + "events/submit.json");
        }
        String function = args.get(0);
        String event = "{}";
        for (int i = 1; i < args.size(); i++) {
            String a = args.get(i);
            if ((a.equals("--event") || a.equals("-e")) && i + 1 < args.size()) {
                event = read(args.get(++i));
            } else if (a.startsWith("--event=")) {
                event = read(a.substring("--event=".length()));
            } else {
                throw new UsageException("unknown argument " + a);
            }
        }
        Json.parse(event); // a malformed event file is the user's mistake, said before anything starts

        LocalStackConfig config = LocalStackConfig.fromEnvironment(root, env)
                .ports(EmulatorPorts.ephemeral())
                .startSqsPollers(false)
                .out(err) // progress and the function's log lines; stdout carries only the response
                .build();
        err.println("starting a private local stack for " + function + " ...");
        try (LocalStack stack = LocalStack.start(config)) {
            if (!stack.functions().containsKey(function)) {
                throw new UsageException("no function " + function + " in the template; functions: "
                        + String.join(", ", stack.functions().keySet()));
            }
            LocalFunction f = stack.function(function);
            InvocationResult result = f.invokeWithResult(event);
            err.println(function + " " + result.requestId() + ": " + (result.functionError()
                    ? "function error " + result.errorType() : "ok") + " in " + result.duration().toMillis() + " ms"
                    + (result.coldStart() ? " (cold start)" : ""));
            out.println(result.payload());
            out.flush();
            return result.functionError() ? 1 : 0;
        }
    }

    private static String read(String file) throws java.io.IOException {
        if (file.equals("-")) {
            return new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Path path = Path.of(file);
        if (!Files.isRegularFile(path)) {
            throw new UsageException("no event file " + file);
        }
        return Files.readString(path, StandardCharsets.UTF_8);
    }
}
