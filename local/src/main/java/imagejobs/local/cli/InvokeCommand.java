package imagejobs.local.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.local.LocalStack;
import imagejobs.local.LocalStackConfig;
import imagejobs.local.emulators.EmulatorPorts;
import imagejobs.local.emulators.Ports;
import imagejobs.local.runtime.InvocationResult;
import imagejobs.local.template.FunctionDefinition;
import imagejobs.local.template.ResourceNames;
import imagejobs.local.template.StackContext;
import imagejobs.local.template.StackDefinitionReader;
import imagejobs.local.template.StackTemplate;
import imagejobs.local.template.TemplateReader;
import imagejobs.shared.config.Settings;
import imagejobs.adapters.dynamo.DynamoJobStore;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStore;
import imagejobs.shared.json.Json;

/**
 * {@code ./run-local invoke <LogicalId> --event file.json [--no-seed]}: the {@code sam local invoke} equivalent.
 *
 * <p>Always on a private stack (ephemeral ports, no SQS pollers, so it works beside a running {@code ./run-local} and
 * leaves its data alone), seeded with what the event refers to ({@link EventSeeder}: the event's API key, the jobs it
 * names, the object it announces), so each sample in events/ does what it is for; {@code --no-seed} skips that, to see
 * how the function answers unknown keys and ids. An event the function's triggers would never send (an SQS event for
 * SubmitFunction, a request for another function's route) is refused before anything starts. Prints the response JSON
 * on stdout; progress, what was seeded and the state of the jobs involved afterwards on stderr. Exit code 0 on
 * success, 1 on a function error (its error JSON is still printed).
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
        return "invoke <LogicalId> --event file.json [--no-seed]\n"
                + "                                       invoke one function once on a private stack, seeded with"
                + " what\n"
                + "                                       the event names (its API key, jobs, uploaded image); prints"
                + " the response";
    }

    /** What one invocation did: the function's result, what was seeded, and the jobs involved as they are after it. */
    public record Outcome(InvocationResult result, List<String> seeded, Map<String, Optional<Job>> jobs) {
    }

    @Override
    public int run(List<String> args) throws Exception {
        if (args.isEmpty() || args.get(0).startsWith("-")) {
            throw new UsageException("invoke needs the function's logical id, e.g. invoke SubmitFunction --event "
                    + "events/submit-request-queue.json");
        }
        String function = args.get(0);
        String eventFile = null;
        boolean seed = true;
        for (int i = 1; i < args.size(); i++) {
            String a = args.get(i);
            if ((a.equals("--event") || a.equals("-e")) && i + 1 < args.size()) {
                eventFile = args.get(++i);
            } else if (a.startsWith("--event=")) {
                eventFile = a.substring("--event=".length());
            } else if (a.equals("--no-seed")) {
                seed = false;
            } else {
                throw new UsageException("unknown argument " + a);
            }
        }
        // Progress and the function's log lines go to stderr; stdout carries only the response.
        LocalStackConfig config = privateStack(root, env).out(err).build();

        // Everything the user can get wrong is said before a stack starts (which takes seconds).
        EventCheck check = new EventCheck(functionsOf(config), root.resolve("events"));
        FunctionDefinition definition = check.function(function);
        if (eventFile == null) {
            throw new UsageException(check.missingEvent(definition));
        }
        String event = read(eventFile);
        JsonNode json;
        try {
            json = Json.parse(event);
        } catch (RuntimeException e) {
            throw new UsageException((eventFile.equals("-") ? "the event on stdin" : eventFile)
                    + " is not valid JSON");
        }
        check.check(definition, json, eventFile.equals("-") ? "the event on stdin" : eventFile);

        err.println("starting a private local stack for " + function + " ...");
        // Functions log to stdout, as in Lambda; here stdout carries only the response, so their lines go to stderr.
        PrintStream stdout = System.out;
        System.setOut(err);
        try (LocalStack stack = LocalStack.start(config)) {
            Outcome outcome = invoke(stack, function, event, seed);
            InvocationResult result = outcome.result();
            err.println(function + " " + result.requestId() + ": " + (result.functionError()
                    ? "function error " + result.errorType() : "ok") + " in " + result.duration().toMillis() + " ms"
                    + (result.coldStart() ? " (cold start)" : ""));
            out.println(result.payload());
            out.flush();
            if (!outcome.jobs().isEmpty()) {
                err.println("jobs afterwards:");
                outcome.jobs().forEach((id, job) -> err.println("  " + id + ": " + job.map(InvokeCommand::describe)
                        .orElse("no such job")));
            }
            err.println("(the private stack stops now; to follow a job end to end, use ./run-local and curl)");
            return result.functionError() ? 1 : 0;
        } finally {
            System.setOut(stdout);
        }
    }

    /**
     * What {@code invoke} does once its stack runs: seeds (unless {@code seed} is false), invokes, and reads back the
     * jobs the event named or the invocation created for the tenants involved. Tests call it on a stack of their own.
     */
    public Outcome invoke(LocalStack stack, String function, String event, boolean seed) {
        Map<String, String> environment = stack.function(function).environment();
        EventSeeder seeder = new EventSeeder(stack);
        EventSeeder.Seeded seeded = seed ? seeder.seed(environment, Json.parse(event))
                : new EventSeeder.Seeded(List.of(), List.of(), Set.of());
        if (!seeded.lines().isEmpty()) {
            err.println("seeded for this event:");
            seeded.lines().forEach(line -> err.println("  " + line));
        }
        // Jobs the invocation creates (a submit, an edit) are the tenants' jobs created from here on.
        Instant started = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).minusMillis(1);
        InvocationResult result = stack.function(function).invokeWithResult(event);

        Map<String, Optional<Job>> jobs = new LinkedHashMap<>();
        if (environment.containsKey(Settings.JOBS_TABLE)) {
            JobStore store = new DynamoJobStore(stack.dynamoDb(), environment.get(Settings.JOBS_TABLE));
            Set<String> ids = new LinkedHashSet<>(seeded.jobIds());
            for (String tenant : seeded.tenants()) {
                store.list(tenant, new JobStore.ListQuery(Set.of(), null, started, null, 20, null)).jobs()
                        .forEach(j -> ids.add(j.requestId()));
            }
            for (String id : ids) {
                jobs.put(id, store.get(id));
            }
        }
        return new Outcome(result, new ArrayList<>(seeded.lines()), jobs);
    }

    /**
     * The stack {@code invoke} runs on: configured from the environment like {@code ./run-local}, on ephemeral ports
     * (so it starts beside a running one) and without SQS pollers (the invoked function is the only one that runs).
     */
    public static LocalStackConfig.Builder privateStack(Path root, Map<String, String> env) {
        return LocalStackConfig.fromEnvironment(root, env).ports(EmulatorPorts.ephemeral()).startSqsPollers(false)
                .startStreamPollers(false);
    }

    /** The function definitions of the template, read without starting anything. */
    private static List<FunctionDefinition> functionsOf(LocalStackConfig config) {
        StackTemplate template = new TemplateReader().read(config.template());
        ResourceNames names = new ResourceNames(template, StackContext.local(config.parameterOverrides()),
                "http://" + Ports.LOOPBACK + ":0");
        return new StackDefinitionReader(template, names).functions();
    }

    private static String describe(Job job) {
        StringBuilder s = new StringBuilder(job.status().wire()).append(" (tenant ").append(job.tenant());
        if (job.sourceKey() != null) {
            s.append(", from ").append(job.sourceKey());
        }
        if (job.error() != null) {
            s.append(", ").append(job.error().code()).append(": ").append(job.error().message());
        }
        if (job.outcome() != null) {
            s.append(", ").append(job.outcome().path("images").size()).append(" image(s) stored");
        }
        return s.append(")").toString();
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
