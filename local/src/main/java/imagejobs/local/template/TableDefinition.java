package imagejobs.local.template;

import java.util.List;

/**
 * One AWS::DynamoDB::Table as the local stack creates it.
 *
 * @param billingMode  PAY_PER_REQUEST or PROVISIONED
 * @param ttlAttribute   the TimeToLiveSpecification attribute when enabled, else null
 * @param streamViewType the StreamSpecification's view type ({@code NEW_AND_OLD_IMAGES}, ...), or null: no stream
 */
public record TableDefinition(String logicalId, String tableName, List<AttributeDefinition> attributes,
                              List<KeyElement> keySchema, List<SecondaryIndex> globalSecondaryIndexes,
                              List<SecondaryIndex> localSecondaryIndexes, String billingMode,
                              Throughput provisionedThroughput, String ttlAttribute, String streamViewType) {

    /** A table without a stream. */
    public TableDefinition(String logicalId, String tableName, List<AttributeDefinition> attributes,
                           List<KeyElement> keySchema, List<SecondaryIndex> globalSecondaryIndexes,
                           List<SecondaryIndex> localSecondaryIndexes, String billingMode,
                           Throughput provisionedThroughput, String ttlAttribute) {
        this(logicalId, tableName, attributes, keySchema, globalSecondaryIndexes, localSecondaryIndexes, billingMode,
                provisionedThroughput, ttlAttribute, null);
    }

    public record AttributeDefinition(String name, String type) {
    }

    /** keyType HASH or RANGE. */
    public record KeyElement(String name, String keyType) {
    }

    /** projectionType ALL, KEYS_ONLY or INCLUDE (then nonKeyAttributes). */
    public record SecondaryIndex(String name, List<KeyElement> keySchema, String projectionType,
                                 List<String> nonKeyAttributes, Throughput provisionedThroughput) {
    }

    public record Throughput(long readCapacityUnits, long writeCapacityUnits) {
    }
}
