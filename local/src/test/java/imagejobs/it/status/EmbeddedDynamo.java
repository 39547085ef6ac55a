package imagejobs.it.status;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.Projection;

/**
 * DynamoDB Local in this JVM, in memory, on a free loopback port, with the jobs table created from
 * template.yaml's own JobsTable definition (keys, listing index and its projection), so a template change that
 * breaks listing breaks these tests. For the status tests only: the local stack has its own emulator set.
 */
final class EmbeddedDynamo implements AutoCloseable {
    private final DynamoDBProxyServer server;
    private final DynamoDbClient client;

    private EmbeddedDynamo(DynamoDBProxyServer server, int port) {
        this.server = server;
        this.client = DynamoDbClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.EU_WEST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.builder().build())
                .build();
    }

    static EmbeddedDynamo start() throws Exception {
        if (System.getProperty("sqlite4java.library.path") == null) {
            System.setProperty("sqlite4java.library.path", root().resolve("local/target/native").toString());
        }
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort(); // DynamoDB Local's command line refuses port 0
        }
        DynamoDBProxyServer server = ServerRunner.createServerFromCommandLineArgs(new String[] {
            "-inMemory", "-sharedDb", "-disableTelemetry", "-port", Integer.toString(port)});
        // It binds every interface and has no option against it: reach into its Jetty server for loopback only.
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        for (Connector c : ((Server) field.get(server)).getConnectors()) {
            if (c instanceof ServerConnector connector) {
                connector.setHost("127.0.0.1");
            }
        }
        server.start();
        return new EmbeddedDynamo(server, port);
    }

    DynamoDbClient client() {
        return client;
    }

    /** Creates the jobs table as template.yaml's JobsTable declares it, under the given name. */
    @SuppressWarnings("unchecked")
    void createJobsTable(String name) throws IOException {
        Map<String, Object> template;
        try (InputStream in = Files.newInputStream(root().resolve("template.yaml"))) {
            template = new Yaml(new CloudFormationTags()).load(in);
        }
        Map<String, Object> props = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>)
                template.get("Resources")).get("JobsTable")).get("Properties");
        List<AttributeDefinition> attributes = new ArrayList<>();
        for (Map<String, Object> a : (List<Map<String, Object>>) props.get("AttributeDefinitions")) {
            attributes.add(AttributeDefinition.builder().attributeName((String) a.get("AttributeName"))
                    .attributeType((String) a.get("AttributeType")).build());
        }
        List<GlobalSecondaryIndex> indexes = new ArrayList<>();
        for (Map<String, Object> gsi : (List<Map<String, Object>>) props.get("GlobalSecondaryIndexes")) {
            Map<String, Object> projection = (Map<String, Object>) gsi.get("Projection");
            indexes.add(GlobalSecondaryIndex.builder()
                    .indexName((String) gsi.get("IndexName"))
                    .keySchema(keys((List<Map<String, Object>>) gsi.get("KeySchema")))
                    .projection(Projection.builder().projectionType((String) projection.get("ProjectionType"))
                            .nonKeyAttributes((List<String>) projection.get("NonKeyAttributes")).build())
                    .build());
        }
        client.createTable(r -> r.tableName(name).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(attributes)
                .keySchema(keys((List<Map<String, Object>>) props.get("KeySchema")))
                .globalSecondaryIndexes(indexes));
    }

    private static List<KeySchemaElement> keys(List<Map<String, Object>> schema) {
        return schema.stream().map(k -> KeySchemaElement.builder().attributeName((String) k.get("AttributeName"))
                .keyType((String) k.get("KeyType")).build()).toList();
    }

    static Path root() {
        return Path.of(System.getProperty("imagejobs.root", "..")).toAbsolutePath().normalize();
    }

    @Override
    public void close() throws Exception {
        client.close();
        server.stop();
    }

    /** Reads !Ref, !Sub, !GetAtt and friends as plain values: only literal parts of the template are used here. */
    private static final class CloudFormationTags extends SafeConstructor {
        CloudFormationTags() {
            super(new LoaderOptions());
            yamlMultiConstructors.put("!", new AbstractConstruct() {
                @Override
                public Object construct(Node node) {
                    if (node instanceof ScalarNode scalar) {
                        return scalar.getValue();
                    }
                    if (node instanceof SequenceNode sequence) {
                        return constructSequence(sequence);
                    }
                    return constructMapping((MappingNode) node);
                }
            });
        }
    }
}
