package imagejobs.it.status;

import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.it.ServiceStack;
import imagejobs.local.LocalStack;
import imagejobs.local.LocalStackConfig;
import imagejobs.local.TestPaths;
import imagejobs.local.resources.KeySeeder;
import imagejobs.local.resources.LocalKey;
import imagejobs.shared.auth.ApiKey;
import imagejobs.adapters.dynamo.DynamoKeyStore;
import imagejobs.adapters.dynamo.DynamoJobStore;
import imagejobs.adapters.dynamo.JobItemMapper;
import imagejobs.shared.json.Json;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * What the status end-to-end tests share: fresh tenants (so a test can say "exactly these jobs" although the shared
 * stack holds every other test's jobs too), the production job store on the stack's JobsTable, reading items, and
 * the builder of a second stack for the classes that need another configuration.
 */
final class StatusFixtures {
    private StatusFixtures() {
    }

    /**
     * A tenant no other test uses, with a new API key, stored in KeysTable the way the stack seeds its keys (the
     * production key store, hash only). {@code prefix}: letters and digits, names the test in the tenant id.
     */
    static LocalKey newTenant(LocalStack stack, String prefix) {
        byte[] random = new byte[4];
        ThreadLocalRandom.current().nextBytes(random);
        LocalKey key = new LocalKey(prefix + HexFormat.of().formatHex(random), ApiKey.generate());
        new KeySeeder(new DynamoKeyStore(stack.dynamoDb(), stack.tableName("KeysTable"))).seed(List.of(key));
        return key;
    }

    /** The production job store on the stack's JobsTable. */
    static DynamoJobStore jobStore(LocalStack stack) {
        return new DynamoJobStore(stack.dynamoDb(), stack.tableName("JobsTable"));
    }

    /** The job's item as stored, or an empty map. */
    static Map<String, AttributeValue> item(LocalStack stack, String requestId) {
        return stack.dynamoDb().getItem(r -> r.tableName(stack.tableName("JobsTable")).consistentRead(true)
                .key(Map.of(JobItemMapper.REQUEST_ID, AttributeValue.fromS(requestId)))).item();
    }

    /** Moves a job's retention end (the TTL attribute) to {@code expiresAt}, as time passing would. */
    static void setExpiresAt(LocalStack stack, String requestId, Instant expiresAt) {
        stack.dynamoDb().updateItem(r -> r.tableName(stack.tableName("JobsTable"))
                .key(Map.of(JobItemMapper.REQUEST_ID, AttributeValue.fromS(requestId)))
                .updateExpression("SET " + JobItemMapper.EXPIRES_AT + " = :e")
                .conditionExpression("attribute_exists(" + JobItemMapper.REQUEST_ID + ")")
                .expressionAttributeValues(Map.of(":e", AttributeValue.fromN(Long.toString(expiresAt.getEpochSecond())))));
    }

    /** The request ids of a listing page, in order. */
    static List<String> ids(JsonNode page) {
        return page.path("data").findValuesAsText("request_id");
    }

    /** The simple request-queue submit body. */
    static String submitBody(String model, String prompt) {
        return Json.write(Json.object().put("model", model).set("payload", Json.object().put("prompt", prompt)));
    }

    /**
     * Starts a stack on a thread of its own, so a class's tests on the shared stack run while it starts; the test
     * that needs it joins the future (a failed start surfaces there).
     */
    static CompletableFuture<LocalStack> startInBackground(LocalStackConfig config) {
        return CompletableFuture.supplyAsync(() -> LocalStack.start(config),
                task -> new Thread(task, "second-stack-start").start());
    }

    /** Closes a stack started with {@link #startInBackground}, waiting for its start to end first. */
    static void close(CompletableFuture<LocalStack> stack) {
        if (stack == null) {
            return;
        }
        try {
            stack.join().close();
        } catch (CompletionException startFailed) {
            // LocalStack.start stopped what it had started; the test that joined it reported why.
        }
    }

    /**
     * A second stack for one test class, configured like {@link ServiceStack}'s (template, packaged jars, simulator,
     * short retry backoff) plus what the class changes. Costs seconds: at most one per class, closed in @AfterAll.
     */
    static LocalStackConfig.Builder secondStack(List<LocalKey> keys) {
        return LocalStackConfig.builder(TestPaths.root())
                .keys(keys)
                .startGeminiSimulator(true)
                .functionEnvironment("RETRY_BASE_MILLIS", "20")
                .out(Boolean.getBoolean("imagejobs.verbose") ? System.out
                        : new PrintStream(OutputStream.nullOutputStream()));
    }
}
