package imagejobs.local.template;

import java.util.List;
import java.util.Optional;

/**
 * Everything the local stack creates from template.yaml: tables, queues (dead-letter targets first), buckets and
 * functions, with every intrinsic resolved.
 */
public record StackDefinition(ResourceNames names, List<TableDefinition> tables, List<QueueDefinition> queues,
                              List<BucketDefinition> buckets, List<FunctionDefinition> functions) {

    public Optional<FunctionDefinition> function(String logicalId) {
        return functions.stream().filter(f -> f.logicalId().equals(logicalId)).findFirst();
    }

    public Optional<QueueDefinition> queue(String logicalId) {
        return queues.stream().filter(q -> q.logicalId().equals(logicalId)).findFirst();
    }

    public Optional<TableDefinition> table(String logicalId) {
        return tables.stream().filter(t -> t.logicalId().equals(logicalId)).findFirst();
    }
}
