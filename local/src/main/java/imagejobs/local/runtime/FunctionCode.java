package imagejobs.local.runtime;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a function's classes come from. In the stack: its own shaded jar in a class loader whose parent is the
 * platform loader, so nothing of the stack's classpath leaks in and the jar must be as self-sufficient as on Lambda.
 * In tests: any class loader (the test classpath with small fixture handlers).
 */
public interface FunctionCode extends AutoCloseable {

    /** The loader handler classes are loaded from; each call may return a fresh one. */
    ClassLoader classLoader();

    /** Human description for errors: the jar path or "test class loader". */
    String describe();

    @Override
    void close();

    /** A function's own jar, isolated like a Lambda sandbox. */
    static FunctionCode jar(Path jar) {
        return new JarCode(jar);
    }

    /** Classes from an existing loader (shared, never closed here): for fixture handlers in tests. */
    static FunctionCode classLoader(ClassLoader loader) {
        return new FunctionCode() {
            @Override
            public ClassLoader classLoader() {
                return loader;
            }

            @Override
            public String describe() {
                return "class loader " + loader;
            }

            @Override
            public void close() {
            }
        };
    }

    final class JarCode implements FunctionCode {
        private final Path jar;
        private URLClassLoader loader;

        JarCode(Path jar) {
            this.jar = jar;
        }

        @Override
        public synchronized ClassLoader classLoader() {
            if (loader == null) {
                if (!Files.isRegularFile(jar)) {
                    throw new IllegalStateException(jar + " does not exist; build it with ./mvnw -B -q -DskipTests package");
                }
                try {
                    loader = new URLClassLoader("function:" + jar.getFileName(), new URL[] {jar.toUri().toURL()},
                            ClassLoader.getPlatformClassLoader());
                } catch (MalformedURLException e) {
                    throw new IllegalStateException(e);
                }
            }
            return loader;
        }

        @Override
        public String describe() {
            return jar.toString();
        }

        @Override
        public synchronized void close() {
            if (loader != null) {
                try {
                    loader.close();
                } catch (IOException e) {
                    System.err.println("closing " + jar + ": " + e);
                }
                loader = null;
            }
        }
    }
}
