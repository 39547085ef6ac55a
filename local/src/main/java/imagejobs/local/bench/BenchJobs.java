package imagejobs.local.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.local.LocalStack;
import imagejobs.adapters.dynamo.DynamoJobStore;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.json.Json;
import imagejobs.shared.queue.JobMessage;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Jobs for the benchmarks, made the way users make them (HTTP submits to the front door) and the sample events of
 * {@code events/} filled in with real ids, keys and receipt handles from the running stack.
 */
final class BenchJobs {
    static final String QUEUE = "JobsQueue";

    private final LocalStack stack;
    private final Path events;
    private final HttpClient http;
    private final DynamoJobStore jobs;

    BenchJobs(LocalStack stack, Path root) {
        this.stack = stack;
        this.events = root.resolve("events");
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        this.jobs = new DynamoJobStore(stack.dynamoDb(), stack.tableName("JobsTable"));
    }

    HttpClient http() {
        return http;
    }

    /** An answer to a submit: HTTP status, the request id (null unless 202) and how long it took. */
    record Submitted(int status, String requestId, long nanos, String body) {
    }

    /** POST /v1/requests with a request-queue body. */
    Submitted submit(String apiKey, String body) {
        HttpRequest request = HttpRequest.newBuilder(stack.apiUrl().resolve("/v1/requests"))
                .timeout(Duration.ofSeconds(60))
                .header("authorization", "Bearer " + apiKey)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            long nanos = System.nanoTime() - t0;
            String id = null;
            if (response.statusCode() == 202) {
                id = Json.parse(response.body()).path("request_id").asText(null);
            }
            return new Submitted(response.statusCode(), id, nanos, response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted while submitting");
        }
    }

    /**
     * Submits until accepted, a few times: the first calls into a fresh stack cold-start the functions, and on a
     * loaded machine that can exceed the 10 s initialisation allowance the local stack enforces as Lambda does.
     */
    String submitWarmingUp(String apiKey, String body) {
        Submitted last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            last = submit(apiKey, body);
            if (last.status() == 202 && last.requestId() != null) {
                return last.requestId();
            }
            if (last.status() < 500) {
                break;
            }
            sleep(1000);
        }
        throw new BenchException("submit answered " + last.status() + ": " + last.body());
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted");
        }
    }

    /** The job's queue message (pollers must be off), received so that its receipt handle is real. */
    Message receive(String requestId, Duration timeout) {
        String queueUrl = stack.queueUrl(QUEUE);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            List<Message> messages = stack.sqs().receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10)
                    .waitTimeSeconds(1).messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
            for (Message m : messages) {
                if (JobMessage.requestId(m.body()).filter(requestId::equals).isPresent()) {
                    return m;
                }
                // Not ours (an earlier run's leftover): put it back at once.
                stack.sqs().changeMessageVisibility(r -> r.queueUrl(queueUrl).receiptHandle(m.receiptHandle())
                        .visibilityTimeout(0));
            }
        }
        throw new BenchException("the message of job " + requestId + " never arrived in " + QUEUE);
    }

    /** events/worker-sqs-batch.json's first record, carrying this message: what Lambda's SQS poller would send. */
    String sqsEvent(List<Message> messages) {
        ObjectNode template = (ObjectNode) read("worker-sqs-batch.json").path("Records").path(0);
        ObjectNode event = Json.object();
        ArrayNode records = event.putArray("Records");
        for (Message m : messages) {
            ObjectNode record = template.deepCopy();
            record.put("messageId", m.messageId());
            record.put("receiptHandle", m.receiptHandle());
            record.put("body", m.body());
            record.put("md5OfBody", m.md5OfBody());
            ObjectNode attributes = record.putObject("attributes");
            m.attributesAsStrings().forEach(attributes::put);
            record.put("eventSourceARN", stack.queueArn(QUEUE));
            record.put("awsRegion", stack.context().region());
            records.add(record);
        }
        return Json.write(event);
    }

    /** events/submit-request-queue.json with this key and a fresh Idempotency-Key (each run makes a new job). */
    String submitEvent(String apiKey) {
        ObjectNode event = (ObjectNode) read("submit-request-queue.json");
        ObjectNode headers = (ObjectNode) event.path("headers");
        headers.put("authorization", "Bearer " + apiKey);
        headers.put("idempotency-key", UUID.randomUUID().toString());
        return Json.write(event);
    }

    /** The request body of events/submit-request-queue.json. */
    String sampleSubmitBody() {
        return read("submit-request-queue.json").path("body").asText();
    }

    /** events/status-get.json asking, with this key, for this job. */
    String statusGetEvent(String apiKey, String requestId) {
        ObjectNode event = (ObjectNode) read("status-get.json");
        ((ObjectNode) event.path("headers")).put("authorization", "Bearer " + apiKey);
        String path = "/v1/requests/" + requestId;
        event.put("rawPath", path);
        ((ObjectNode) event.path("requestContext").path("http")).put("path", path);
        ((ObjectNode) event.path("pathParameters")).put("request_id", requestId);
        return Json.write(event);
    }

    /**
     * events/s3-put-edit.json for an object that exists, with a fresh sequencer: the edit trigger derives the job id
     * from eTag and sequencer, so each run is a new upload to it.
     */
    String s3PutEvent(String eTag, long size) {
        ObjectNode event = (ObjectNode) read("s3-put-edit.json");
        ObjectNode record = (ObjectNode) event.path("Records").path(0);
        record.put("awsRegion", stack.context().region());
        ObjectNode object = (ObjectNode) record.path("s3").path("object");
        object.put("eTag", eTag);
        object.put("size", size);
        object.put("sequencer", UUID.randomUUID().toString().replace("-", "").toUpperCase());
        return Json.write(event);
    }

    JsonNode read(String eventFile) {
        try {
            return Json.parse(Files.readString(events.resolve(eventFile), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Optional<Job> job(String requestId) {
        return jobs.get(requestId);
    }

    DynamoJobStore store() {
        return jobs;
    }
}
