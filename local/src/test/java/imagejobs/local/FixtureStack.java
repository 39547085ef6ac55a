package imagejobs.local;

import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** Starts stacks from src/test/resources/fixture-template.yaml with the fixture handlers of the test classpath. */
public final class FixtureStack {
    private FixtureStack() {
    }

    public static Path template() {
        try {
            return Path.of(FixtureStack.class.getResource("/fixture-template.yaml").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Ephemeral ports, fixture template, fixture handlers; the caller adds what the test needs. */
    public static LocalStackConfig.Builder config() {
        return LocalStackConfig.builder(TestPaths.root())
                .template(template())
                .functionClassLoader(FixtureStack.class.getClassLoader())
                .out(Boolean.getBoolean("imagejobs.verbose") ? System.out
                        : new PrintStream(OutputStream.nullOutputStream()));
    }
}
