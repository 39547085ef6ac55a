package imagejobs.shared.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * What an image's first bytes say: its real type (magic number) and its dimensions, read from the header
 * alone (PNG IHDR, JPEG SOFn, WebP VP8/VP8L/VP8X, GIF). Never decodes pixels.
 */
public final class ImageHeaders {
    /** Enough for the header of every supported format except JPEGs with large EXIF blocks (read on demand). */
    private static final int HEAD = 64 * 1024;

    private ImageHeaders() {
    }

    public record Info(String mimeType, int width, int height) {
    }

    /** The MIME type the bytes really are, from their magic number. */
    public static Optional<String> sniff(byte[] b) {
        if (b.length >= 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
            return Optional.of("image/png");
        }
        if (b.length >= 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8 && (b[2] & 0xff) == 0xFF) {
            return Optional.of("image/jpeg");
        }
        if (b.length >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F'
                && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') {
            return Optional.of("image/webp");
        }
        if (b.length >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8') {
            return Optional.of("image/gif");
        }
        if (b.length >= 12 && b[4] == 'f' && b[5] == 't' && b[6] == 'y' && b[7] == 'p') {
            String brand = new String(b, 8, 4, java.nio.charset.StandardCharsets.US_ASCII);
            return switch (brand) {
                case "heic", "heix", "hevc", "hevx", "heim", "heis" -> Optional.of("image/heic");
                case "mif1", "msf1", "heif" -> Optional.of("image/heif");
                default -> Optional.empty();
            };
        }
        return Optional.empty();
    }

    public static Optional<Info> read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in.readNBytes(HEAD));
        }
    }

    /** Type and dimensions from the first bytes of an image; empty when unknown or truncated. */
    public static Optional<Info> read(byte[] b) {
        Optional<String> mime = sniff(b);
        if (mime.isEmpty()) {
            return Optional.empty();
        }
        try {
            return switch (mime.get()) {
                case "image/png" -> Optional.of(new Info("image/png", int32(b, 16), int32(b, 20)));
                case "image/gif" -> Optional.of(new Info("image/gif", u16le(b, 6), u16le(b, 8)));
                case "image/jpeg" -> jpeg(b);
                case "image/webp" -> webp(b);
                // HEIF dimensions sit deep in the box tree (ispe); the type alone is enough for validation.
                default -> Optional.of(new Info(mime.get(), 0, 0));
            };
        } catch (ArrayIndexOutOfBoundsException e) {
            return Optional.empty();
        }
    }

    private static Optional<Info> jpeg(byte[] b) {
        int i = 2;
        while (i + 9 < b.length) {
            if ((b[i] & 0xff) != 0xFF) {
                i++;
                continue;
            }
            int marker = b[i + 1] & 0xff;
            if (marker == 0xFF) {
                i++;
                continue;
            }
            int length = u16be(b, i + 2);
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof) {
                return Optional.of(new Info("image/jpeg", u16be(b, i + 7), u16be(b, i + 5)));
            }
            i += 2 + length;
        }
        return Optional.empty();
    }

    private static Optional<Info> webp(byte[] b) {
        String chunk = new String(Arrays.copyOfRange(b, 12, 16), java.nio.charset.StandardCharsets.US_ASCII);
        return switch (chunk) {
            case "VP8 " -> Optional.of(new Info("image/webp", u16le(b, 26) & 0x3FFF, u16le(b, 28) & 0x3FFF));
            case "VP8L" -> {
                int bits = (b[21] & 0xff) | (b[22] & 0xff) << 8 | (b[23] & 0xff) << 16 | (b[24] & 0xff) << 24;
                yield Optional.of(new Info("image/webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1));
            }
            case "VP8X" -> Optional.of(new Info("image/webp", u24le(b, 24) + 1, u24le(b, 27) + 1));
            default -> Optional.empty();
        };
    }

    private static int int32(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    private static int u16be(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
    }

    private static int u16le(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    private static int u24le(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16;
    }
}
