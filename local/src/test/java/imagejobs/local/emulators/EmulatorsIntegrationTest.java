package imagejobs.local.emulators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import imagejobs.local.TestPaths;
import imagejobs.local.console.StartupLog;
import imagejobs.local.resources.ResourceCreator;
import imagejobs.local.template.StackContext;
import imagejobs.local.template.StackDefinition;
import imagejobs.local.template.StackDefinitionReader;
import imagejobs.local.template.ResourceNames;
import imagejobs.local.template.StackTemplate;
import imagejobs.local.template.TemplateReader;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

class EmulatorsIntegrationTest {
    private static EmulatorSet emulators;
    private static LocalAwsClients clients;
    private static StackDefinition stack;

    @BeforeAll
    static void start() {
        emulators = EmulatorSet.start(EmulatorPorts.ephemeral(), TestPaths.nativeLibraries(), "us-east-1",
                "000000000000", new StartupLog(System.out));
        clients = new LocalAwsClients(emulators.dynamoDb().endpoint(), emulators.sqs().endpoint(),
                emulators.s3().endpoint(), "us-east-1");
        StackTemplate template = new TemplateReader().read(TestPaths.template());
        ResourceNames names = new ResourceNames(template, StackContext.local(Map.of()),
                emulators.sqs().endpoint().toString());
        stack = new StackDefinitionReader(template, names).read();
        new ResourceCreator(clients.dynamoDb(), clients.sqs(), clients.s3()).createAll(stack);
    }

    @AfterAll
    static void stop() {
        if (clients != null) {
            clients.close();
        }
        if (emulators != null) {
            emulators.close();
        }
    }

    @Test
    void jobsTableHasItsIndexAndTtl() {
        TableDescription table = clients.dynamoDb().describeTable(r -> r.tableName("JobsTable")).table();
        assertEquals("tenant-created_at", table.globalSecondaryIndexes().get(0).indexName());
        assertEquals("INCLUDE", table.globalSecondaryIndexes().get(0).projection().projectionTypeAsString());
        assertTrue(table.globalSecondaryIndexes().get(0).projection().nonKeyAttributes().contains("status"));
        assertEquals("expires_at", clients.dynamoDb().describeTimeToLive(r -> r.tableName("JobsTable"))
                .timeToLiveDescription().attributeName());
    }

    @Test
    void jobsQueueRedrivesToTheDeadLetterQueue() {
        String url = stack.names().queue("JobsQueue").url();
        Map<QueueAttributeName, String> attributes = clients.sqs().getQueueAttributes(r -> r.queueUrl(url)
                .attributeNames(QueueAttributeName.ALL)).attributes();
        System.out.println(attributes);
        assertEquals("1800", attributes.get(QueueAttributeName.VISIBILITY_TIMEOUT));
        assertTrue(attributes.get(QueueAttributeName.REDRIVE_POLICY).contains("JobsDeadLetterQueue"));
    }

    @Test
    void bucketExists() {
        clients.s3().headBucket(r -> r.bucket("imagejobs-images-000000000000-us-east-1"));
    }
}
