package imagejobs.lambda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import imagejobs.adapters.aws.AwsClientConfig;
import imagejobs.shared.config.ConfigurationException;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.log.StructuredLog;

class PrimingTest {
    @Test
    void onByDefaultAndOffWithTheSetting() {
        assertTrue(new Settings(new Environment(Map.of())).primeOnInit());
        assertFalse(new Settings(new Environment(Map.of(Settings.PRIME_ON_INIT, "false"))).primeOnInit());
    }

    @Test
    void buildsOnAnotherThreadThenWarmsUpThere() throws Exception {
        Priming priming = new Priming(true);
        AtomicReference<String> builtOn = new AtomicReference<>();
        AtomicReference<String> warmedWith = new AtomicReference<>();
        CountDownLatch warmed = new CountDownLatch(1);
        Supplier<String> value = priming.build("thing", () -> {
            builtOn.set(Thread.currentThread().getName());
            return "client";
        }, v -> {
            warmedWith.set(v);
            warmed.countDown();
        });

        assertEquals("client", value.get());
        assertTrue(warmed.await(10, TimeUnit.SECONDS));
        assertEquals("client", warmedWith.get());
        assertNotEquals(Thread.currentThread().getName(), builtOn.get());
        assertTrue(priming.await(Duration.ofSeconds(10)), "a snapshot waits for everything to finish");
    }

    @Test
    void aFailedBuildFailsTheColdStartWithItsOwnError() {
        Priming priming = new Priming(true);
        Supplier<Object> value = priming.build("thing", () -> {
            throw new ConfigurationException("JOBS_TABLE is required");
        });

        ConfigurationException e = assertThrows(ConfigurationException.class, value::get);
        assertEquals("JOBS_TABLE is required", e.getMessage());
    }

    @Test
    void aFailedWarmUpCostsNothingButItsTime() {
        Priming priming = new Priming(true);
        Supplier<String> value = priming.build("thing", () -> "client", v -> {
            throw new IllegalStateException("the emulator is down");
        });
        priming.prime("other", () -> {
            throw new IllegalStateException("so is this");
        });

        assertEquals("client", value.get());
        assertTrue(priming.await(Duration.ofSeconds(10)));
    }

    @Test
    void offBuildsInlineAndWarmsNothing() {
        Priming priming = new Priming(false);
        AtomicReference<String> builtOn = new AtomicReference<>();
        Supplier<String> value = priming.build("thing", () -> {
            builtOn.set(Thread.currentThread().getName());
            return "client";
        }, v -> {
            throw new AssertionError("no warm-up when priming is off");
        });
        priming.prime("other", () -> {
            throw new AssertionError("no priming when it is off");
        });

        assertEquals(Thread.currentThread().getName(), builtOn.get());
        assertEquals("client", value.get());
    }

    @Test
    void preloadsTheListedClassesWithoutInitialisingThemAndSkipsUnknownNames(@TempDir Path dir) throws Exception {
        Path list = dir.resolve(Priming.CLASS_LIST);
        Files.createDirectories(list.getParent());
        Files.writeString(list, String.join("\n", List.of("# a comment", "", Marker.class.getName(),
                "imagejobs.lambda.NoSuchClass", "java.util.zip.Adler32")), StandardCharsets.UTF_8);
        URL classes = Marker.class.getProtectionDomain().getCodeSource().getLocation();
        System.clearProperty("imagejobs.marker");
        try (ChildFirst loader = new ChildFirst(new URL[] {dir.toUri().toURL(), classes})) {
            Priming priming = new Priming(true);
            priming.preloadClasses(loader);
            assertTrue(priming.await(Duration.ofSeconds(10)));

            assertTrue(loader.loaded(Marker.class.getName()), "listed class loaded by the function's loader");
            assertEquals(null, System.getProperty("imagejobs.marker"),
                    "loaded, not initialised: static initialisers stay on the threads that use the class");
        }
    }

    /**
     * Submit's and status's S3 warm-ups: the client and presigner are built, the dry-run PutObject and GetObject go
     * through the whole request path (no warm-up fails) and nothing reaches the endpoint.
     */
    @Test
    void theS3WarmUpsRunTheirDryRunsAndReachNothing() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (ServerSocket endpoint = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread accept = new Thread(() -> {
                while (!endpoint.isClosed()) {
                    try (Socket ignored = endpoint.accept()) {
                        connections.incrementAndGet();
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            accept.setDaemon(true);
            accept.start();
            Environment env = new Environment(Map.of("AWS_REGION", "us-east-1", "AWS_ACCESS_KEY_ID", "test",
                    "AWS_SECRET_ACCESS_KEY", "test", "AWS_ENDPOINT_URL_S3", "http://127.0.0.1:" + endpoint.getLocalPort(),
                    "S3_FORCE_PATH_STYLE", "true", "IMAGES_BUCKET", "imagejobs-images-test"));
            Settings settings = new Settings(env);
            StructuredLog.redirect(new PrintStream(log, true, StandardCharsets.UTF_8));
            try {
                Priming priming = new Priming(true);
                AwsClientConfig aws = priming.clientConfig(env);
                assertNotEquals(null, priming.s3(aws, settings, null, "inputs/").get());
                assertNotEquals(null, priming.s3(aws, settings, "conversations/", null).get());
                assertNotEquals(null, priming.s3Presigner(aws, settings, "outputs/", Duration.ofHours(1)).get());
                assertTrue(priming.await(Duration.ofSeconds(30)));
            } finally {
                StructuredLog.redirect(System.out);
            }
        }
        assertEquals(0, connections.get(), "dry runs stop before transmission");
        assertFalse(log.toString(StandardCharsets.UTF_8).contains("priming step failed"), log.toString());
    }

    @Test
    void aJarWithoutAListPreloadsNothing() throws IOException {
        try (URLClassLoader empty = new URLClassLoader(new URL[0], null)) {
            assertEquals(List.of(), ClassList.read(empty, Priming.CLASS_LIST));
        }
    }

    /** Counts its initialisations in a system property, visible across class loaders. */
    public static final class Marker {
        public static final int initialisations;

        static {
            initialisations = Integer.getInteger("imagejobs.marker", 0);
            System.setProperty("imagejobs.marker", Integer.toString(initialisations + 1));
        }
    }

    /** Loads this test's classes itself, so that what it loaded can be told apart. */
    private static final class ChildFirst extends URLClassLoader {
        ChildFirst(URL[] urls) {
            super(urls, ClassLoader.getPlatformClassLoader());
        }

        boolean loaded(String name) {
            return findLoadedClass(name) != null;
        }
    }
}
