package imagejobs.it.localstack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.containers.localstack.LocalStackContainer.Service;
import org.testcontainers.utility.DockerImageName;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.local.TestPaths;
import imagejobs.local.emulators.LocalAwsClients;
import imagejobs.local.gemini.GeminiSimulator;
import imagejobs.local.resources.KeySeeder;
import imagejobs.local.resources.LocalKey;
import imagejobs.local.resources.ResourceCreator;
import imagejobs.local.runtime.FunctionCode;
import imagejobs.local.runtime.FunctionEnvironment;
import imagejobs.local.runtime.InvocationResult;
import imagejobs.local.runtime.LocalFunction;
import imagejobs.local.sqs.SqsEventBuilder;
import imagejobs.local.template.FunctionDefinition;
import imagejobs.local.template.QueueDefinition;
import imagejobs.local.template.ResourceNames;
import imagejobs.local.template.StackContext;
import imagejobs.local.template.StackDefinition;
import imagejobs.local.template.StackDefinitionReader;
import imagejobs.local.template.StackTemplate;
import imagejobs.local.template.TemplateReader;
import imagejobs.adapters.dynamo.DynamoKeyStore;
import imagejobs.shared.json.Json;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The end-to-end flow on LocalStack (DynamoDB, SQS and S3 in a container) instead of the embedded emulators:
 * the template's tables, queues and bucket created in the container, the submit, worker and status functions
 * loaded from their packaged jars in-process with environments whose {@code AWS_ENDPOINT_URL_*} point at the
 * container, and the Gemini simulator upstream. A job goes submit → SQS → worker (the received message handed over
 * as an SQSEvent, as Lambda's event source mapping does) → status, and ends {@code success} with its image in S3.
 *
 * <p>Needs a Docker engine; without one the suite is skipped with a message (the embedded emulators run the same
 * flow in the other end-to-end tests). The image can be changed with {@code -Dimagejobs.localstack.image=...}.
 */
@EnabledIf(value = "dockerAvailable", disabledReason = LocalStackContainerEndToEndTest.SKIPPED)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class LocalStackContainerEndToEndTest {
    static final String SKIPPED = "Docker is not available: the LocalStack suite is skipped; the embedded emulators "
            + "cover the same flow";
    /** The last 3.x community image: no auth token needed. */
    private static final String DEFAULT_IMAGE = "localstack/localstack:3.8.1";
    private static final LocalKey TENANT = new LocalKey("localstackTenant", "ij_localstack_suite_key");
    private static final List<String> FUNCTIONS = List.of("SubmitFunction", "WorkerFunction", "StatusFunction");
    private static final Duration RECEIVE_LIMIT = Duration.ofSeconds(60);

    private static LocalStackContainer localstack;
    private static LocalAwsClients clients;
    private static GeminiSimulator simulator;
    private static StackDefinition stack;
    private static final Map<String, String> QUEUE_URLS = new LinkedHashMap<>();
    private static final Map<String, LocalFunction> LAMBDAS = new LinkedHashMap<>();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() {
        assumeTrue(dockerAvailable(), SKIPPED); // @EnabledIf already skipped the class; this keeps @BeforeAll safe alone
        for (String name : List.of("submit", "worker", "status")) {
            assertTrue(Files.isRegularFile(TestPaths.root().resolve("functions/" + name + "/target/" + name + ".jar")),
                    name + ".jar is missing: run the suite with ./mvnw -B verify (package comes before these tests)");
        }
        DockerImageName image = DockerImageName.parse(System.getProperty("imagejobs.localstack.image", DEFAULT_IMAGE))
                .asCompatibleSubstituteFor("localstack/localstack");
        localstack = new LocalStackContainer(image).withServices(Service.DYNAMODB, Service.SQS, Service.S3);
        localstack.start();
        URI endpoint = localstack.getEndpoint();

        StackTemplate template = new TemplateReader().read(TestPaths.template());
        StackContext context = StackContext.local(Map.of());
        stack = new StackDefinitionReader(template, new ResourceNames(template, context, endpoint.toString())).read();
        clients = new LocalAwsClients(endpoint, endpoint, endpoint, context.region());

        // Tables (indexes, TTL) and the bucket exactly as the local stack creates them from the template.
        ResourceCreator creator = new ResourceCreator(clients.dynamoDb(), clients.sqs(), clients.s3());
        stack.tables().forEach(creator::createTable);
        stack.buckets().forEach(creator::createBucket);
        // Queues directly: LocalStack spells queue URLs its own way (sqs.<region>.localhost.localstack.cloud), so
        // the functions get the URL it answers rather than the one the template resolver computes for ElasticMQ.
        // Dead-letter targets come first, so the redrive policy's ARN exists.
        for (QueueDefinition queue : stack.queues()) {
            Map<QueueAttributeName, String> attributes = queue.attributes().entrySet().stream()
                    .collect(Collectors.toMap(e -> QueueAttributeName.fromValue(e.getKey()), Map.Entry::getValue));
            QUEUE_URLS.put(queue.logicalId(), clients.sqs().createQueue(r -> r.queueName(queue.name())
                    .attributes(attributes)).queueUrl());
        }
        new KeySeeder(new DynamoKeyStore(clients.dynamoDb(), stack.names().tableName("KeysTable")))
                .seed(List.of(TENANT));

        simulator = GeminiSimulator.start();
        FunctionEnvironment environment = new FunctionEnvironment(endpoint, endpoint, endpoint, context.region(),
                simulator.baseUrl(), Map.of());
        environment.setForAll("JOBS_QUEUE_URL", QUEUE_URLS.get(jobsSource().queueLogicalId()));
        environment.setForAll("RETRY_BASE_MILLIS", "20");
        PrintStream log = Boolean.getBoolean("imagejobs.verbose") ? System.out
                : new PrintStream(OutputStream.nullOutputStream());
        for (String id : FUNCTIONS) {
            FunctionDefinition f = function(id);
            LAMBDAS.put(id, new LocalFunction(f, FunctionCode.jar(f.codeUri()), () -> environment.build(f), 2,
                    context.region(), context.accountId(), log));
        }
    }

    @AfterAll
    static void stop() {
        LAMBDAS.values().forEach(LocalFunction::close);
        LAMBDAS.clear();
        if (simulator != null) {
            simulator.close();
        }
        if (clients != null) {
            clients.close();
        }
        if (localstack != null) {
            localstack.stop();
        }
    }

    @Test
    void aSubmittedJobIsGeneratedByTheWorkerAndServedByStatusWithItsImageInS3() throws Exception {
        String prompt = "a lighthouse on LocalStack " + UUID.randomUUID();

        // 1. submit, as API Gateway would invoke the function
        ObjectNode submit = event("submit-request-queue.json");
        ObjectNode headers = (ObjectNode) submit.path("headers");
        headers.remove(List.of("idempotency-key", "content-length"));
        submit.put("body", Json.write(Json.object().put("model", "gemini-2.5-flash-image")
                .set("payload", Json.object().put("prompt", prompt).put("aspect_ratio", "16:9"))));
        JsonNode accepted = http("SubmitFunction", submit, 202);
        String requestId = accepted.path("request_id").asText();
        assertEquals("queued", accepted.path("status").asText(), accepted.toString());

        // 2. the queue holds the job's id; the worker gets it as an SQSEvent, as the event source mapping sends it
        FunctionDefinition.SqsEventSource source = jobsSource();
        String queueUrl = QUEUE_URLS.get(source.queueLogicalId());
        List<Message> messages = receive(queueUrl, requestId);
        String sqsEvent = Json.write(new SqsEventBuilder(source.queueArn(), stack.names().context().region())
                .build(messages));
        InvocationResult worked = invoke("WorkerFunction", sqsEvent);
        assertFalse(worked.functionError(), worked.payload());
        assertEquals(0, Json.parse(worked.payload()).path("batchItemFailures").size(), worked.payload());
        // What the event source mapping does with the messages a batch did not report as failed.
        messages.forEach(m -> clients.sqs().deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(m.receiptHandle())));
        assertEquals(1, simulator.requests().stream().filter(r -> Json.write(r.path("body")).contains(prompt)).count(),
                "one call upstream");

        // 3. status: success, with the image in the bucket and a working presigned URL
        ObjectNode get = event("status-get.json");
        get.put("rawPath", "/v1/requests/" + requestId);
        ((ObjectNode) get.path("requestContext").path("http")).put("path", "/v1/requests/" + requestId);
        ((ObjectNode) get.path("pathParameters")).put("request_id", requestId);
        JsonNode job = http("StatusFunction", get, 200);
        assertEquals("success", job.path("status").asText(), job.toString());
        assertEquals(1, job.path("attempts").asInt(), job.toString());
        JsonNode image = job.path("outcome").path("images").path(0);
        String bucket = stack.names().bucketName("ImagesBucket");
        String prefix = "s3://" + bucket + "/";
        String s3Uri = image.path("s3_uri").asText();
        assertTrue(s3Uri.startsWith(prefix + "outputs/" + TENANT.tenant() + "/" + requestId + "/"), s3Uri);
        assertEquals("image/png", image.path("mime_type").asText());
        assertEquals(1344, image.path("width").asInt(), "16:9 at 1K");
        assertEquals(768, image.path("height").asInt());

        byte[] stored = clients.s3().getObjectAsBytes(r -> r.bucket(bucket).key(s3Uri.substring(prefix.length())))
                .asByteArray();
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(stored, 4));
        assertEquals(image.path("bytes").asLong(), stored.length);

        HttpResponse<byte[]> download = HTTP.send(HttpRequest.newBuilder(URI.create(
                job.path("outcome").path("media_urls").path(0).path("url").asText())).timeout(Duration.ofSeconds(30))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, download.statusCode());
        assertArrayEquals(stored, download.body());

        // 4. the listing shows it too
        ObjectNode list = event("status-list.json");
        list.put("rawQueryString", "status=success&limit=5");
        list.set("queryStringParameters", Json.object().put("status", "success").put("limit", "5"));
        JsonNode page = http("StatusFunction", list, 200);
        List<String> ids = new ArrayList<>();
        page.path("data").forEach(j -> ids.add(j.path("request_id").asText()));
        assertTrue(ids.contains(requestId), page.toString());
    }

    private static JsonNode http(String function, ObjectNode event, int expectedStatus) {
        ((ObjectNode) event.path("headers")).put("authorization", "Bearer " + TENANT.key());
        InvocationResult result = invoke(function, Json.write(event));
        assertFalse(result.functionError(), function + ": " + result.payload());
        JsonNode response = Json.parse(result.payload());
        assertEquals(expectedStatus, response.path("statusCode").asInt(), function + ": " + result.payload());
        return Json.parse(response.path("body").asText());
    }

    /** One invocation; a cold start past Lambda's 10 s initialisation allowance (a loaded machine) gets one more try. */
    private static InvocationResult invoke(String function, String event) {
        InvocationResult result = LAMBDAS.get(function).invokeWithResult(event);
        if (result.timedOut() && result.coldStart()) {
            result = LAMBDAS.get(function).invokeWithResult(event);
        }
        return result;
    }

    /** Receives until the message for {@code requestId} arrives; returns what was received with it. */
    private static List<Message> receive(String queueUrl, String requestId) {
        Instant deadline = Instant.now().plus(RECEIVE_LIMIT);
        List<Message> received = new ArrayList<>();
        while (Instant.now().isBefore(deadline)) {
            received.addAll(clients.sqs().receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10)
                    .waitTimeSeconds(5).visibilityTimeout(600)
                    .messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages());
            if (received.stream().anyMatch(m -> m.body().contains(requestId))) {
                return received;
            }
        }
        throw new AssertionError("no message for " + requestId + " on " + queueUrl + " within " + RECEIVE_LIMIT
                + "; received " + received);
    }

    private static FunctionDefinition.SqsEventSource jobsSource() {
        return function("WorkerFunction").sqsEventSources().get(0);
    }

    private static FunctionDefinition function(String id) {
        return stack.function(id).orElseThrow(() -> new AssertionError("no " + id + " in template.yaml"));
    }

    /** A sample from events/, the same files `./run-local invoke` takes, to be adjusted per request. */
    private static ObjectNode event(String file) {
        try {
            return (ObjectNode) Json.parse(Files.readString(TestPaths.root().resolve("events").resolve(file),
                    StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
