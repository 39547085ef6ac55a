package imagejobs.local.s3.isolated;

import java.util.zip.Checksum;

/**
 * CRC-64/NVME (S3's {@code x-amz-checksum-crc64nvme}: reflected polynomial 0x9A6C9329AC4BC9B5, initial value and
 * final XOR all ones; check value of "123456789" 0xAE8B14860A799888). Hand-written: the JDK has CRC32 and CRC32C only,
 * Guava has no CRC-64, and the AWS SDK computes it through its native CRT library, which is not here.
 */
final class Crc64Nvme implements Checksum {
    private static final long REFLECTED_POLYNOMIAL = 0x9A6C9329AC4BC9B5L;
    private static final long[] TABLE = new long[256];

    static {
        for (int i = 0; i < 256; i++) {
            long crc = i;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ REFLECTED_POLYNOMIAL : crc >>> 1;
            }
            TABLE[i] = crc;
        }
    }

    private long crc = -1L;

    @Override
    public void update(int b) {
        crc = TABLE[(int) ((crc ^ b) & 0xFF)] ^ (crc >>> 8);
    }

    @Override
    public void update(byte[] bytes, int offset, int length) {
        long c = crc;
        for (int i = offset; i < offset + length; i++) {
            c = TABLE[(int) ((c ^ bytes[i]) & 0xFF)] ^ (c >>> 8);
        }
        crc = c;
    }

    @Override
    public long getValue() {
        return ~crc;
    }

    @Override
    public void reset() {
        crc = -1L;
    }
}
