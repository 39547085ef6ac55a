package imagejobs.it.submit;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;

/**
 * The seed documents' example requests, read from the fixtures the unit tests use
 * ({@code shared/domain/src/test/resources/seeds}): route, body as the seed writes it, and its canonical Gemini request.
 */
record SeedRequests(String name, String route, String model, JsonNode body, ObjectNode canonical) {
    static final String REQUEST_QUEUE = "request-queue";

    static List<SeedRequests> all(String bucket, String tenant) {
        Path dir = root().resolve("shared/domain/src/test/resources/seeds");
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().map(p -> {
                try {
                    String text = Files.readString(p, StandardCharsets.UTF_8)
                            .replace("${bucket}", bucket).replace("${tenant}", tenant);
                    JsonNode f = Json.parse(text);
                    return new SeedRequests(p.getFileName().toString().replace(".json", ""), f.path("route").asText(),
                            f.path("model").asText(), f.get("body"), (ObjectNode) f.get("canonical"));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The repository root: the build sets imagejobs.root; an IDE runs in the module directory. */
    static Path root() {
        String root = System.getProperty("imagejobs.root");
        return root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
    }

    @Override
    public String toString() {
        return name;
    }

    /** A real small image of a given format ("png", "jpg", "gif"), for references the tests serve. */
    static byte[] image(String format, Color color) {
        BufferedImage image = new BufferedImage(20, 12, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(color);
        g.fillRect(0, 0, 20, 12);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, format, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A WebP file's first bytes (RIFF....WEBPVP8L): what type sniffing and the simulator look at. */
    static byte[] webp() {
        byte[] b = new byte[64];
        System.arraycopy("RIFF".getBytes(StandardCharsets.US_ASCII), 0, b, 0, 4);
        System.arraycopy("WEBPVP8L".getBytes(StandardCharsets.US_ASCII), 0, b, 8, 8);
        return b;
    }
}
