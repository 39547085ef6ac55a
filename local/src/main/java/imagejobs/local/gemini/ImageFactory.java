package imagejobs.local.gemini;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Real, decodable PNG or JPEG images of an exact size, drawn deterministically and cached per (mime, width,
 * height, noise) so that only the first request for a size pays for encoding; every later answer is instant.
 * The cache is shared by every simulator in the JVM: images depend on nothing but their key, and test suites
 * start many simulators.
 *
 * <p>The picture is gradients, rings and stripes plus fine pseudo-random grain: the grain is what makes the
 * encoded files about as large as Gemini's (a 4K JPEG of a few MB, a 1K PNG of a megabyte or two), so transfer
 * and storage paths are exercised with realistic sizes.
 */
final class ImageFactory {
    /** An encoded image, with its base64 (what the response carries) computed once. */
    record EncodedImage(String mimeType, int width, int height, int byteLength, String base64) {
    }

    private record Key(String mimeType, int width, int height, boolean noise) {
    }

    static {
        // Drawing needs no display; without this a desktop JVM could try to open one.
        System.setProperty("java.awt.headless", "true");
    }

    /** What the shared cache may hold: about fifty 4K JPEGs. */
    static final long SHARED_BUDGET_BYTES = 256L << 20;
    private static final ImageFactory SHARED = new ImageFactory(SHARED_BUDGET_BYTES);

    /** Encoded bytes kept in memory at most (base64 characters, one byte each as Latin-1 strings). */
    private final long budgetBytes;
    private final Map<Key, CompletableFuture<EncodedImage>> cache = new LinkedHashMap<>(64, 0.75f, true);
    private long cachedBytes;

    ImageFactory(long budgetBytes) {
        this.budgetBytes = budgetBytes;
    }

    static ImageFactory shared() {
        return SHARED;
    }

    /**
     * The image for this size, encoded once; concurrent callers for the same key wait for the one encoding
     * rather than each starting their own.
     */
    EncodedImage image(String mimeType, int width, int height, boolean noise) {
        Key key = new Key(mimeType, width, height, noise);
        CompletableFuture<EncodedImage> future;
        boolean mine = false;
        synchronized (cache) {
            future = cache.get(key);
            if (future == null) {
                future = new CompletableFuture<>();
                cache.put(key, future);
                mine = true;
            }
        }
        if (mine) {
            try {
                EncodedImage image = encode(key);
                future.complete(image);
                account(key, image);
            } catch (RuntimeException | Error e) {
                synchronized (cache) {
                    cache.remove(key);
                }
                future.completeExceptionally(e);
                throw e;
            }
        }
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for an image encoding", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("image encoding failed", e.getCause());
        }
    }

    /** Drops the least recently used images once over budget (4K JPEGs are several MB each). */
    private void account(Key key, EncodedImage image) {
        synchronized (cache) {
            cachedBytes += image.base64().length();
            Iterator<Map.Entry<Key, CompletableFuture<EncodedImage>>> it = cache.entrySet().iterator();
            while (cachedBytes > budgetBytes && it.hasNext()) {
                Map.Entry<Key, CompletableFuture<EncodedImage>> eldest = it.next();
                if (eldest.getKey().equals(key) || !eldest.getValue().isDone()) {
                    continue;
                }
                cachedBytes -= eldest.getValue().join().base64().length();
                it.remove();
            }
        }
    }

    private static EncodedImage encode(Key key) {
        BufferedImage image = draw(key.width(), key.height(), key.noise());
        byte[] bytes = key.mimeType().equals("image/png") ? png(image) : jpeg(image);
        return new EncodedImage(key.mimeType(), key.width(), key.height(), bytes.length,
                Base64.getEncoder().encodeToString(bytes));
    }

    /** Writes pixels straight into the raster: drawing 17 MP through Graphics2D would be far slower. */
    static BufferedImage draw(int width, int height, boolean noise) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        double cx = width * 0.62;
        double cy = height * 0.38;
        double ringScale = 2 * Math.PI / Math.max(24, Math.min(width, height) / 18.0);
        int stripe = Math.max(8, Math.min(width, height) / 40);
        int i = 0;
        for (int y = 0; y < height; y++) {
            // One small generator per row keeps the grain deterministic and the loop allocation-free.
            long seed = 0x9E3779B97F4A7C15L * (y + 1) ^ ((long) width << 32 | height);
            double dy = y - cy;
            int gy = (int) (255L * y / Math.max(1, height - 1));
            for (int x = 0; x < width; x++) {
                seed ^= seed << 13;
                seed ^= seed >>> 7;
                seed ^= seed << 17;
                if (noise) {
                    bgr[i++] = (byte) seed;
                    bgr[i++] = (byte) (seed >>> 8);
                    bgr[i++] = (byte) (seed >>> 16);
                    continue;
                }
                double dx = x - cx;
                int ring = Math.sin(Math.sqrt(dx * dx + dy * dy) * ringScale) > 0 ? 40 : 0;
                int band = ((x + y) / stripe & 1) == 0 ? 24 : 0;
                int gx = (int) (255L * x / Math.max(1, width - 1));
                int grain = (int) (seed & 15) - 8;
                int r = gx - ring + grain;
                int g = (gy >> 1) + 64 + band + grain;
                int b = 255 - gx / 2 - gy / 3 + ring + (int) ((seed >>> 8) & 7) - 4;
                bgr[i++] = clamp(b);
                bgr[i++] = clamp(g);
                bgr[i++] = clamp(r);
            }
        }
        return image;
    }

    private static byte clamp(int v) {
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    private static byte[] png(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(image.getWidth() * image.getHeight() * 2);
        try {
            if (!ImageIO.write(image, "png", out)) {
                throw new IllegalStateException("no PNG writer in this JDK");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] jpeg(BufferedImage image) {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
        if (!writers.hasNext()) {
            throw new IllegalStateException("no JPEG writer in this JDK");
        }
        ImageWriter writer = writers.next();
        ByteArrayOutputStream out = new ByteArrayOutputStream(image.getWidth() * image.getHeight() / 3);
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            // Gemini's JPEGs are high quality; lower settings would make the files unrealistically small.
            param.setCompressionQuality(0.9f);
            writer.setOutput(stream);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }
}
