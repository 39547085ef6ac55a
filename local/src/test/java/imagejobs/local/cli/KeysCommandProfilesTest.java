package imagejobs.local.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import imagejobs.local.LocalStack;
import imagejobs.local.LocalStackConfig;
import imagejobs.local.LocalStackMain;
import imagejobs.local.TestPaths;
import imagejobs.shared.auth.ApiKey;
import imagejobs.adapters.dynamo.DynamoKeyStore;
import imagejobs.shared.auth.KeyRecord;

/**
 * {@code ./run-local keys ... --table} with the AWS profiles people actually have: an assume-role profile
 * ({@code role_arn} + {@code source_profile}) and an IAM Identity Center one ({@code sso_session}). The command runs in
 * a JVM of its own on the local stack's runtime classpath, as {@code ./run-local} runs it, with only the environment
 * a user would set (a config file, AWS_PROFILE, the standard endpoint variables). STS, the SSO portal and DynamoDB
 * are on 127.0.0.1 ({@link FakeAwsEndpoints} in front of DynamoDB Local), so each call's signing key is visible.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KeysCommandProfilesTest {
    private static final String BASE_ACCESS_KEY_ID = "AKIABASEPROFILE00001";
    private static final String SSO_ACCESS_TOKEN = "sso-cached-access-token";
    private static LocalStack stack;
    private static FakeAwsEndpoints aws;

    @TempDir
    Path home;

    @BeforeAll
    static void start() throws IOException {
        stack = LocalStack.start(LocalStackConfig.builder(TestPaths.root()).startFunctions(false).keys(List.of())
                .out(new PrintStream(OutputStream.nullOutputStream())).build());
        aws = new FakeAwsEndpoints(stack.dynamoDbEndpoint());
    }

    @AfterAll
    static void stop() {
        if (aws != null) {
            aws.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    private record Run(int code, String out, String err) {
    }

    @Test
    void anAssumeRoleProfileCallsStsWithTheSourceProfileAndDynamoDbWithTheRole() throws Exception {
        Path config = write("config", """
                [profile base]
                aws_access_key_id = %s
                aws_secret_access_key = base-profile-secret

                [profile imagejobs-admin]
                role_arn = arn:aws:iam::000000000000:role/imagejobs-admin
                source_profile = base
                region = us-east-1
                """.formatted(BASE_ACCESS_KEY_ID));

        Run run = keys(config, "imagejobs-admin", "create", "--tenant", "acme-role", "--table", "KeysTable");

        assertEquals(0, run.code(), run.err());
        assertStoredKey(run, "acme-role");
        List<FakeAwsEndpoints.Call> sts = aws.calls("sts");
        assertEquals(1, sts.size(), aws.calls().toString());
        assertEquals(BASE_ACCESS_KEY_ID, sts.get(0).accessKeyId(), "AssumeRole is signed with the source profile");
        assertTrue(sts.get(0).body().contains("RoleArn=arn%3Aaws%3Aiam%3A%3A000000000000%3Arole%2Fimagejobs-admin"),
                sts.get(0).body());
        assertOnlyWith(FakeAwsEndpoints.ASSUMED_ACCESS_KEY_ID, FakeAwsEndpoints.ASSUMED_SESSION_TOKEN);
    }

    @Test
    void anSsoSessionProfileUsesTheCachedTokenAndTheRoleCredentials() throws Exception {
        Path config = write("config", """
                [profile imagejobs-sso]
                sso_session = corp
                sso_account_id = 000000000000
                sso_role_name = ImagejobsAdmin
                region = us-east-1

                [sso-session corp]
                sso_start_url = https://imagejobs-test.awsapps.com/start
                sso_region = us-east-1
                sso_registration_scopes = sso:account:access
                """);
        // What `aws sso login --profile imagejobs-sso` leaves behind: the token, cached under the session's name.
        Path cache = home.resolve(".aws/sso/cache");
        Files.createDirectories(cache);
        String name = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                .digest("corp".getBytes(StandardCharsets.UTF_8)));
        Files.writeString(cache.resolve(name + ".json"), """
                {"startUrl":"https://imagejobs-test.awsapps.com/start","region":"us-east-1",\
                "accessToken":"%s","expiresAt":"%s","clientId":"fake-client","clientSecret":"fake-secret",\
                "registrationExpiresAt":"%s","refreshToken":"fake-refresh"}"""
                .formatted(SSO_ACCESS_TOKEN, Instant.now().plusSeconds(3600), Instant.now().plusSeconds(86400)));

        Run run = keys(config, "imagejobs-sso", "create", "--tenant", "acme-sso", "--table", "KeysTable");

        assertEquals(0, run.code(), run.err());
        assertStoredKey(run, "acme-sso");
        List<FakeAwsEndpoints.Call> sso = aws.calls("sso");
        assertEquals(1, sso.size(), aws.calls().toString());
        assertTrue(sso.get(0).uri().contains("role_name=ImagejobsAdmin") && sso.get(0).uri()
                .contains("account_id=000000000000"), sso.get(0).uri());
        assertEquals(List.of(SSO_ACCESS_TOKEN), sso.get(0).headers().get("X-amz-sso_bearer_token"),
                "the portal is asked with the cached token");
        assertOnlyWith(FakeAwsEndpoints.SSO_ACCESS_KEY_ID, FakeAwsEndpoints.SSO_SESSION_TOKEN);
    }

    /** Every DynamoDB call of the last run was signed with these credentials, and nothing else was asked. */
    private static void assertOnlyWith(String accessKeyId, String sessionToken) {
        List<FakeAwsEndpoints.Call> dynamo = aws.calls("dynamodb");
        assertFalse(dynamo.isEmpty(), "the command reached DynamoDB through the fake: " + aws.calls());
        for (FakeAwsEndpoints.Call call : dynamo) {
            assertEquals(accessKeyId, call.accessKeyId(), call.toString());
            assertEquals(sessionToken, call.securityToken(), call.toString());
        }
        assertTrue(aws.calls("unexpected").isEmpty(), aws.calls("unexpected").toString());
    }

    private static void assertStoredKey(Run run, String tenant) {
        Matcher key = Pattern.compile("api key: (ij_[0-9a-f]+)").matcher(run.out());
        assertTrue(key.find(), run.out() + run.err());
        KeyRecord record = new DynamoKeyStore(stack.dynamoDb(), "KeysTable").findByHash(ApiKey.hash(key.group(1)))
                .orElseThrow(() -> new AssertionError("the new key is not in KeysTable"));
        assertEquals(tenant, record.tenant());
    }

    private Path write(String name, String text) throws IOException {
        Path file = home.resolve(".aws").resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        return file;
    }

    /** {@code ./run-local keys ...} in a JVM of its own with the user's AWS settings and nothing else. */
    private Run keys(Path config, String profile, String... args) throws Exception {
        aws.reset();
        Path credentials = write("credentials", "");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Duser.home=" + home, "-Dimagejobs.root=" + TestPaths.root(),
                "-cp", System.getProperty("java.class.path"), LocalStackMain.class.getName(), "keys"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("IMAGEJOBS_") || k.equals("KEYS_TABLE"));
        env.put("HOME", home.toString());
        env.put("AWS_CONFIG_FILE", config.toString());
        env.put("AWS_SHARED_CREDENTIALS_FILE", credentials.toString());
        env.put("AWS_PROFILE", profile);
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        env.put("AWS_ENDPOINT_URL_STS", aws.url().toString());
        env.put("AWS_ENDPOINT_URL_SSO", aws.url().toString());
        env.put("AWS_ENDPOINT_URL_SSO_OIDC", aws.url().toString());
        env.put("AWS_ENDPOINT_URL_DYNAMODB", aws.url().toString());
        Path out = home.resolve("out.txt");
        Path err = home.resolve("err.txt");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("run-local keys did not finish: " + Files.readString(err));
        }
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
    }
}
