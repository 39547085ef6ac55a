package imagejobs.local.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.CodeSource;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * S3Proxy's jar-with-dependencies bundles unrelocated copies of libraries the stack also uses (AWS SDK 2.41, Jackson
 * 2.20, Guava, SLF4J 2, Logback, Netty, Joda...). On one class path the two sets mixed (CompleteMultipartUpload died
 * with NoSuchFieldError); now S3Proxy runs in a loader of its own. These fail if it leaks back onto the class path or
 * if the loader starts handing S3Proxy the stack's copies.
 */
class S3ProxyClassLoaderTest {

    static List<String> bundledClasses() {
        return List.of(
                "org.slf4j.LoggerFactory",
                "com.fasterxml.jackson.databind.ObjectMapper",
                "com.fasterxml.jackson.core.JsonFactory",
                "software.amazon.awssdk.core.SdkBytes",
                "com.google.common.collect.ImmutableList",
                "org.joda.time.DateTime",
                "io.netty.buffer.ByteBuf");
    }

    private static String location(Class<?> type) {
        CodeSource source = type.getProtectionDomain().getCodeSource();
        return source == null ? "bootstrap" : source.getLocation().toString();
    }

    @Test
    void s3ProxyIsNotOnTheStacksClassPath() {
        assertThrows(ClassNotFoundException.class,
                () -> Class.forName("org.gaul.s3proxy.S3Proxy", false, S3ProxyClassLoaderTest.class.getClassLoader()));
    }

    @ParameterizedTest
    @MethodSource("bundledClasses")
    void theStackUsesItsOwnCopies(String className) throws ClassNotFoundException {
        Class<?> type = Class.forName(className, false, S3ProxyClassLoaderTest.class.getClassLoader());
        assertFalse(location(type).contains("s3proxy"), className + " is loaded from " + location(type));
    }

    @ParameterizedTest
    @MethodSource("bundledClasses")
    void s3ProxyUsesTheCopiesItWasBuiltWith(String className) throws ClassNotFoundException {
        Class<?> type = Class.forName(className, false, S3ProxyClassLoader.shared());
        assertTrue(location(type).contains("s3proxy"), className + " is loaded from " + location(type));
    }

    @Test
    void bothSidesShareTheContractTypes() throws ClassNotFoundException {
        S3ProxyClassLoader loader = S3ProxyClassLoader.shared();
        assertSame(S3ProxyHandle.class, loader.loadClass(S3ProxyHandle.class.getName()));
        assertSame(S3ObjectListener.class, loader.loadClass(S3ObjectListener.class.getName()));
        assertSame(S3ObjectListener.S3ObjectCreated.class, loader.loadClass(S3ObjectListener.S3ObjectCreated.class.getName()));
        Class<?> server = loader.loadClass(S3ProxyClassLoader.SERVER_CLASS);
        assertSame(loader, server.getClassLoader());
        assertTrue(S3ProxyHandle.class.isAssignableFrom(server));
    }

    @Test
    void s3ProxyLogsWithOurConfiguration() {
        assertTrue(S3ProxyClassLoader.shared().getResource("logback.xml").toString()
                .endsWith("imagejobs/local/s3/isolated/logback.xml"));
        assertEquals(null, S3ProxyClassLoader.shared().getResource("logback-test.xml"));
    }
}
