package imagejobs.it.edits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.it.ServiceStack;
import imagejobs.local.Deadline;
import imagejobs.local.LocalStack;
import imagejobs.local.emulators.LocalCredentials;
import imagejobs.local.s3.S3ObjectListener;

/**
 * The AWS CLI and boto3, as a user runs them, against the local stack's S3 endpoint: single-part and multipart
 * uploads (8 MiB, 20 MB, and a multipart image under edits/) with the CLI's default CRC32 checksums and with
 * AWS_REQUEST_CHECKSUM_CALCULATION=when_required; the bytes that arrive, the S3 event a multipart upload fires
 * (ObjectCreated:CompleteMultipartUpload) and the edit job it makes. Skipped, with a message, where the aws command
 * or python3 with boto3 is missing.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class AwsCliUploadEndToEndTest {
    private static final Duration COMMAND_LIMIT = Duration.ofSeconds(180);
    private static final Duration WAIT = Duration.ofSeconds(120);
    private final LocalStack stack = ServiceStack.get();
    private final ServiceStack.Api api = ServiceStack.api(ServiceStack.TENANT_A);
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    @TempDir
    Path work;

    private record Result(int exit, String output) {
    }

    @AfterEach
    void stopListening() {
        stack.s3ObjectListener(null);
    }

    private static boolean available(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void requireCli() {
        assumeTrue(available("aws", "--version"), "the aws command (AWS CLI) is not installed: skipping the CLI uploads");
    }

    private static void requireBoto3() {
        assumeTrue(available("python3", "-c", "import boto3"), "python3 with boto3 is not installed: skipping boto3");
    }

    /**
     * Runs a command with only the local stack's credentials: no profile, config or credentials file of the machine's
     * user, and (unless asked) no checksum setting, so the CLI's defaults apply.
     */
    private Result exec(List<String> command, Map<String, String> extraEnv, String awsConfig) throws Exception {
        Path config = work.resolve("aws-config-" + UUID.randomUUID());
        Files.writeString(config, awsConfig);
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("AWS_"));
        env.put("AWS_ACCESS_KEY_ID", LocalCredentials.ACCESS_KEY_ID);
        env.put("AWS_SECRET_ACCESS_KEY", LocalCredentials.SECRET_ACCESS_KEY);
        env.put("AWS_DEFAULT_REGION", stack.context().region());
        env.put("AWS_REGION", stack.context().region());
        env.put("AWS_CONFIG_FILE", config.toString());
        env.put("AWS_SHARED_CREDENTIALS_FILE", work.resolve("no-credentials").toString());
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        env.putAll(extraEnv);
        Process process = builder.start();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(COMMAND_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish within " + COMMAND_LIMIT);
        }
        return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private Result aws(Map<String, String> extraEnv, String awsConfig, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("aws", "--endpoint-url", stack.s3Endpoint().toString()));
        command.addAll(List.of(args));
        return exec(command, extraEnv, awsConfig);
    }

    private static Map<String, String> checksumMode(String mode) {
        return mode.equals("default") ? Map.of() : Map.of("AWS_REQUEST_CHECKSUM_CALCULATION", mode);
    }

    private Path file(String name, byte[] bytes) throws IOException {
        return Files.write(work.resolve(name), bytes);
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private byte[] stored(String key) {
        return stack.s3().getObjectAsBytes(r -> r.bucket(ServiceStack.bucket()).key(key)).asByteArray();
    }

    private String s3Url(String key) {
        return "s3://" + ServiceStack.bucket() + "/" + key;
    }

    /** 1 KB goes up in one PutObject; 8 MiB (the CLI's multipart threshold) and 20 MB in parts. */
    @ParameterizedTest(name = "checksums: {0}")
    @ValueSource(strings = {"default", "when_required"})
    void cliUploadsOfEverySizeArriveIntact(String mode) throws Exception {
        requireCli();
        for (int size : new int[] {1000, 8 * 1024 * 1024, 20_000_000}) {
            byte[] bytes = random(size, size);
            Path local = file("upload-" + size + ".bin", bytes);
            String key = "inputs/cli-" + run + "/" + mode + "/" + size + ".bin";
            Result result = aws(checksumMode(mode), "", "s3", "cp", "--only-show-errors", local.toString(), s3Url(key));
            assertEquals(0, result.exit(), "aws s3 cp of " + size + " bytes (" + mode + "): " + result.output());
            assertArrayEquals(bytes, stored(key), size + " bytes (" + mode + ")");

            Path back = work.resolve("download-" + size + ".bin");
            Result download = aws(checksumMode(mode), "", "s3", "cp", "--only-show-errors", s3Url(key), back.toString());
            assertEquals(0, download.exit(), "aws s3 cp back: " + download.output());
            assertArrayEquals(bytes, Files.readAllBytes(back));
        }
    }

    /**
     * An image over the CLI's multipart threshold (lowered to 5 MB in its config, as a user may) under edits/: the
     * upload fires ObjectCreated:CompleteMultipartUpload and the edit job runs to success; an 8 MiB non-image sent
     * with the CLI's defaults still becomes a job, failed with a reason.
     */
    @Test
    void multipartUploadsUnderEditsBecomeJobs() throws Exception {
        requireCli();
        List<S3ObjectListener.S3ObjectCreated> events = new CopyOnWriteArrayList<>();
        stack.s3ObjectListener(events::add);

        byte[] image = noisePng(1500, 1300);
        assertTrue(image.length > 5 * 1024 * 1024 && image.length < 7 * 1024 * 1024, "a 5-7 MB image: " + image.length);
        String imageKey = "edits/" + ServiceStack.TENANT_A.tenant() + "/cli-" + run + "/noise.png";
        Result upload = aws(Map.of(), "[default]\ns3 =\n  multipart_threshold = 5MB\n  multipart_chunksize = 5MB\n",
                "s3", "cp", "--only-show-errors", file("noise.png", image).toString(), s3Url(imageKey),
                "--metadata", "prompt=add a hat " + run);
        assertEquals(0, upload.exit(), upload.output());

        String bigKey = "edits/" + ServiceStack.TENANT_A.tenant() + "/cli-" + run + "/big.png";
        Result big = aws(Map.of(), "", "s3", "cp", "--only-show-errors",
                file("big.png", random(8 * 1024 * 1024, 8)).toString(), s3Url(bigKey), "--metadata", "prompt=x");
        assertEquals(0, big.exit(), big.output());

        Deadline.await(WAIT, "the S3 events of both uploads", () -> events.stream().filter(e -> e.key().equals(imageKey)
                || e.key().equals(bigKey)).count() == 2);
        for (String key : List.of(imageKey, bigKey)) {
            assertEquals(List.of("ObjectCreated:CompleteMultipartUpload"), events.stream()
                    .filter(e -> e.key().equals(key)).map(S3ObjectListener.S3ObjectCreated::eventName).toList(), key);
        }
        assertArrayEquals(image, stored(imageKey));

        JsonNode imageJob = api.awaitTerminal(awaitJob(imageKey).path("request_id").asText(), WAIT);
        assertEquals("success", imageJob.path("status").asText(), imageJob.toString());
        byte[] result = ServiceStack.download(imageJob.path("outcome").path("media_urls").path(0).path("url").asText())
                .body();
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(result, 4));

        JsonNode bigJob = api.awaitTerminal(awaitJob(bigKey).path("request_id").asText(), WAIT);
        assertEquals("failed", bigJob.path("status").asText(), bigJob.toString());
        assertTrue(bigJob.path("error").path("message").asText().length() > 0, bigJob.toString());
    }

    /** boto3's managed multipart upload, a PutObject with a chosen algorithm, and a wrong checksum (BadDigest). */
    @Test
    void boto3UploadsAndChecksums() throws Exception {
        requireBoto3();
        byte[] bytes = random(12 * 1024 * 1024, 12);
        file("boto3.bin", bytes);
        String prefix = "inputs/boto3-" + run + "/";
        String script = String.join("\n",
                "import sys, boto3, botocore",
                "from boto3.s3.transfer import TransferConfig",
                "s3 = boto3.client('s3', endpoint_url=sys.argv[1])",
                "bucket, prefix = sys.argv[2], sys.argv[3]",
                "s3.upload_file('boto3.bin', bucket, prefix + 'multipart.bin',",
                "    Config=TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024))",
                "s3.put_object(Bucket=bucket, Key=prefix + 'sha256.txt', Body=b'hello', ChecksumAlgorithm='SHA256')",
                "try:",
                "    s3.put_object(Bucket=bucket, Key=prefix + 'wrong.txt', Body=b'hello', ChecksumCRC32='AAAAAA==')",
                "    print('wrong checksum: stored')",
                "except botocore.exceptions.ClientError as e:",
                "    print('wrong checksum:', e.response['Error']['Code'],"
                        + " e.response['ResponseMetadata']['HTTPStatusCode'])",
                "");
        Files.writeString(work.resolve("upload.py"), script);
        Result result = exec(List.of("python3", "upload.py", stack.s3Endpoint().toString(), ServiceStack.bucket(), prefix),
                Map.of(), "");
        assertEquals(0, result.exit(), result.output());
        assertTrue(result.output().contains("wrong checksum: BadDigest 400"), result.output());
        assertArrayEquals(bytes, stored(prefix + "multipart.bin"));
        assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), stored(prefix + "sha256.txt"));
        assertEquals(0, stack.s3().listObjectsV2(l -> l.bucket(ServiceStack.bucket()).prefix(prefix + "wrong"))
                .keyCount());
    }

    private JsonNode awaitJob(String sourceKey) {
        JsonNode[] job = new JsonNode[1];
        Deadline.await(WAIT, "a job for " + sourceKey, () -> {
            Optional<JsonNode> found = StreamSupport.stream(api.get("/v1/requests?limit=100").body().path("data")
                    .spliterator(), false).filter(j -> sourceKey.equals(j.path("source_key").asText())).findFirst();
            found.ifPresent(j -> job[0] = j);
            return found.isPresent();
        });
        return job[0];
    }

    /** Random pixels do not compress: width × height × 3 bytes of PNG, give or take. */
    private static byte[] noisePng(int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(42);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
