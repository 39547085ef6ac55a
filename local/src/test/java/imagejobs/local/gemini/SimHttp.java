package imagejobs.local.gemini;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;

/** A plain java.net.http client for the simulator tests, plus request builders and image readers. */
final class SimHttp {
    record Reply(int status, HttpHeaders headers, String body) {
        JsonNode json() {
            return Json.parse(body);
        }

        JsonNode error() {
            return json().path("error");
        }

        /** The answer's inlineData parts, in order. */
        List<JsonNode> images() {
            List<JsonNode> out = new ArrayList<>();
            json().path("candidates").path(0).path("content").path("parts").forEach(p -> {
                if (p.has("inlineData")) {
                    out.add(p);
                }
            });
            return out;
        }

        List<JsonNode> parts() {
            List<JsonNode> out = new ArrayList<>();
            json().path("candidates").path(0).path("content").path("parts").forEach(out::add);
            return out;
        }
    }

    final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final String base;

    SimHttp(String base) {
        this.base = base;
    }

    Reply generate(String model, JsonNode body, String... headers) {
        return send(request("/v1beta/models/" + model + ":generateContent", headers)
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build());
    }

    HttpRequest.Builder request(String pathAndQuery, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + pathAndQuery))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json");
        if (headers.length > 0) {
            builder.headers(headers);
        }
        return builder;
    }

    Reply send(HttpRequest request) {
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** One user turn with one text part. */
    static ObjectNode prompt(String text) {
        ObjectNode body = Json.object();
        body.putArray("contents").addObject().put("role", "user").putArray("parts").addObject().put("text", text);
        return body;
    }

    /** A prompt with an imageConfig (null leaves a field out). */
    static ObjectNode prompt(String text, String aspectRatio, String imageSize) {
        ObjectNode body = prompt(text);
        ObjectNode image = body.putObject("generationConfig").putObject("imageConfig");
        if (aspectRatio != null) {
            image.put("aspectRatio", aspectRatio);
        }
        if (imageSize != null) {
            image.put("imageSize", imageSize);
        }
        return body;
    }

    /** The parts array of one content of a request body, to add parts to. */
    static ArrayNode parts(ObjectNode body, int content) {
        return (ArrayNode) body.path("contents").path(content).path("parts");
    }

    static byte[] imageBytes(JsonNode part) {
        return Base64.getDecoder().decode(part.path("inlineData").path("data").asText());
    }

    /** Width and height from the image header, without decoding every pixel of a 4K image. */
    static int[] dimensions(byte[] image) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(image))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new AssertionError("not an image ImageIO can read");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in);
                return new int[] {reader.getWidth(0), reader.getHeight(0)};
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean isPng(byte[] b) {
        return b.length > 8 && (b[0] & 0xFF) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G';
    }

    static boolean isJpeg(byte[] b) {
        return b.length > 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF;
    }

    /** A small real PNG, base64, to send as an input image. */
    static String smallPngBase64() {
        BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        image.setRGB(3, 3, 0xFF0000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }
}
