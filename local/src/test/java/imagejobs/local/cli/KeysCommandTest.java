package imagejobs.local.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import imagejobs.local.LocalStack;
import imagejobs.local.LocalStackConfig;
import imagejobs.local.TestPaths;
import imagejobs.shared.auth.ApiKey;
import imagejobs.adapters.dynamo.DynamoKeyStore;
import imagejobs.shared.auth.KeyRecord;

/** {@code ./run-local keys} against a running local stack's keys table. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KeysCommandTest {
    private static LocalStack stack;
    private static Map<String, String> env;

    @BeforeAll
    static void start() {
        stack = LocalStack.start(LocalStackConfig.builder(TestPaths.root()).startFunctions(false).keys(List.of())
                .out(new PrintStream(OutputStream.nullOutputStream())).build());
        env = Map.of("IMAGEJOBS_DYNAMODB_PORT", Integer.toString(stack.emulators().dynamoDb().port()));
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private record Run(int code, String out, String err) {
    }

    private static Run keys(Map<String, String> environment, String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new KeysCommand(environment, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).run(List.of(args));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void createPrintsTheKeyOnceAndStoresOnlyItsHash() throws Exception {
        Run created = keys(env, "create", "--tenant", "acme", "--rate", "120");
        assertEquals(0, created.code(), created.err());
        Matcher key = Pattern.compile("api key: (ij_[0-9a-f]+)").matcher(created.out());
        assertTrue(key.find(), created.out());
        KeyRecord record = new DynamoKeyStore(stack.dynamoDb(), "KeysTable").findByHash(ApiKey.hash(key.group(1)))
                .orElseThrow();
        assertEquals("acme", record.tenant());
        assertEquals(120, record.ratePerMinute());
        assertTrue(record.active());
        assertFalse(stack.dynamoDb().scan(r -> r.tableName("KeysTable")).items().toString().contains(key.group(1)),
                "the clear key is nowhere in the table");

        Run listed = keys(env, "list", "--tenant", "acme");
        assertTrue(listed.out().contains(record.keyId()) && listed.out().contains("active"), listed.out());
        assertFalse(listed.out().contains(key.group(1)), "list never shows a key");

        Run disabled = keys(env, "disable", record.keyId());
        assertEquals(0, disabled.code(), disabled.err());
        assertFalse(new DynamoKeyStore(stack.dynamoDb(), "KeysTable").findByHash(record.keyHash()).orElseThrow()
                .active());
        assertTrue(keys(env, "list").out().contains("disabled"));
    }

    @Test
    void badArgumentsSayWhatIsWrong() throws Exception {
        assertTrue(assertThrows(UsageException.class, () -> keys(env, "create")).getMessage().contains("--tenant"));
        assertTrue(assertThrows(UsageException.class, () -> keys(env, "create", "--tenant", "a b"))
                .getMessage().contains("--tenant"));
        assertTrue(assertThrows(UsageException.class, () -> keys(env, "create", "--tenant", "t", "--rate", "x"))
                .getMessage().contains("--rate"));
        assertEquals(1, keys(env, "disable", "key_000000000000").code());
    }

    @Test
    void withoutARunningStackItSaysHowToStartOne() throws Exception {
        Run run = keys(Map.of("IMAGEJOBS_DYNAMODB_PORT", "1"), "list");
        assertEquals(1, run.code());
        assertTrue(run.err().contains("./run-local"), run.err());
    }
}
