package imagejobs.local;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.security.CodeSource;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * S3Proxy's jar-with-dependencies bundles unrelocated copies of libraries the stack also uses (AWS SDK 2.41, Jackson
 * 2.20, Guava, SLF4J 2, Logback, Netty, Joda...). It must come after the real jars on the classpath, or the stack
 * would run on a mix of versions. This fails if a dependency change moves it forward.
 */
class ClasspathOrderTest {

    static List<String> sharedClasses() {
        return List.of(
                "org.slf4j.LoggerFactory",
                "com.fasterxml.jackson.databind.ObjectMapper",
                "com.fasterxml.jackson.core.JsonFactory",
                "software.amazon.awssdk.core.SdkBytes",
                "software.amazon.awssdk.services.s3.S3Client",
                "software.amazon.awssdk.awscore.client.builder.AwsDefaultClientBuilder",
                "software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient",
                "com.google.common.collect.ImmutableList",
                "org.joda.time.DateTime",
                "io.netty.buffer.ByteBuf",
                "org.apache.http.client.HttpClient",
                "com.amazonaws.auth.AWSCredentials",
                "org.reactivestreams.Publisher");
    }

    @ParameterizedTest
    @MethodSource("sharedClasses")
    void realJarsComeBeforeS3ProxysBundle(String className) throws ClassNotFoundException {
        Class<?> type = Class.forName(className, false, ClasspathOrderTest.class.getClassLoader());
        CodeSource source = type.getProtectionDomain().getCodeSource();
        String location = source == null ? "bootstrap" : source.getLocation().toString();
        assertFalse(location.contains("s3proxy"), className + " is loaded from " + location);
    }
}
