package imagejobs.shared.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The domain module stays free of AWS, Lambda and HTTP: its pom gives it Jackson only (so an SDK import would not
 * compile), and this test also keeps out the JDK's own HTTP and socket types and the edges' packages, which the
 * class path alone cannot forbid.
 */
class DomainIndependenceTest {

    private static final Path MAIN = Path.of("src/main/java");
    private static final Pattern IMPORT = Pattern.compile("^import\\s+(?:static\\s+)?([\\w.]+)", Pattern.MULTILINE);
    private static final List<String> FORBIDDEN = List.of(
            "software.amazon.", "com.amazonaws.", "org.apache.hc.", "org.apache.http.",
            "java.net.http.", "java.net.Socket", "java.net.ServerSocket", "java.net.HttpURLConnection",
            "java.net.URLConnection", "javax.net.", "com.sun.net.httpserver.",
            "imagejobs.lambda.", "imagejobs.adapters.", "imagejobs.local.");

    @Test
    void domainSourcesImportNeitherAwsNorHttpNorTheEdges() throws IOException {
        List<String> offences = new ArrayList<>();
        int files = 0;
        try (Stream<Path> sources = Files.walk(MAIN)) {
            for (Path file : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                files++;
                Matcher m = IMPORT.matcher(read(file));
                while (m.find()) {
                    String imported = m.group(1);
                    if (FORBIDDEN.stream().anyMatch(imported::startsWith)) {
                        offences.add(MAIN.relativize(file) + " imports " + imported);
                    }
                }
            }
        }
        assertTrue(files > 50, "found the domain's sources (" + files + " files)");
        assertEquals(List.of(), offences);
    }

    @Test
    void theDomainsOnlyLibraryIsJackson() {
        for (String name : List.of("software.amazon.awssdk.core.SdkClient", "com.amazonaws.services.lambda.runtime.Context",
                "org.apache.hc.client5.http.classic.HttpClient")) {
            assertTrue(absent(name), name + " is on the domain's class path");
        }
    }

    private static boolean absent(String className) {
        try {
            Class.forName(className, false, DomainIndependenceTest.class.getClassLoader());
            return false;
        } catch (ClassNotFoundException expected) {
            return true;
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
