package imagejobs.local.template;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import imagejobs.local.template.StackTemplate.TemplateResource;

/**
 * The local name of every template resource and what {@code Ref} / {@code GetAtt} of it yields, like
 * CloudFormation would after creating the stack: a table's Ref is its TableName (or logical id), a queue's Ref is
 * its local URL, a bucket's Ref its BucketName (or lower-case logical id). Builds the {@link IntrinsicResolver}
 * everything else is resolved with.
 */
public final class ResourceNames {
    public static final String TABLE = "AWS::DynamoDB::Table";
    public static final String QUEUE = "AWS::SQS::Queue";
    public static final String BUCKET = "AWS::S3::Bucket";
    public static final String FUNCTION = "AWS::Serverless::Function";
    public static final String HTTP_API = "AWS::Serverless::HttpApi";
    /** A fixed, valid-looking API id (API Gateway ids are 10 lower-case alphanumerics). */
    public static final String LOCAL_API_ID = "imagejobs0";

    private final StackContext context;
    private final Map<String, String> tables = new LinkedHashMap<>();
    private final Map<String, QueueName> queues = new LinkedHashMap<>();
    private final Map<String, String> buckets = new LinkedHashMap<>();
    private final IntrinsicResolver resolver;

    /** A queue as the stack names it: name, local URL and ARN. */
    public record QueueName(String logicalId, String name, String url, String arn) {
    }

    /**
     * @param sqsEndpoint ElasticMQ's base URL ({@code http://127.0.0.1:9324}); queue URLs are built on it the
     *                    way ElasticMQ builds them ({@code <endpoint>/<account>/<name>})
     */
    public ResourceNames(StackTemplate template, StackContext context, String sqsEndpoint) {
        this.context = context;
        Map<String, Object> references = new LinkedHashMap<>(context.pseudoParameters());
        Map<String, String> parameters = new LinkedHashMap<>(template.parameterDefaults());
        parameters.putAll(context.parameterOverrides());
        // A list-typed parameter's Ref is a list (what !Select and !Join expect); every other one a string.
        parameters.forEach((name, value) -> {
            String type = template.parameterType(name);
            boolean list = type != null && (type.equals("CommaDelimitedList") || type.startsWith("List<"));
            references.put(name, list ? java.util.List.of(value.split(",", -1)) : value);
        });
        // Names may use parameters and pseudo parameters (e.g. !Sub "${AWS::StackName}-images"), never other resources.
        IntrinsicResolver names = new IntrinsicResolver(template, references, Map.of());

        Map<String, Object> attributes = new LinkedHashMap<>();
        String base = sqsEndpoint.endsWith("/") ? sqsEndpoint.substring(0, sqsEndpoint.length() - 1) : sqsEndpoint;
        for (TemplateResource r : template.resources()) {
            String id = r.logicalId();
            switch (r.type()) {
                case TABLE -> {
                    String name = nameOr(names, r, "TableName", id);
                    tables.put(id, name);
                    references.put(id, name);
                    attributes.put(id + ".Arn", arn("dynamodb", "table/" + name));
                    attributes.put(id + ".StreamArn", streamArn(name));
                }
                case QUEUE -> {
                    String name = nameOr(names, r, "QueueName", id);
                    QueueName queue = new QueueName(id, name, base + "/" + context.accountId() + "/" + name,
                            arn("sqs", name));
                    queues.put(id, queue);
                    references.put(id, queue.url());
                    attributes.put(id + ".Arn", queue.arn());
                    attributes.put(id + ".QueueName", name);
                    attributes.put(id + ".QueueUrl", queue.url());
                }
                case BUCKET -> {
                    String name = nameOr(names, r, "BucketName", id.toLowerCase(Locale.ROOT));
                    buckets.put(id, name);
                    references.put(id, name);
                    attributes.put(id + ".Arn", "arn:" + context.partition() + ":s3:::" + name);
                    attributes.put(id + ".DomainName", name + ".s3.amazonaws.com");
                    attributes.put(id + ".RegionalDomainName", name + ".s3." + context.region() + ".amazonaws.com");
                }
                case FUNCTION -> {
                    references.put(id, id);
                    attributes.put(id + ".Arn", arn("lambda", "function:" + id));
                }
                case HTTP_API -> {
                    references.put(id, LOCAL_API_ID);
                    attributes.put(id + ".ApiEndpoint", "http://127.0.0.1");
                }
                default -> references.put(id, id);
            }
        }
        this.resolver = new IntrinsicResolver(template, references, attributes);
    }

    private static String nameOr(IntrinsicResolver names, TemplateResource r, String property, String fallback) {
        Object value = r.properties().get(property);
        if (value == null) {
            return fallback;
        }
        try {
            return names.resolveString(value);
        } catch (TemplateException e) {
            throw new TemplateException(r.logicalId() + "." + property + ": " + e.getMessage());
        }
    }

    private String arn(String service, String resource) {
        return "arn:" + context.partition() + ":" + service + ":" + context.region() + ":" + context.accountId()
                + ":" + resource;
    }

    public IntrinsicResolver resolver() {
        return resolver;
    }

    public StackContext context() {
        return context;
    }

    /** Logical id → table name. */
    public Map<String, String> tables() {
        return Map.copyOf(tables);
    }

    /** Logical id → queue. */
    public Map<String, QueueName> queues() {
        return Map.copyOf(queues);
    }

    /** Logical id → bucket name. */
    public Map<String, String> buckets() {
        return Map.copyOf(buckets);
    }

    public String tableName(String logicalId) {
        return required(tables.get(logicalId), "table", logicalId);
    }

    public QueueName queue(String logicalId) {
        return required(queues.get(logicalId), "queue", logicalId);
    }

    public String bucketName(String logicalId) {
        return required(buckets.get(logicalId), "bucket", logicalId);
    }

    /**
     * The logical id of the table whose stream ARN ({@code GetAtt Table.StreamArn}) this is, if any. The local ARN
     * is a stand-in: DynamoDB Local names the real stream when the table is created.
     */
    public String tableByStreamArn(String streamArn) {
        return tables.entrySet().stream().filter(t -> streamArn(t.getValue()).equals(streamArn))
                .map(Map.Entry::getKey).findFirst().orElse(null);
    }

    private String streamArn(String tableName) {
        return arn("dynamodb", "table/" + tableName + "/stream/local");
    }

    /** The queue whose ARN or URL this is, if any. */
    public QueueName queueByArnOrUrl(String arnOrUrl) {
        return queues.values().stream().filter(q -> q.arn().equals(arnOrUrl) || q.url().equals(arnOrUrl))
                .findFirst().orElse(null);
    }

    private static <T> T required(T value, String kind, String logicalId) {
        if (value == null) {
            throw new TemplateException("the template has no " + kind + " " + logicalId);
        }
        return value;
    }
}
