package imagejobs.local;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import imagejobs.local.cli.BenchCommand;
import imagejobs.local.cli.Command;
import imagejobs.local.cli.InvokeCommand;
import imagejobs.local.cli.KeysCommand;
import imagejobs.local.cli.RunCommand;
import imagejobs.local.cli.UsageException;
import imagejobs.local.cli.WebhooksCommand;
import imagejobs.local.emulators.Ports;
import imagejobs.local.template.TemplateException;

/**
 * {@code ./run-local [command] [args]}. Commands are looked up by name, so new ones ({@code keys}, {@code bench})
 * are one class each plus one line in {@link #commands}.
 */
public final class LocalStackMain {

    private LocalStackMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    static Map<String, Command> commands(Path root, Map<String, String> env, PrintStream out, PrintStream err) {
        Map<String, Command> commands = new LinkedHashMap<>();
        for (Command c : List.of(new RunCommand(root, env, out), new InvokeCommand(root, env, out, err),
                new KeysCommand(env, out, err), new BenchCommand(root, out, err),
                new WebhooksCommand(env, out, err))) {
            commands.put(c.name(), c);
        }
        return commands;
    }

    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        List<String> arguments = List.of(args);
        // ./run-local --data DIR: options without a command are the default command's.
        if (!arguments.isEmpty() && arguments.get(0).startsWith("--") && !arguments.get(0).equals("--help")) {
            arguments = concat("run", arguments);
        }
        String name = arguments.isEmpty() ? "run" : arguments.get(0);
        if (name.equals("help") || name.equals("--help") || name.equals("-h")) {
            usage(out, commands(Path.of("."), env, out, err));
            return 0;
        }
        try {
            Path root = LocalStackConfig.defaultRepositoryRoot();
            Map<String, Command> commands = commands(root, env, out, err);
            Command command = commands.get(name);
            if (command == null) {
                throw new UsageException("unknown command " + name);
            }
            return command.run(arguments.isEmpty() ? List.of() : arguments.subList(1, arguments.size()));
        } catch (UsageException e) {
            err.println("run-local: " + e.getMessage());
            usage(err, commands(Path.of("."), env, out, err));
            return 2;
        } catch (Ports.PortInUseException | TemplateException | IllegalArgumentException e) {
            err.println("run-local: " + e.getMessage());
            return 1;
        } catch (Exception e) {
            err.println("run-local: " + e);
            e.printStackTrace(err);
            return 1;
        }
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>();
        all.add(first);
        all.addAll(rest);
        return all;
    }

    private static void usage(PrintStream out, Map<String, Command> commands) {
        out.println("usage: ./run-local [command]");
        commands.values().forEach(c -> out.println("  " + c.usage()));
        out.println("  help                                 this text");
        out.println();
        out.println("environment: IMAGEJOBS_API_PORT (3000), IMAGEJOBS_S3_PORT (9000), IMAGEJOBS_DYNAMODB_PORT (8000),");
        out.println("  IMAGEJOBS_SQS_PORT (9324), IMAGEJOBS_GEMINI_SIM_PORT (8090), IMAGEJOBS_SYNC_PORT (3001, the function");
        out.println("  URL's front door); 0 = any free port");
        out.println("  IMAGEJOBS_LOCAL_KEYS=tenantA:keyA,tenantB:keyB   API keys to seed (default dev: ij_dev_local_key)");
        out.println("  GEMINI_API_KEY [GEMINI_BASE_URL, GEMINI_AUTH_STYLE]  call the real Gemini instead of the simulator");
        out.println("  IMAGEJOBS_FUNCTION_ENV_<NAME>=value             set NAME in every function's environment");
        out.println("  IMAGEJOBS_PARAMETER_<Name>=value                a template parameter instead of its Default");
        out.println("  IMAGEJOBS_JAVA_OPTS                             extra JVM options (./run-local)");
        out.println();
        out.println("state: without --data everything (tables, queues, messages, objects) is in memory and lost when the");
        out.println("  stack stops; ./run-local --data DIR keeps it in DIR and restores it at the next start with --data DIR.");
        out.println("stopping: Ctrl-C, or SIGTERM (kill -TERM <pid>; the pid is printed at start-up). A ./run-local started in");
        out.println("  the background by a script ignores Ctrl-C/SIGINT (the shell sets it so): use SIGTERM. Either stops every");
        out.println("  server and thread, writes --data state, frees the ports and exits 0.");
    }
}
