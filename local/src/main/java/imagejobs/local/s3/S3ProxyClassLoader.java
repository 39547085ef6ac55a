package imagejobs.local.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Runs S3Proxy apart from the stack's class path. S3Proxy's jar-with-dependencies bundles unrelocated copies of
 * Jackson, Guava, the AWS SDK, SLF4J 2, Logback and more, at versions that differ from the stack's: on one class path
 * its Jackson XML module met our older jackson-core and every CompleteMultipartUpload failed with
 * {@code NoSuchFieldError}. This loader sees the JDK and that jar only, plus two kinds of classes from the stack:
 * <ul>
 *   <li>the classes of {@value #ISOLATED_PACKAGE}*, defined here from the stack's own class files (they extend
 *       S3Proxy's and jclouds' types, so they must live beside them);</li>
 *   <li>the contract types ({@link S3ProxyHandle}, {@link S3ObjectListener}), taken from the stack's loader, so that
 *       both sides mean the same interfaces.</li>
 * </ul>
 * One loader serves every S3Proxy the JVM starts (classes load once).
 */
public final class S3ProxyClassLoader extends URLClassLoader {
    public static final String ISOLATED_PACKAGE = "imagejobs.local.s3.isolated.";
    /** The class S3ProxyEmulator instantiates inside this loader; it implements {@link S3ProxyHandle}. */
    public static final String SERVER_CLASS = ISOLATED_PACKAGE + "S3ProxyServer";
    /** Logback (S3Proxy's logger) reads logback.xml through this loader: ours, not the one in S3Proxy's jar. */
    private static final String LOGBACK_CONFIG = "imagejobs/local/s3/isolated/logback.xml";
    private static final Set<String> SHARED = Set.of(S3ProxyHandle.class.getName(), S3ObjectListener.class.getName(),
            S3ObjectListener.S3ObjectCreated.class.getName());

    static {
        registerAsParallelCapable();
    }

    private static S3ProxyClassLoader shared;
    private final ClassLoader stackLoader = S3ProxyClassLoader.class.getClassLoader();

    private S3ProxyClassLoader(Path s3ProxyJar) {
        super("s3proxy", new URL[] {url(s3ProxyJar)}, ClassLoader.getPlatformClassLoader());
    }

    /** The loader for the jar found by {@link #defaultJar()}, created on first use. */
    public static synchronized S3ProxyClassLoader shared() {
        if (shared == null) {
            shared = new S3ProxyClassLoader(defaultJar());
        }
        return shared;
    }

    /**
     * {@code target/s3proxy/s3proxy-jar-with-dependencies.jar} of the local module, where the build copies it: beside
     * {@code target/classes} (tests) and beside {@code target/imagejobs-local.jar} ({@code ./run-local}).
     */
    static Path defaultJar() {
        Path jar;
        try {
            Path codeSource = Path.of(S3ProxyClassLoader.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            jar = codeSource.getParent().resolve("s3proxy").resolve("s3proxy-jar-with-dependencies.jar");
        } catch (Exception e) {
            throw new IllegalStateException("cannot tell where the local stack's classes are: " + e.getMessage(), e);
        }
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("S3Proxy is missing (" + jar + "); build local/ first: "
                    + "./mvnw -B -q -DskipTests package");
        }
        return jar;
    }

    private static URL url(Path jar) {
        try {
            return jar.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(jar.toString(), e);
        }
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (SHARED.contains(name)) {
            return stackLoader.loadClass(name);
        }
        if (!name.startsWith(ISOLATED_PACKAGE)) {
            return super.loadClass(name, resolve); // the JDK first, then S3Proxy's jar
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> type = findLoadedClass(name);
            if (type == null) {
                type = defineFromStack(name);
            }
            if (resolve) {
                resolveClass(type);
            }
            return type;
        }
    }

    private Class<?> defineFromStack(String name) throws ClassNotFoundException {
        try (InputStream in = stackLoader.getResourceAsStream(name.replace('.', '/') + ".class")) {
            if (in == null) {
                throw new ClassNotFoundException(name);
            }
            byte[] bytes = in.readAllBytes();
            return defineClass(name, bytes, 0, bytes.length, S3ProxyClassLoader.class.getProtectionDomain());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name, e);
        }
    }

    @Override
    public URL getResource(String name) {
        if (name.equals("logback.xml")) {
            return stackLoader.getResource(LOGBACK_CONFIG);
        }
        if (name.startsWith(ISOLATED_PACKAGE.replace('.', '/'))) {
            return stackLoader.getResource(name);
        }
        return super.getResource(name);
    }
}
