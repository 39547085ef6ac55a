package imagejobs.local.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import imagejobs.local.TestPaths;
import imagejobs.local.template.FunctionDefinition.HttpRoute;
import imagejobs.local.template.FunctionDefinition.S3EventSource;
import imagejobs.local.template.FunctionDefinition.SqsEventSource;
import imagejobs.shared.config.Settings;

/** The repository's template.yaml, read and resolved the way the local stack reads it. */
class RealTemplateTest {
    private static final String SQS = "http://127.0.0.1:9324";
    private static StackTemplate template;
    private static StackDefinition stack;

    @BeforeAll
    static void read() {
        template = new TemplateReader().read(TestPaths.template());
        stack = new StackDefinitionReader(template, new ResourceNames(template, StackContext.local(Map.of()), SQS))
                .read();
    }

    private static FunctionDefinition function(String id) {
        return stack.function(id).orElseThrow(() -> new AssertionError("no " + id));
    }

    @Test
    void everyFunctionWithHandlerCodeAndGlobals() {
        FunctionDefinition submit = function("SubmitFunction");
        assertEquals(List.of("SubmitFunction", "GoogleFunction", "StatusFunction", "WorkerFunction",
                "DeadLetterFunction", "EditTriggerFunction", "WebhookDispatchFunction", "WebhookDeliveryFunction"),
                stack.functions().stream().map(FunctionDefinition::logicalId).toList());
        FunctionDefinition google = function("GoogleFunction");
        assertEquals("imagejobs.google.GoogleHandler::handleRequest", google.handler());
        assertEquals(TestPaths.root().resolve("functions/google/target/google.jar"), google.codeUri());
        assertEquals(660, google.timeoutSeconds(), "SYNC_WAIT_SECONDS plus room to answer");
        assertTrue(google.functionUrl(), "the long-call base");
        assertFalse(submit.functionUrl());
        assertEquals("imagejobs.submit.SubmitHandler::handleRequest", submit.handler());
        assertEquals(TestPaths.root().resolve("functions/submit/target/submit.jar"), submit.codeUri());
        assertEquals(30, submit.timeoutSeconds());
        assertTrue(submit.timeoutSeconds() > Settings.MAX_API_SYNC_WAIT_SECONDS,
                "the submit outlasts the longest Prefer: wait");
        assertEquals(1024, submit.memoryMb());
        FunctionDefinition worker = function("WorkerFunction");
        assertEquals(300, worker.timeoutSeconds());
        assertEquals(512, worker.memoryMb());
        assertEquals("imagejobs.worker.DeadLetterHandler::handleRequest", function("DeadLetterFunction").handler());
        assertEquals(function("WorkerFunction").codeUri(), function("DeadLetterFunction").codeUri());
    }

    @Test
    void environmentMergesGlobalsAndResolvesIntrinsics() {
        Map<String, String> status = function("StatusFunction").environment();
        assertEquals("JobsTable", status.get("JOBS_TABLE"));
        assertEquals("KeysTable", status.get("KEYS_TABLE"));
        assertEquals("imagejobs-images-000000000000-us-east-1", status.get("IMAGES_BUCKET"));
        assertEquals(SQS + "/000000000000/JobsQueue", status.get("JOBS_QUEUE_URL"));
        assertEquals("30", status.get("RETENTION_DAYS"), "numbers become strings");
        assertEquals("4", status.get("MAX_ATTEMPTS"));
        assertEquals("3600", status.get("PRESIGN_TTL_SECONDS"));
        assertEquals("1200", status.get("READ_RATE_PER_MINUTE"));
        assertEquals("CursorSigningSecret", status.get("CURSOR_SECRET_ID"), "a Ref of a resource the local stack"
                + " does not create resolves to its logical id (FunctionEnvironment drops *_SECRET_ID)");
        Map<String, String> submit = function("SubmitFunction").environment();
        assertEquals("3600", submit.get("PRESIGN_TTL_SECONDS"), "Prefer: wait answers presigned URLs");
        assertEquals("25", submit.get("API_SYNC_WAIT_SECONDS"));

        Map<String, String> worker = function("WorkerFunction").environment();
        assertEquals("https://generativelanguage.googleapis.com", worker.get("GEMINI_BASE_URL"));
        assertEquals("x-goog-api-key", worker.get("GEMINI_AUTH_STYLE"));
        assertEquals("imagejobs/gemini-api-key", worker.get("GEMINI_API_KEY_SECRET_ID"));
        assertEquals("300", worker.get("WORKER_TIMEOUT_SECONDS"));
        assertEquals("gemini-2.5-flash-image", function("EditTriggerFunction").environment().get("DEFAULT_MODEL"));

        Map<String, String> google = function("GoogleFunction").environment();
        assertEquals("600", google.get("SYNC_WAIT_SECONDS"));
        assertEquals("25", google.get("API_SYNC_WAIT_SECONDS"));
        assertEquals("660", google.get("WORKER_TIMEOUT_SECONDS"), "its leases outlast its timeout");
        assertEquals("imagejobs/gemini-api-key", google.get("GEMINI_API_KEY_SECRET_ID"));
        assertEquals("3600", google.get("PRESIGN_TTL_SECONDS"));
    }

    @Test
    void httpRoutes() {
        FunctionDefinition.RouteThrottle stage = new FunctionDefinition.RouteThrottle(200, 400);
        assertEquals(List.of(new HttpRoute("SubmitRequest", "POST", "/v1/requests", stage)),
                function("SubmitFunction").routes());
        assertEquals(List.of("POST /v1beta/models/{model}", "POST /v1/models/{model}", "GET /v1beta/batches",
                        "GET /v1beta/batches/{batch}", "DELETE /v1beta/batches/{batch}", "POST /v1beta/batches/{batch}",
                        "GET /v1/batches", "GET /v1/batches/{batch}", "DELETE /v1/batches/{batch}",
                        "POST /v1/batches/{batch}"),
                function("GoogleFunction").routes().stream().map(r -> r.method() + " " + r.path()).toList());
        assertTrue(function("GoogleFunction").routes().stream().allMatch(r -> stage.equals(r.throttle())));
        assertEquals(List.of("GET /v1/requests/{request_id}", "GET /v1/requests",
                        "POST /v1/requests/{request_id}/cancel", "GET /v1/models", "GET /v1/models/{model}",
                        "GET /v1/webhooks/default/secret", "GET /v1beta/models", "GET /v1beta/models/{model}"),
                function("StatusFunction").routes().stream().map(r -> r.method() + " " + r.path()).toList());
        assertTrue(function("WorkerFunction").routes().isEmpty());
    }

    @Test
    void sqsEventSources() {
        SqsEventSource jobs = function("WorkerFunction").sqsEventSources().get(0);
        assertEquals(new SqsEventSource("Jobs", "JobsQueue", SQS + "/000000000000/JobsQueue",
                "arn:aws:sqs:us-east-1:000000000000:JobsQueue", 5, 0, true, 5), jobs);
        SqsEventSource dead = function("DeadLetterFunction").sqsEventSources().get(0);
        assertEquals("JobsDeadLetterQueue", dead.queueLogicalId());
        assertEquals(10, dead.batchSize());
        assertTrue(dead.reportBatchItemFailures());
        assertEquals(StackDefinitionReader.DEFAULT_SQS_MAXIMUM_CONCURRENCY, dead.maximumConcurrency());
    }

    @Test
    void parameterOverridesReplaceDefaults() {
        StackDefinition overridden = new StackDefinitionReader(template,
                new ResourceNames(template, StackContext.local(Map.of("WorkerMaxConcurrency", "2",
                        "RetentionDays", "7")), SQS)).read();
        assertEquals(2, overridden.function("WorkerFunction").orElseThrow().sqsEventSources().get(0)
                .maximumConcurrency());
        assertEquals("7", overridden.function("WorkerFunction").orElseThrow().environment().get("RETENTION_DAYS"));
    }

    @Test
    void s3EventSources() {
        List<S3EventSource> edits = function("EditTriggerFunction").s3EventSources();
        assertEquals(4, edits.size());
        assertEquals(new S3EventSource("EditPng", "imagejobs-images-000000000000-us-east-1",
                List.of("s3:ObjectCreated:*"), "edits/", ".png"), edits.get(0));
        assertEquals(List.of(".png", ".jpg", ".jpeg", ".webp"), edits.stream().map(S3EventSource::suffix).toList());
    }

    @Test
    void tablesWithKeysIndexesAndTtl() {
        TableDefinition jobs = stack.table("JobsTable").orElseThrow();
        assertEquals("JobsTable", jobs.tableName());
        assertEquals("PAY_PER_REQUEST", jobs.billingMode());
        assertEquals(List.of(new TableDefinition.KeyElement("request_id", "HASH")), jobs.keySchema());
        assertEquals(3, jobs.attributes().size());
        TableDefinition.SecondaryIndex index = jobs.globalSecondaryIndexes().get(0);
        assertEquals("tenant-created_at", index.name());
        assertEquals(List.of(new TableDefinition.KeyElement("tenant", "HASH"),
                new TableDefinition.KeyElement("created_at", "RANGE")), index.keySchema());
        assertEquals("INCLUDE", index.projectionType());
        assertTrue(index.nonKeyAttributes().containsAll(List.of("model", "status", "expires_at")));
        assertEquals("expires_at", jobs.ttlAttribute());

        TableDefinition keys = stack.table("KeysTable").orElseThrow();
        assertEquals("KEYS_ONLY", keys.globalSecondaryIndexes().get(0).projectionType());
        assertEquals("expires_at", keys.ttlAttribute());
    }

    @Test
    void queuesDeadLetterTargetFirstWithRedrive() {
        assertEquals(List.of("JobsDeadLetterQueue", "JobsQueue", "EditEventsDeadLetterQueue",
                        "WebhookDeliveryDeadLetterQueue", "WebhookDeliveryQueue", "WebhookDispatchFailuresQueue"),
                stack.queues().stream().map(QueueDefinition::logicalId).toList());
        QueueDefinition jobs = stack.queue("JobsQueue").orElseThrow();
        assertEquals("1800", jobs.attributes().get("VisibilityTimeout"));
        assertEquals("345600", jobs.attributes().get("MessageRetentionPeriod"));
        assertEquals("arn:aws:sqs:us-east-1:000000000000:JobsDeadLetterQueue", jobs.deadLetterTargetArn());
        assertEquals(10, jobs.maxReceiveCount());
        assertEquals("{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:JobsDeadLetterQueue\","
                + "\"maxReceiveCount\":\"10\"}", jobs.attributes().get("RedrivePolicy"));
        assertNull(stack.queue("JobsDeadLetterQueue").orElseThrow().deadLetterTargetArn());
        // The edit trigger's asynchronous-invocation dead-letter queue: a target, with no redrive of its own.
        assertNull(stack.queue("EditEventsDeadLetterQueue").orElseThrow().deadLetterTargetArn());
        assertEquals("1209600", stack.queue("EditEventsDeadLetterQueue").orElseThrow().attributes()
                .get("MessageRetentionPeriod"));
    }

    @Test
    void bucketNameFromSub() {
        assertEquals(List.of(new BucketDefinition("ImagesBucket", "imagejobs-images-000000000000-us-east-1")),
                stack.buckets());
    }

    @Test
    void outputsResolveToo() {
        IntrinsicResolver resolver = stack.names().resolver();
        Map<String, Object> outputs = template.section("Outputs");
        assertEquals("https://imagejobs0.execute-api.us-east-1.amazonaws.com",
                resolver.resolveString(((Map<?, ?>) outputs.get("ApiUrl")).get("Value")));
        assertEquals(SQS + "/000000000000/JobsDeadLetterQueue",
                resolver.resolveString(((Map<?, ?>) outputs.get("JobsDeadLetterQueueUrl")).get("Value")));
    }
}
