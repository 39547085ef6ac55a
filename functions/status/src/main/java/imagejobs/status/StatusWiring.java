package imagejobs.status;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.shared.auth.Authenticator;
import imagejobs.shared.auth.DynamoKeyStore;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.config.AwsClientConfig;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.jobs.DynamoJobStore;
import imagejobs.shared.json.Json;
import imagejobs.shared.log.StructuredLog;
import imagejobs.shared.status.JobQueries;
import imagejobs.shared.status.JobView;
import imagejobs.shared.status.ListCursors;
import imagejobs.shared.status.ModelQueries;
import imagejobs.shared.status.StatusRouter;
import imagejobs.shared.storage.ObjectStore;
import imagejobs.shared.storage.S3RestObjectStore;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** Builds the status function's collaborators once per container. */
final class StatusWiring {
    private static final StructuredLog LOG = StructuredLog.get(StatusWiring.class);

    private StatusWiring() {
    }

    static StatusRouter router(Environment env) {
        Settings settings = new Settings(env);
        AwsClientConfig aws = new AwsClientConfig(env);
        DynamoDbClient dynamo = aws.configure(DynamoDbClient.builder(), "DYNAMODB").build();
        S3RestObjectStore store = S3RestObjectStore.create(aws, settings);
        JobView view = new JobView(store.bucket(), key -> store.presignGet(key, settings.presignTtl()),
                key -> conversation(store, key));
        if (!settings.cursorSecretConfigured()) {
            LOG.warn("CURSOR_SECRET is not set: list cursors are signed with a key derived from the jobs table name");
        }
        return new StatusRouter(
                new Authenticator(new DynamoKeyStore(dynamo, settings.keysTable())),
                new JobQueries(new DynamoJobStore(dynamo, settings.jobsTable()), view,
                        new ListCursors(settings.cursorSecret()), Clock.systemUTC()),
                new ModelQueries(ModelCatalog.load()));
    }

    /** A next_turn_contents spilled to S3, or null when the object is gone (lifecycle rules ran first). */
    private static JsonNode conversation(ObjectStore store, String key) {
        return store.get(key).map(o -> {
            try {
                return Json.MAPPER.readTree(o.bytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).orElse(null);
    }
}
