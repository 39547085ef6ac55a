package imagejobs.shared.image;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import javax.imageio.ImageIO;

/** Real small images made with ImageIO (PNG, JPEG, GIF) and hand-built headers for what ImageIO cannot write. */
public final class TestImages {
    private TestImages() {
    }

    public static byte[] png(int width, int height) {
        return write("png", width, height, BufferedImage.TYPE_INT_ARGB);
    }

    public static byte[] jpeg(int width, int height) {
        return write("jpeg", width, height, BufferedImage.TYPE_INT_RGB);
    }

    public static byte[] gif(int width, int height) {
        return write("gif", width, height, BufferedImage.TYPE_INT_RGB);
    }

    private static byte[] write(String format, int width, int height, int type) {
        BufferedImage image = new BufferedImage(width, height, type);
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(40, 120, 200));
        g.fillRect(0, 0, width, height);
        g.setColor(Color.ORANGE);
        g.fillOval(width / 4, height / 4, Math.max(1, width / 2), Math.max(1, height / 2));
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A WebP file header with a VP8X chunk (extended format: canvas size stored minus one, 24-bit LE). */
    public static byte[] webpVp8x(int width, int height) {
        byte[] b = riff("VP8X", 30);
        b[20] = 0; // flags
        le24(b, 24, width - 1);
        le24(b, 27, height - 1);
        return b;
    }

    /** A lossless WebP header: 14-bit width-1 and height-1 packed after the 0x2f signature. */
    public static byte[] webpVp8l(int width, int height) {
        byte[] b = riff("VP8L", 30);
        b[20] = 0x2f;
        int bits = (width - 1) | (height - 1) << 14;
        b[21] = (byte) bits;
        b[22] = (byte) (bits >> 8);
        b[23] = (byte) (bits >> 16);
        b[24] = (byte) (bits >> 24);
        return b;
    }

    /** A lossy WebP header: key frame start code then 14-bit width and height. */
    public static byte[] webpVp8(int width, int height) {
        byte[] b = riff("VP8 ", 30);
        b[23] = (byte) 0x9d;
        b[24] = 0x01;
        b[25] = 0x2a;
        b[26] = (byte) width;
        b[27] = (byte) ((width >> 8) & 0x3f);
        b[28] = (byte) height;
        b[29] = (byte) ((height >> 8) & 0x3f);
        return b;
    }

    /** An ISO-BMFF ftyp box with the given major brand (heic, mif1, …). */
    public static byte[] ftyp(String brand) {
        byte[] b = new byte[32];
        b[3] = 24;
        System.arraycopy("ftyp".getBytes(StandardCharsets.US_ASCII), 0, b, 4, 4);
        System.arraycopy(brand.getBytes(StandardCharsets.US_ASCII), 0, b, 8, 4);
        return b;
    }

    private static byte[] riff(String chunk, int length) {
        byte[] b = new byte[length + 10];
        System.arraycopy("RIFF".getBytes(StandardCharsets.US_ASCII), 0, b, 0, 4);
        System.arraycopy("WEBP".getBytes(StandardCharsets.US_ASCII), 0, b, 8, 4);
        System.arraycopy(chunk.getBytes(StandardCharsets.US_ASCII), 0, b, 12, 4);
        return b;
    }

    private static void le24(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >> 8);
        b[at + 2] = (byte) (v >> 16);
    }
}
