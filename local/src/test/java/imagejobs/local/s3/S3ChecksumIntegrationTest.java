package imagejobs.local.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import imagejobs.local.emulators.LocalAwsClients;
import imagejobs.local.emulators.S3ProxyEmulator;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * S3's flexible checksums against the local S3 endpoint, in memory and on disk: a right {@code x-amz-checksum-*}
 * header stores the object, a wrong one is S3's 400 BadDigest with nothing stored, and a multipart upload with
 * per-part CRC32 checksums (what the AWS CLI sends by default) completes and is announced as
 * ObjectCreated:CompleteMultipartUpload.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class S3ChecksumIntegrationTest {
    private static final String BUCKET = "checksums";
    private static final byte[] CHECK_INPUT = "123456789".getBytes(StandardCharsets.US_ASCII);
    @TempDir
    Path dataDir;
    private S3ProxyEmulator s3;
    private LocalAwsClients clients;

    private S3Client start(boolean onDisk) {
        s3 = S3ProxyEmulator.start(0, onDisk ? dataDir : null);
        URI unused = URI.create("http://127.0.0.1:1");
        clients = new LocalAwsClients(unused, unused, s3.endpoint(), "us-east-1");
        clients.s3().createBucket(b -> b.bucket(BUCKET));
        return clients.s3();
    }

    @AfterEach
    void stop() {
        if (clients != null) {
            clients.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    private static byte[] get(S3Client client, String key) {
        return client.getObjectAsBytes(g -> g.bucket(BUCKET).key(key)).asByteArray();
    }

    private static void put(S3Client client, String key, byte[] body, Consumer<PutObjectRequest.Builder> checksum) {
        PutObjectRequest.Builder request = PutObjectRequest.builder().bucket(BUCKET).key(key);
        checksum.accept(request);
        client.putObject(request.build(), RequestBody.fromBytes(body));
    }

    private static String base64(long value, int bytes) {
        byte[] all = ByteBuffer.allocate(8).putLong(value).array();
        byte[] out = new byte[bytes];
        System.arraycopy(all, 8 - bytes, out, 0, bytes);
        return Base64.getEncoder().encodeToString(out);
    }

    private static String crc32(byte[] data) {
        CRC32 crc = new CRC32();
        crc.update(data);
        return base64(crc.getValue(), 4);
    }

    @ParameterizedTest(name = "on disk: {0}")
    @ValueSource(booleans = {false, true})
    void theRightChecksumStoresTheObject(boolean onDisk) throws Exception {
        S3Client client = start(onDisk);
        CRC32C crc32c = new CRC32C();
        crc32c.update(CHECK_INPUT);
        put(client, "crc32", CHECK_INPUT, r -> r.checksumCRC32(crc32(CHECK_INPUT)).contentType("text/plain")
                .metadata(java.util.Map.of("kept", "yes")));
        put(client, "crc32c", CHECK_INPUT, r -> r.checksumCRC32C(base64(crc32c.getValue(), 4)));
        put(client, "crc64nvme", CHECK_INPUT, r -> r.checksumCRC64NVME("rosUhgp5mIg=")); // the catalogued check value
        String sha1 = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1").digest(CHECK_INPUT));
        String sha256 = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(CHECK_INPUT));
        put(client, "sha1", CHECK_INPUT, r -> r.checksumSHA1(sha1));
        put(client, "sha256", CHECK_INPUT, r -> r.checksumSHA256(sha256));
        for (String key : List.of("crc32", "crc32c", "crc64nvme", "sha1", "sha256")) {
            assertArrayEquals(CHECK_INPUT, get(client, key), key);
        }
        var head = client.headObject(h -> h.bucket(BUCKET).key("crc32"));
        assertEquals("text/plain", head.contentType());
        assertEquals("yes", head.metadata().get("kept"));
        assertEquals(CHECK_INPUT.length, head.contentLength());
    }

    @ParameterizedTest(name = "on disk: {0}")
    @ValueSource(booleans = {false, true})
    void aWrongChecksumIsBadDigestAndStoresNothing(boolean onDisk) {
        S3Client client = start(onDisk);
        // The SDK sends small bodies as they are and large ones as signed aws-chunked frames: both are checked.
        for (int size : new int[] {100, 3 * 1024 * 1024}) {
            byte[] body = new byte[size];
            new Random(size).nextBytes(body);
            for (Consumer<PutObjectRequest.Builder> wrong : List.<Consumer<PutObjectRequest.Builder>>of(
                    r -> r.checksumCRC32(crc32("something else".getBytes(StandardCharsets.US_ASCII))),
                    r -> r.checksumCRC64NVME("AAAAAAAAAAA="))) {
                S3Exception e = assertThrows(S3Exception.class, () -> put(client, "wrong.bin", body, wrong));
                assertEquals(400, e.statusCode());
                assertEquals("BadDigest", e.awsErrorDetails().errorCode());
                assertThrows(NoSuchKeyException.class, () -> get(client, "wrong.bin"));
            }
        }
        assertEquals(0, client.listObjectsV2(l -> l.bucket(BUCKET)).keyCount(), "no object, no leftover");
    }

    @ParameterizedTest(name = "on disk: {0}")
    @ValueSource(booleans = {false, true})
    void aMultipartUploadWithPartChecksumsCompletesAndIsAnnounced(boolean onDisk) {
        S3Client client = start(onDisk);
        List<S3ObjectListener.S3ObjectCreated> created = new CopyOnWriteArrayList<>();
        s3.objectListener(created::add);
        byte[] body = new byte[11 * 1024 * 1024];
        new Random(11).nextBytes(body);
        String key = "edits/dev/big.png";
        String uploadId = client.createMultipartUpload(c -> c.bucket(BUCKET).key(key)
                .checksumAlgorithm(ChecksumAlgorithm.CRC32).contentType("image/png")
                .metadata(java.util.Map.of("prompt", "add a hat")))
                .uploadId();
        List<CompletedPart> parts = new ArrayList<>();
        int partSize = 5 * 1024 * 1024;
        for (int part = 1, offset = 0; offset < body.length; part++, offset += partSize) {
            byte[] chunk = java.util.Arrays.copyOfRange(body, offset, Math.min(body.length, offset + partSize));
            int number = part;
            String checksum = crc32(chunk);
            String eTag = client.uploadPart(u -> u.bucket(BUCKET).key(key).uploadId(uploadId).partNumber(number)
                    .checksumCRC32(checksum), RequestBody.fromBytes(chunk)).eTag();
            parts.add(CompletedPart.builder().partNumber(number).eTag(eTag).checksumCRC32(checksum).build());
        }
        client.completeMultipartUpload(c -> c.bucket(BUCKET).key(key).uploadId(uploadId)
                .multipartUpload(m -> m.parts(parts)));

        assertArrayEquals(body, get(client, key));
        var head = client.headObject(h -> h.bucket(BUCKET).key(key));
        assertEquals("add a hat", head.metadata().get("prompt"));
        assertEquals("image/png", head.contentType());
        assertEquals(List.of("ObjectCreated:CompleteMultipartUpload " + key + " " + body.length),
                created.stream().map(c -> c.eventName() + " " + c.key() + " " + c.size()).toList());
        assertEquals(List.of(key), client.listObjectsV2(l -> l.bucket(BUCKET)).contents().stream()
                .map(o -> o.key()).toList(), "only the object is listed: no parts, no directories");
    }
}
