package imagejobs.local.s3.isolated;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.function.Supplier;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.Checksum;

/** One of S3's checksum algorithms, computed over a stream of bytes and rendered as S3 sends it (base64, big-endian). */
abstract class FlexibleChecksum {
    private static final Map<String, Supplier<FlexibleChecksum>> BY_HEADER = Map.of(
            "x-amz-checksum-crc32", () -> crc(new CRC32(), 4),
            "x-amz-checksum-crc32c", () -> crc(new CRC32C(), 4),
            "x-amz-checksum-crc64nvme", () -> crc(new Crc64Nvme(), 8),
            "x-amz-checksum-sha1", () -> digest("SHA-1"),
            "x-amz-checksum-sha256", () -> digest("SHA-256"));

    static boolean isAlgorithmHeader(String lowerCaseHeader) {
        return BY_HEADER.containsKey(lowerCaseHeader);
    }

    /** A fresh checksum for header {@code x-amz-checksum-<algorithm>} (lower case). */
    static FlexibleChecksum forHeader(String lowerCaseHeader) {
        Supplier<FlexibleChecksum> factory = BY_HEADER.get(lowerCaseHeader);
        if (factory == null) {
            throw new IllegalArgumentException("no checksum algorithm for " + lowerCaseHeader);
        }
        return factory.get();
    }

    abstract void update(byte[] bytes, int offset, int length);

    /** The value as S3 writes it in {@code x-amz-checksum-*} headers. */
    abstract String base64();

    private static FlexibleChecksum crc(Checksum checksum, int bytes) {
        return new FlexibleChecksum() {
            @Override
            void update(byte[] b, int off, int len) {
                checksum.update(b, off, len);
            }

            @Override
            String base64() {
                ByteBuffer value = ByteBuffer.allocate(8).putLong(checksum.getValue());
                byte[] out = new byte[bytes];
                System.arraycopy(value.array(), 8 - bytes, out, 0, bytes);
                return Base64.getEncoder().encodeToString(out);
            }
        };
    }

    private static FlexibleChecksum digest(String algorithm) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is part of every JDK", e);
        }
        return new FlexibleChecksum() {
            @Override
            void update(byte[] b, int off, int len) {
                digest.update(b, off, len);
            }

            @Override
            String base64() {
                return Base64.getEncoder().encodeToString(digest.digest());
            }
        };
    }
}
