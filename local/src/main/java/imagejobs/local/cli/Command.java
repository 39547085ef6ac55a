package imagejobs.local.cli;

import java.util.List;

/** One subcommand of {@code ./run-local}. */
public interface Command {

    /** The word that selects it ({@code run}, {@code invoke}, ...). */
    String name();

    /** One line for the usage text, e.g. {@code invoke <LogicalId> [--event file.json]   invoke one function}. */
    String usage();

    /** Runs with the arguments after the command name; returns the process exit code. */
    int run(List<String> args) throws Exception;
}
