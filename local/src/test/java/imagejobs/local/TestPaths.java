package imagejobs.local;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository and its build outputs are, as surefire tells the tests (-Dimagejobs.root). */
public final class TestPaths {
    private TestPaths() {
    }

    public static Path root() {
        String root = System.getProperty("imagejobs.root");
        Path path = root != null ? Path.of(root) : Path.of("..");
        path = path.toAbsolutePath().normalize();
        if (!Files.isRegularFile(path.resolve("template.yaml"))) {
            throw new IllegalStateException("no template.yaml under " + path + "; run the tests through Maven");
        }
        return path;
    }

    public static Path template() {
        return root().resolve("template.yaml");
    }

    public static Path nativeLibraries() {
        return root().resolve("local/target/native");
    }
}
