package imagejobs.local.template;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.local.template.FunctionDefinition.DynamoDbEventSource;
import imagejobs.local.template.FunctionDefinition.HttpRoute;
import imagejobs.local.template.FunctionDefinition.S3EventSource;
import imagejobs.local.template.FunctionDefinition.SqsEventSource;
import imagejobs.local.template.ResourceNames.QueueName;
import imagejobs.local.template.StackTemplate.TemplateResource;
import imagejobs.local.template.TableDefinition.AttributeDefinition;
import imagejobs.local.template.TableDefinition.KeyElement;
import imagejobs.local.template.TableDefinition.SecondaryIndex;
import imagejobs.local.template.TableDefinition.Throughput;
import imagejobs.shared.json.Json;

/**
 * Turns a {@link StackTemplate} into a {@link StackDefinition}: the tables, queues, buckets and functions the local
 * stack creates, with SAM's Globals applied and intrinsics resolved against {@link ResourceNames}.
 */
public final class StackDefinitionReader {
    /** Lambda's defaults when neither the function nor Globals say. */
    public static final int DEFAULT_TIMEOUT_SECONDS = 3;
    public static final int DEFAULT_MEMORY_MB = 128;
    /** Lambda's SQS event source default batch size. */
    public static final int DEFAULT_SQS_BATCH_SIZE = 10;
    /** Pollers per SQS event source when the template sets no ScalingConfig.MaximumConcurrency. */
    public static final int DEFAULT_SQS_MAXIMUM_CONCURRENCY = 5;
    /** Lambda's DynamoDB event source default batch size. */
    public static final int DEFAULT_STREAM_BATCH_SIZE = 100;
    /** Lambda's DynamoDB event source default MaximumRetryAttempts: retry until the record expires. */
    public static final int DEFAULT_STREAM_MAXIMUM_RETRY_ATTEMPTS = -1;

    private static final List<String> STREAM_VIEW_TYPES = List.of("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE",
            "NEW_AND_OLD_IMAGES");
    private static final List<String> STARTING_POSITIONS = List.of("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP");
    private static final List<String> TABLE_PROPERTIES = List.of("AttributeDefinitions", "KeySchema",
            "GlobalSecondaryIndexes", "LocalSecondaryIndexes", "BillingMode", "ProvisionedThroughput",
            "TimeToLiveSpecification", "StreamSpecification");
    /** CloudFormation properties that are SQS queue attributes of the same name. */
    private static final List<String> QUEUE_ATTRIBUTES = List.of("VisibilityTimeout", "MessageRetentionPeriod",
            "DelaySeconds", "MaximumMessageSize", "ReceiveMessageWaitTimeSeconds", "FifoQueue",
            "ContentBasedDeduplication");
    private static final List<String> QUEUE_PROPERTIES = java.util.stream.Stream.concat(QUEUE_ATTRIBUTES.stream(),
            java.util.stream.Stream.of("RedrivePolicy")).toList();

    private final StackTemplate template;
    private final ResourceNames names;
    private final IntrinsicResolver resolver;

    public StackDefinitionReader(StackTemplate template, ResourceNames names) {
        this.template = template;
        this.names = names;
        this.resolver = names.resolver();
    }

    public StackDefinition read() {
        return new StackDefinition(names, tables(), queues(), buckets(), functions());
    }

    public List<TableDefinition> tables() {
        List<TableDefinition> tables = new ArrayList<>();
        for (TemplateResource r : template.resourcesOfType(ResourceNames.TABLE)) {
            Map<String, Object> p = resolvedProperties(r, TABLE_PROPERTIES);
            List<AttributeDefinition> attributes = maps(p.get("AttributeDefinitions"), r, "AttributeDefinitions").stream()
                    .map(a -> new AttributeDefinition(str(a.get("AttributeName")), str(a.get("AttributeType"))))
                    .toList();
            String billing = p.get("BillingMode") == null ? "PROVISIONED" : str(p.get("BillingMode"));
            List<SecondaryIndex> gsis = indexes(p.get("GlobalSecondaryIndexes"), r, "GlobalSecondaryIndexes");
            List<SecondaryIndex> lsis = indexes(p.get("LocalSecondaryIndexes"), r, "LocalSecondaryIndexes");
            String ttl = null;
            if (p.get("TimeToLiveSpecification") instanceof Map<?, ?> spec
                    && Boolean.parseBoolean(String.valueOf(spec.get("Enabled")))) {
                ttl = str(spec.get("AttributeName"));
            }
            String streamViewType = null;
            if (p.get("StreamSpecification") instanceof Map<?, ?> spec) {
                streamViewType = str(spec.get("StreamViewType"));
                if (!STREAM_VIEW_TYPES.contains(streamViewType)) {
                    throw new TemplateException(r.logicalId() + ".StreamSpecification.StreamViewType must be one of "
                            + String.join(", ", STREAM_VIEW_TYPES) + ", got " + streamViewType);
                }
            }
            tables.add(new TableDefinition(r.logicalId(), names.tableName(r.logicalId()), attributes,
                    keySchema(p.get("KeySchema"), r), gsis, lsis, billing, throughput(p.get("ProvisionedThroughput")),
                    ttl, streamViewType));
        }
        return List.copyOf(tables);
    }

    private List<SecondaryIndex> indexes(Object value, TemplateResource r, String property) {
        if (value == null) {
            return List.of();
        }
        return maps(value, r, property).stream().map(i -> {
            Map<?, ?> projection = i.get("Projection") instanceof Map<?, ?> m ? m : Map.of();
            String type = projection.get("ProjectionType") == null ? "ALL" : str(projection.get("ProjectionType"));
            List<String> nonKey = projection.get("NonKeyAttributes") instanceof List<?> l
                    ? l.stream().map(String::valueOf).toList() : List.of();
            return new SecondaryIndex(str(i.get("IndexName")), keySchema(i.get("KeySchema"), r), type, nonKey,
                    throughput(i.get("ProvisionedThroughput")));
        }).toList();
    }

    private List<KeyElement> keySchema(Object value, TemplateResource r) {
        return maps(value, r, "KeySchema").stream()
                .map(k -> new KeyElement(str(k.get("AttributeName")), str(k.get("KeyType")))).toList();
    }

    private static Throughput throughput(Object value) {
        if (!(value instanceof Map<?, ?> m)) {
            return null;
        }
        return new Throughput(Long.parseLong(str(m.get("ReadCapacityUnits"))),
                Long.parseLong(str(m.get("WriteCapacityUnits"))));
    }

    /** Queues in creation order: every dead-letter target before the queues that redrive into it. */
    public List<QueueDefinition> queues() {
        Map<String, QueueDefinition> byId = new LinkedHashMap<>();
        for (TemplateResource r : template.resourcesOfType(ResourceNames.QUEUE)) {
            Map<String, Object> p = resolvedProperties(r, QUEUE_PROPERTIES);
            QueueName name = names.queue(r.logicalId());
            Map<String, String> attributes = new LinkedHashMap<>();
            for (String attribute : QUEUE_ATTRIBUTES) {
                if (p.get(attribute) != null) {
                    attributes.put(attribute, str(p.get(attribute)));
                }
            }
            String dlqArn = null;
            Integer maxReceiveCount = null;
            Object redrive = p.get("RedrivePolicy");
            if (redrive instanceof String json) {
                redrive = Json.MAPPER.convertValue(Json.parse(json), Map.class);
            }
            if (redrive instanceof Map<?, ?> policy) {
                dlqArn = str(policy.get("deadLetterTargetArn"));
                maxReceiveCount = Integer.valueOf(str(policy.get("maxReceiveCount")));
                ObjectNode json = Json.object();
                json.put("deadLetterTargetArn", dlqArn);
                json.put("maxReceiveCount", maxReceiveCount.toString());
                attributes.put("RedrivePolicy", Json.write(json));
            }
            byId.put(r.logicalId(), new QueueDefinition(r.logicalId(), name.name(), name.url(), name.arn(),
                    Map.copyOf(attributes), dlqArn, maxReceiveCount));
        }
        Set<String> ordered = new LinkedHashSet<>();
        for (String id : byId.keySet()) {
            addWithDeadLetterTargetsFirst(id, byId, ordered, new LinkedHashSet<>());
        }
        return ordered.stream().map(byId::get).toList();
    }

    private void addWithDeadLetterTargetsFirst(String id, Map<String, QueueDefinition> byId, Set<String> ordered,
                                               Set<String> visiting) {
        if (ordered.contains(id)) {
            return;
        }
        if (!visiting.add(id)) {
            throw new TemplateException("queue redrive policies form a cycle through " + id);
        }
        QueueDefinition q = byId.get(id);
        if (q.deadLetterTargetArn() != null) {
            QueueName target = names.queueByArnOrUrl(q.deadLetterTargetArn());
            if (target == null) {
                throw new TemplateException(id + ".RedrivePolicy targets " + q.deadLetterTargetArn()
                        + ", which is not a queue of this template");
            }
            addWithDeadLetterTargetsFirst(target.logicalId(), byId, ordered, visiting);
        }
        ordered.add(id);
    }

    public List<BucketDefinition> buckets() {
        return template.resourcesOfType(ResourceNames.BUCKET).stream()
                .map(r -> new BucketDefinition(r.logicalId(), names.bucketName(r.logicalId()))).toList();
    }

    public List<FunctionDefinition> functions() {
        Map<String, Object> globals = template.functionGlobals();
        List<FunctionDefinition> functions = new ArrayList<>();
        for (TemplateResource r : template.resourcesOfType(ResourceNames.FUNCTION)) {
            Map<String, Object> p = r.properties();
            String where = r.logicalId();
            String handler = resolver.resolveString(p.getOrDefault("Handler", globals.get("Handler")));
            if (handler == null) {
                throw new TemplateException(where + " has no Handler");
            }
            Object codeUriValue = p.getOrDefault("CodeUri", globals.get("CodeUri"));
            if (codeUriValue instanceof Map) {
                throw new TemplateException(where + ".CodeUri must be a local path for the local stack");
            }
            String codeUri = resolver.resolveString(codeUriValue);
            if (codeUri == null) {
                throw new TemplateException(where + " has no CodeUri");
            }
            Path code = template.baseDirectory().resolve(codeUri).normalize();
            int timeout = resolver.resolveInteger(p.getOrDefault("Timeout", globals.get("Timeout")),
                    DEFAULT_TIMEOUT_SECONDS);
            int memory = resolver.resolveInteger(p.getOrDefault("MemorySize", globals.get("MemorySize")),
                    DEFAULT_MEMORY_MB);

            Map<String, String> environment = new LinkedHashMap<>();
            environment.putAll(variables(globals.get("Environment"), "Globals.Function.Environment"));
            environment.putAll(variables(p.get("Environment"), where + ".Environment"));

            List<HttpRoute> routes = new ArrayList<>();
            List<SqsEventSource> sqs = new ArrayList<>();
            List<S3EventSource> s3 = new ArrayList<>();
            List<DynamoDbEventSource> streams = new ArrayList<>();
            Map<String, Object> events = p.get("Events") == null ? Map.of()
                    : StackTemplate.asMap(p.get("Events"), where + ".Events");
            events.forEach((eventId, body) -> {
                Map<String, Object> event = StackTemplate.asMap(body, where + ".Events." + eventId);
                String type = String.valueOf(event.get("Type"));
                Map<String, Object> ep = event.get("Properties") == null ? Map.of()
                        : StackTemplate.asMap(event.get("Properties"), where + ".Events." + eventId + ".Properties");
                switch (type) {
                    case "HttpApi" -> routes.add(route(where, eventId, ep));
                    case "SQS" -> sqsSource(where, eventId, ep, sqs);
                    case "S3" -> s3.add(s3Source(eventId, ep));
                    case "DynamoDB" -> streamSource(where, eventId, ep, streams);
                    default -> {
                        // Other event types (Schedule, Api, ...) have no local equivalent yet.
                    }
                }
            });
            functions.add(new FunctionDefinition(r.logicalId(), handler, code, Map.copyOf(environment), timeout,
                    memory, List.copyOf(routes), List.copyOf(sqs), List.copyOf(s3), List.copyOf(streams),
                    p.get("FunctionUrlConfig") != null));
        }
        return List.copyOf(functions);
    }

    private Map<String, String> variables(Object environment, String where) {
        if (environment == null) {
            return Map.of();
        }
        Object variables = StackTemplate.asMap(environment, where).get("Variables");
        if (variables == null) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        StackTemplate.asMap(variables, where + ".Variables").forEach((name, value) -> {
            try {
                String resolved = resolver.resolveString(value);
                if (resolved != null) {
                    out.put(name, resolved);
                }
            } catch (TemplateException e) {
                throw new TemplateException(where + ".Variables." + name + ": " + e.getMessage());
            }
        });
        return out;
    }

    private HttpRoute route(String function, String eventId, Map<String, Object> p) {
        String path = resolver.resolveString(p.get("Path"));
        String method = resolver.resolveString(p.get("Method"));
        if (path == null && method == null) {
            // SAM: an HttpApi event without Path/Method is $default
            return new HttpRoute(eventId, "ANY", "$default", throttle(function, eventId, p, "$default"));
        }
        String m = method == null || method.equals("*") ? "ANY" : method.toUpperCase(Locale.ROOT);
        String routePath = path == null ? "/" : path;
        return new HttpRoute(eventId, m, routePath, throttle(function, eventId, p, m + " " + routePath));
    }

    /**
     * The stage throttling of the route's API: its {@code DefaultRouteSettings}, with {@code RouteSettings} for this
     * route key on top; what neither sets is the account's default. An event without ApiId belongs to SAM's implicit
     * API, configured under Globals.HttpApi. Null when no throttling is set at all, or the API is not this template's.
     */
    private FunctionDefinition.RouteThrottle throttle(String function, String eventId, Map<String, Object> p,
                                                       String routeKey) {
        Map<String, Object> api;
        Object apiId = p.get("ApiId");
        if (apiId == null) {
            Object globals = template.section("Globals").get("HttpApi");
            api = globals == null ? Map.of() : StackTemplate.asMap(globals, "Globals.HttpApi");
        } else if (apiId instanceof Map<?, ?> ref && ref.get("Ref") instanceof String id
                && template.resource(id) != null && ResourceNames.HTTP_API.equals(template.resource(id).type())) {
            api = template.resource(id).properties();
        } else {
            return null; // an API defined elsewhere: its throttling is not in this template
        }
        Object defaults = resolver.resolve(api.get("DefaultRouteSettings"));
        Object perRoute = resolver.resolve(api.get("RouteSettings"));
        Map<?, ?> own = perRoute instanceof Map<?, ?> all && all.get(routeKey) instanceof Map<?, ?> r ? r : Map.of();
        Map<?, ?> stage = defaults instanceof Map<?, ?> d ? d : Map.of();
        Object rate = own.get("ThrottlingRateLimit") != null ? own.get("ThrottlingRateLimit")
                : stage.get("ThrottlingRateLimit");
        Object burst = own.get("ThrottlingBurstLimit") != null ? own.get("ThrottlingBurstLimit")
                : stage.get("ThrottlingBurstLimit");
        if (rate == null && burst == null) {
            return null;
        }
        try {
            return new FunctionDefinition.RouteThrottle(
                    rate == null ? FunctionDefinition.RouteThrottle.ACCOUNT_RATE_LIMIT : Double.parseDouble(str(rate)),
                    burst == null ? FunctionDefinition.RouteThrottle.ACCOUNT_BURST_LIMIT : Integer.parseInt(str(burst)));
        } catch (NumberFormatException e) {
            throw new TemplateException(function + ".Events." + eventId + ": route throttling must be numbers, got "
                    + "rate " + rate + ", burst " + burst);
        }
    }

    private void sqsSource(String function, String eventId, Map<String, Object> p, List<SqsEventSource> out) {
        Object enabled = resolver.resolve(p.get("Enabled"));
        if (enabled != null && !Boolean.parseBoolean(String.valueOf(enabled))) {
            return;
        }
        String queueRef = resolver.resolveString(p.get("Queue"));
        QueueName queue = queueRef == null ? null : names.queueByArnOrUrl(queueRef);
        if (queue == null) {
            throw new TemplateException(function + ".Events." + eventId + ".Queue " + queueRef
                    + " is not a queue of this template");
        }
        int batchSize = resolver.resolveInteger(p.get("BatchSize"), DEFAULT_SQS_BATCH_SIZE);
        int window = resolver.resolveInteger(p.get("MaximumBatchingWindowInSeconds"), 0);
        Object types = resolver.resolve(p.get("FunctionResponseTypes"));
        boolean reportFailures = types instanceof List<?> l && l.contains("ReportBatchItemFailures");
        Object scaling = resolver.resolve(p.get("ScalingConfig"));
        int concurrency = DEFAULT_SQS_MAXIMUM_CONCURRENCY;
        if (scaling instanceof Map<?, ?> m && m.get("MaximumConcurrency") != null) {
            concurrency = Integer.parseInt(str(m.get("MaximumConcurrency")));
        }
        out.add(new SqsEventSource(eventId, queue.logicalId(), queue.url(), queue.arn(), batchSize, window,
                reportFailures, concurrency));
    }

    private void streamSource(String function, String eventId, Map<String, Object> p, List<DynamoDbEventSource> out) {
        String where = function + ".Events." + eventId;
        Object enabled = resolver.resolve(p.get("Enabled"));
        if (enabled != null && !Boolean.parseBoolean(String.valueOf(enabled))) {
            return;
        }
        String streamRef = resolver.resolveString(p.get("Stream"));
        String table = streamRef == null ? null : names.tableByStreamArn(streamRef);
        if (table == null) {
            throw new TemplateException(where + ".Stream " + streamRef + " is not the stream of a table of this"
                    + " template (use !GetAtt <Table>.StreamArn)");
        }
        TableDefinition definition = tables().stream().filter(t -> t.logicalId().equals(table)).findFirst()
                .orElseThrow();
        if (definition.streamViewType() == null) {
            throw new TemplateException(where + ".Stream reads " + table + ", which has no StreamSpecification");
        }
        String start = resolver.resolveString(p.get("StartingPosition"));
        if (start == null || !STARTING_POSITIONS.contains(start)) {
            throw new TemplateException(where + ".StartingPosition must be one of "
                    + String.join(", ", STARTING_POSITIONS) + ", got " + start);
        }
        int batchSize = resolver.resolveInteger(p.get("BatchSize"), DEFAULT_STREAM_BATCH_SIZE);
        int window = resolver.resolveInteger(p.get("MaximumBatchingWindowInSeconds"), 0);
        Object types = resolver.resolve(p.get("FunctionResponseTypes"));
        boolean reportFailures = types instanceof List<?> l && l.contains("ReportBatchItemFailures");
        int retries = resolver.resolveInteger(p.get("MaximumRetryAttempts"), DEFAULT_STREAM_MAXIMUM_RETRY_ATTEMPTS);
        out.add(new DynamoDbEventSource(eventId, table, definition.tableName(), batchSize, start, window,
                reportFailures, retries));
    }

    private S3EventSource s3Source(String eventId, Map<String, Object> p) {
        String bucket = resolver.resolveString(p.get("Bucket"));
        Object events = resolver.resolve(p.get("Events"));
        List<String> patterns = events instanceof List<?> l ? l.stream().map(String::valueOf).toList()
                : events == null ? List.of() : List.of(String.valueOf(events));
        String prefix = null;
        String suffix = null;
        Object filter = resolver.resolve(p.get("Filter"));
        if (filter instanceof Map<?, ?> f && f.get("S3Key") instanceof Map<?, ?> key
                && key.get("Rules") instanceof List<?> rules) {
            for (Object rule : rules) {
                if (rule instanceof Map<?, ?> m) {
                    String name = str(m.get("Name")).toLowerCase(Locale.ROOT);
                    if (name.equals("prefix")) {
                        prefix = str(m.get("Value"));
                    } else if (name.equals("suffix")) {
                        suffix = str(m.get("Value"));
                    }
                }
            }
        }
        return new S3EventSource(eventId, bucket, patterns, prefix, suffix);
    }

    /** Resolves only the properties the stack uses, so an unsupported intrinsic elsewhere (KMS keys, ...) is harmless. */
    private Map<String, Object> resolvedProperties(TemplateResource r, List<String> used) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String name : used) {
            Object value = r.properties().get(name);
            if (value != null) {
                try {
                    Object resolved = resolver.resolve(value);
                    if (resolved != null) {
                        out.put(name, resolved);
                    }
                } catch (TemplateException e) {
                    throw new TemplateException(r.logicalId() + "." + name + ": " + e.getMessage());
                }
            }
        }
        return out;
    }

    private static List<Map<?, ?>> maps(Object value, TemplateResource r, String property) {
        if (!(value instanceof List<?> list)) {
            throw new TemplateException(r.logicalId() + "." + property + " must be a list");
        }
        List<Map<?, ?>> out = new ArrayList<>();
        for (Object item : list) {
            if (!(item instanceof Map<?, ?> m)) {
                throw new TemplateException(r.logicalId() + "." + property + " entries must be mappings");
            }
            out.add(m);
        }
        return out;
    }

    private static String str(Object value) {
        return value == null ? null : IntrinsicResolver.scalarText(value);
    }
}
