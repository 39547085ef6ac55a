package imagejobs.local.resources;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import imagejobs.local.template.BucketDefinition;
import imagejobs.local.template.QueueDefinition;
import imagejobs.local.template.StackDefinition;
import imagejobs.local.template.TableDefinition;
import imagejobs.local.template.TableDefinition.KeyElement;
import imagejobs.local.template.TableDefinition.SecondaryIndex;
import imagejobs.local.template.TableDefinition.Throughput;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.StreamSpecification;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.LocalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughput;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyExistsException;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Creates the template's tables (with indexes, TTL and streams), queues (dead-letter targets first) and buckets. Resources that
 * already exist (a stack restarted on its data directory) are kept as they are, if they still fit the template.
 */
public final class ResourceCreator {
    /** DynamoDB Local ignores capacity, but PROVISIONED tables must name some. */
    private static final Throughput DEFAULT_THROUGHPUT = new Throughput(5, 5);

    private final DynamoDbClient dynamoDb;
    private final SqsClient sqs;
    private final S3Client s3;

    public ResourceCreator(DynamoDbClient dynamoDb, SqsClient sqs, S3Client s3) {
        this.dynamoDb = dynamoDb;
        this.sqs = sqs;
        this.s3 = s3;
    }

    public void createAll(StackDefinition stack) {
        stack.tables().forEach(this::createTable);
        stack.queues().forEach(this::createQueue);
        stack.buckets().forEach(this::createBucket);
    }

    public void createTable(TableDefinition table) {
        boolean provisioned = !"PAY_PER_REQUEST".equals(table.billingMode());
        CreateTableRequest.Builder request = CreateTableRequest.builder()
                .tableName(table.tableName())
                .attributeDefinitions(table.attributes().stream()
                        .map(a -> AttributeDefinition.builder().attributeName(a.name()).attributeType(a.type()).build())
                        .toList())
                .keySchema(keys(table.keySchema()))
                .billingMode(provisioned ? BillingMode.PROVISIONED : BillingMode.PAY_PER_REQUEST);
        if (provisioned) {
            request.provisionedThroughput(throughput(table.provisionedThroughput()));
        }
        if (!table.globalSecondaryIndexes().isEmpty()) {
            request.globalSecondaryIndexes(table.globalSecondaryIndexes().stream().map(i -> {
                GlobalSecondaryIndex.Builder gsi = GlobalSecondaryIndex.builder().indexName(i.name())
                        .keySchema(keys(i.keySchema())).projection(projection(i));
                if (provisioned) {
                    gsi.provisionedThroughput(throughput(i.provisionedThroughput()));
                }
                return gsi.build();
            }).toList());
        }
        if (!table.localSecondaryIndexes().isEmpty()) {
            request.localSecondaryIndexes(table.localSecondaryIndexes().stream()
                    .map(i -> LocalSecondaryIndex.builder().indexName(i.name()).keySchema(keys(i.keySchema()))
                            .projection(projection(i)).build())
                    .toList());
        }
        if (table.streamViewType() != null) {
            request.streamSpecification(s -> s.streamEnabled(true).streamViewType(table.streamViewType()));
        }
        try {
            dynamoDb.createTable(request.build());
        } catch (ResourceInUseException e) {
            TableDescription existing = dynamoDb.describeTable(r -> r.tableName(table.tableName())).table();
            checkExisting(table, existing);
            ensureStream(table, existing);
            if (table.ttlAttribute() == null || dynamoDb.describeTimeToLive(r -> r.tableName(table.tableName()))
                    .timeToLiveDescription().timeToLiveStatus() == TimeToLiveStatus.ENABLED) {
                return;
            }
        }
        if (table.ttlAttribute() != null) {
            dynamoDb.updateTimeToLive(r -> r.tableName(table.tableName())
                    .timeToLiveSpecification(t -> t.attributeName(table.ttlAttribute()).enabled(true)));
        }
    }

    /**
     * A table kept in a --data directory from before the template gave it a stream (or another view type) gets the
     * template's stream with UpdateTable; a stream's view type cannot be changed in place, so a different one is
     * disabled first (its records are gone either way: the pollers start at the latest record).
     */
    private void ensureStream(TableDefinition table, TableDescription existing) {
        if (table.streamViewType() == null) {
            return;
        }
        StreamSpecification current = existing.streamSpecification();
        boolean enabled = current != null && Boolean.TRUE.equals(current.streamEnabled());
        if (enabled && table.streamViewType().equals(current.streamViewTypeAsString())) {
            return;
        }
        try {
            if (enabled) {
                dynamoDb.updateTable(r -> r.tableName(table.tableName()).streamSpecification(s -> s.streamEnabled(false)));
            }
            dynamoDb.updateTable(r -> r.tableName(table.tableName())
                    .streamSpecification(s -> s.streamEnabled(true).streamViewType(table.streamViewType())));
        } catch (DynamoDbException e) {
            String why = e.awsErrorDetails() == null ? "no answer" : e.awsErrorDetails().errorMessage();
            throw new IllegalStateException("table " + table.tableName() + " in the data directory has no "
                    + table.streamViewType() + " stream, which template.yaml declares, and adding one failed (" + why
                    + "); start with a new --data directory (or delete this one) to create it afresh", e);
        }
    }

    /** A kept table must have the template's keys and indexes, or the functions would fail on it in odd ways. */
    private static void checkExisting(TableDefinition table, TableDescription existing) {
        List<String> keys = existing.keySchema().stream().map(k -> k.attributeName() + " " + k.keyTypeAsString())
                .toList();
        List<String> wanted = table.keySchema().stream().map(k -> k.name() + " " + k.keyType()).toList();
        Set<String> indexes = existing.globalSecondaryIndexes().stream().map(GlobalSecondaryIndexDescription::indexName)
                .collect(Collectors.toSet());
        Set<String> wantedIndexes = table.globalSecondaryIndexes().stream().map(SecondaryIndex::name)
                .collect(Collectors.toSet());
        if (!keys.equals(wanted) || !indexes.equals(wantedIndexes)) {
            throw new IllegalStateException("table " + table.tableName() + " in the data directory has keys " + keys
                    + " and indexes " + indexes + ", but template.yaml declares " + wanted + " and " + wantedIndexes
                    + "; start with a new --data directory (or delete this one) to create it afresh");
        }
    }

    private static List<KeySchemaElement> keys(List<KeyElement> keys) {
        return keys.stream().map(k -> KeySchemaElement.builder().attributeName(k.name()).keyType(k.keyType()).build())
                .toList();
    }

    private static Projection projection(SecondaryIndex index) {
        Projection.Builder p = Projection.builder().projectionType(index.projectionType());
        if (!index.nonKeyAttributes().isEmpty()) {
            p.nonKeyAttributes(index.nonKeyAttributes());
        }
        return p.build();
    }

    private static ProvisionedThroughput throughput(Throughput t) {
        Throughput value = t == null ? DEFAULT_THROUGHPUT : t;
        return ProvisionedThroughput.builder().readCapacityUnits(value.readCapacityUnits())
                .writeCapacityUnits(value.writeCapacityUnits()).build();
    }

    public void createQueue(QueueDefinition queue) {
        Map<QueueAttributeName, String> attributes = queue.attributes().entrySet().stream()
                .collect(Collectors.toMap(e -> QueueAttributeName.fromValue(e.getKey()), Map.Entry::getValue));
        String url = sqs.createQueue(r -> r.queueName(queue.name()).attributes(attributes)).queueUrl();
        if (!url.equals(queue.url())) {
            // Every function got the computed URL in its environment: a mismatch would be a silent misroute.
            throw new IllegalStateException("ElasticMQ created " + queue.logicalId() + " at " + url
                    + ", expected " + queue.url());
        }
    }

    public void createBucket(BucketDefinition bucket) {
        try {
            s3.createBucket(r -> r.bucket(bucket.name()));
        } catch (BucketAlreadyOwnedByYouException | BucketAlreadyExistsException e) {
            // kept from an earlier run on the same data directory
        }
    }
}
