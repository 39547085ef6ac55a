package imagejobs.it.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.adapters.s3.S3ObjectStore;
import imagejobs.it.ServiceStack;
import imagejobs.local.Deadline;
import imagejobs.local.LocalStack;
import imagejobs.local.resources.LocalKey;
import imagejobs.local.sqs.SqsEventSourcePoller;
import imagejobs.shared.auth.ApiKey;
import imagejobs.adapters.dynamo.DynamoKeyStore;
import imagejobs.shared.auth.KeyRecord;
import imagejobs.adapters.dynamo.DynamoJobStore;
import imagejobs.shared.json.Json;
import imagejobs.shared.queue.JobMessage;
import imagejobs.adapters.aws.AwsClientConfig;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.storage.ObjectStore;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * What the worker's end-to-end tests share on top of {@link ServiceStack}: a tenant (and API key) per test class, the
 * stack's own stores and queues, S3 listings, job items, and a pause of the worker's SQS event source for the tests
 * that must hold a message themselves.
 */
final class WorkerStack {
    /** How long a job may take to finish, retries through SQS included. */
    static final Duration FINISH = Duration.ofSeconds(60);
    static final String WORKER = "WorkerFunction";
    static final String JOBS_QUEUE = "JobsQueue";
    static final String DEAD_LETTER_QUEUE = "JobsDeadLetterQueue";
    /** Base64 of PNG's and JPEG's first bytes: no image data may sit in a job item. */
    private static final Pattern IMAGE_BASE64 = Pattern.compile("iVBORw0KGgo|/9j/");

    private WorkerStack() {
    }

    static LocalStack stack() {
        return ServiceStack.get();
    }

    /** A tenant of the test's own: bursts of submits stay clear of the 60/min default rate and of other tests. */
    record Tenant(String name, ServiceStack.Api api) {
    }

    static Tenant tenant(String prefix) {
        String name = prefix + UUID.randomUUID().toString().substring(0, 8);
        String key = "ij_test_key_" + name;
        String hash = ApiKey.hash(key);
        new DynamoKeyStore(stack().dynamoDb(), stack().tableName("KeysTable")).put(new KeyRecord(hash,
                ApiKey.idForHash(hash), name, true, 100_000, Instant.now(), "worker end-to-end tests"));
        return new Tenant(name, ServiceStack.api(new LocalKey(name, key)));
    }

    /** A unique marker for a prompt: upstream calls are counted by it. */
    static String marker(String label) {
        return label + "-" + UUID.randomUUID();
    }

    /** {@code {"model": …, "payload": {"prompt": …}}} plus simple-form fields given as name, value pairs. */
    static ObjectNode simple(String model, String prompt, String... fields) {
        ObjectNode body = Json.object().put("model", model);
        ObjectNode payload = body.putObject("payload").put("prompt", prompt);
        for (int i = 0; i + 1 < fields.length; i += 2) {
            payload.put(fields[i], fields[i + 1]);
        }
        return body;
    }

    /** Submits and returns the request id, asserting the 202. */
    static String submit(Tenant tenant, JsonNode body) {
        ServiceStack.Response r = tenant.api().post("/v1/requests", body);
        if (r.status() != 202) {
            throw new AssertionError("submit answered " + r.status() + ": " + r.raw().body());
        }
        return r.body().path("request_id").asText();
    }

    static JsonNode awaitTerminal(Tenant tenant, String id) {
        return tenant.api().awaitTerminal(id, FINISH);
    }

    static int upstreamCalls(String marker) {
        return ServiceStack.simulatorCalls(marker).size();
    }

    static String outputPrefix(String tenant, String id) {
        return "outputs/" + tenant + "/" + id + "/";
    }

    /** Every object under the job's output prefix: key → ETag. */
    static Map<String, String> outputs(String tenant, String id) {
        Map<String, String> out = new TreeMap<>();
        for (S3Object o : stack().s3().listObjectsV2Paginator(r -> r.bucket(ServiceStack.bucket())
                .prefix(outputPrefix(tenant, id))).contents()) {
            out.put(o.key(), o.eTag());
        }
        return out;
    }

    /** The image objects of a job (the staged outcome document left out). */
    static List<String> imageKeys(String tenant, String id) {
        return outputs(tenant, id).keySet().stream().filter(k -> !k.endsWith("/outcome.json")).toList();
    }

    static byte[] object(String key) {
        return stack().s3().getObjectAsBytes(r -> r.bucket(ServiceStack.bucket()).key(key)).asByteArray();
    }

    /** The job's item in the jobs table, as DynamoDB holds it. */
    static Optional<Map<String, AttributeValue>> item(String id) {
        Map<String, AttributeValue> item = stack().dynamoDb().getItem(r -> r.tableName(stack().tableName("JobsTable"))
                .key(Map.of("request_id", AttributeValue.fromS(id))).consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(item);
    }

    /** True when some attribute of the item holds base64 image data. */
    static boolean holdsImageData(Map<String, AttributeValue> item) {
        String text = item.toString();
        return IMAGE_BASE64.matcher(text).find() || text.contains("inlineData") || text.contains("inline_data");
    }

    static DynamoJobStore jobStore() {
        return new DynamoJobStore(stack().dynamoDb(), stack().tableName("JobsTable"));
    }

    /** The store the functions use, with the worker's own environment (endpoint, credentials, path style). */
    static ObjectStore objectStore() {
        Environment env = new Environment(stack().function("WorkerFunction").environment());
        return S3ObjectStore.create(new AwsClientConfig(env), new Settings(env));
    }

    static String queueUrl(String logicalId) {
        return stack().queueUrl(logicalId);
    }

    /** The queue's message counts as SQS reports them: visible, in flight. */
    static int[] queueCounts(String logicalId) {
        Map<String, String> attributes = stack().sqs().getQueueAttributes(r -> r.queueUrl(queueUrl(logicalId))
                .attributeNamesWithStrings("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"))
                .attributesAsStrings();
        return new int[] {Integer.parseInt(attributes.get("ApproximateNumberOfMessages")),
                Integer.parseInt(attributes.get("ApproximateNumberOfMessagesNotVisible"))};
    }

    /**
     * Receives the job's message from the jobs queue as the event source would (the worker must be paused), hidden
     * for {@code visibilitySeconds}; other messages received on the way are made visible again at once.
     */
    static Message receiveJobMessage(String requestId, int visibilitySeconds) {
        Message[] mine = new Message[1];
        Deadline.await(Duration.ofSeconds(20), "the message of " + requestId, () -> {
            for (Message m : stack().sqs().receiveMessage(r -> r.queueUrl(queueUrl(JOBS_QUEUE))
                    .maxNumberOfMessages(10).waitTimeSeconds(1).visibilityTimeout(visibilitySeconds)
                    .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages()) {
                if (JobMessage.requestId(m.body()).filter(requestId::equals).isPresent() && mine[0] == null) {
                    mine[0] = m;
                } else if (visibilitySeconds > 0) {
                    stack().sqs().changeMessageVisibility(r -> r.queueUrl(queueUrl(JOBS_QUEUE))
                            .receiptHandle(m.receiptHandle()).visibilityTimeout(0));
                }
            }
            return mine[0] != null;
        });
        return mine[0];
    }

    static void send(String queueLogicalId, String body) {
        stack().sqs().sendMessage(r -> r.queueUrl(queueUrl(queueLogicalId)).messageBody(body));
    }

    /**
     * Stops the worker's SQS event source (Lambda's mapping disabled) until {@link Pause#close()}: messages sent
     * meanwhile wait in the queue for the test to receive them itself. The test classes of a JVM run one at a time,
     * so no other test is waiting for the worker meanwhile.
     */
    static Pause pauseWorker() {
        SqsEventSourcePoller poller = stack().pollers().stream()
                .filter(p -> p.function().name().equals(WORKER)).findFirst().orElseThrow();
        poller.close();
        return new Pause(poller);
    }

    static final class Pause implements AutoCloseable {
        private final SqsEventSourcePoller poller;
        private boolean resumed;

        private Pause(SqsEventSourcePoller poller) {
            this.poller = poller;
        }

        /** Starts the event source again; idempotent. */
        @Override
        public void close() {
            if (!resumed) {
                resumed = true;
                poller.start();
            }
        }
    }
}
