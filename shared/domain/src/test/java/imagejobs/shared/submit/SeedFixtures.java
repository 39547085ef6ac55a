package imagejobs.shared.submit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;

/**
 * The seed documents' example requests ({@code src/test/resources/seeds/*.json}): each with the route it is sent to,
 * the body as the seed writes it and the canonical Gemini request it must become. {@code ${bucket}} and
 * {@code ${tenant}} stand for the deployment's bucket and the caller's tenant.
 */
record SeedFixtures(String name, String seed, String example, String route, String model, JsonNode body,
                    ObjectNode canonical) {

    static final String REQUEST_QUEUE = "request-queue";
    static final String GENERATE_CONTENT = "generate-content";

    static List<SeedFixtures> all(String bucket, String tenant) {
        try (Stream<Path> files = Files.list(directory())) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted()
                    .map(p -> read(p, bucket, tenant)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String bodyText() {
        return Json.write(body);
    }

    @Override
    public String toString() {
        return name;
    }

    private static SeedFixtures read(Path file, String bucket, String tenant) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8)
                    .replace("${bucket}", bucket).replace("${tenant}", tenant);
            JsonNode fixture = Json.parse(text);
            String name = file.getFileName().toString().replace(".json", "");
            return new SeedFixtures(name, fixture.path("seed").asText(), fixture.path("example").asText(),
                    fixture.path("route").asText(), fixture.path("model").asText(), fixture.get("body"),
                    (ObjectNode) fixture.get("canonical"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The seeds directory: a folder in this module's build, an entry of its test jar in other modules' builds. */
    private static synchronized Path directory() {
        try {
            java.net.URI uri = SeedFixtures.class.getResource("/seeds").toURI();
            if ("jar".equals(uri.getScheme())) {
                try {
                    FileSystems.getFileSystem(uri);
                } catch (FileSystemNotFoundException notOpenYet) {
                    FileSystems.newFileSystem(uri, Map.of()); // kept open: the test JVM reads it until it exits
                }
            }
            return Path.of(uri);
        } catch (URISyntaxException | IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
