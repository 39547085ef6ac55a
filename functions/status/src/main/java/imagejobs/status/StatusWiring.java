package imagejobs.status;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;

import imagejobs.shared.auth.Authenticator;
import imagejobs.shared.auth.DynamoKeyStore;
import imagejobs.shared.catalog.ModelCatalog;
import imagejobs.shared.config.AwsClientConfig;
import imagejobs.shared.config.Environment;
import imagejobs.shared.config.Settings;
import imagejobs.shared.jobs.DynamoJobStore;
import imagejobs.shared.json.Json;
import imagejobs.shared.status.JobQueries;
import imagejobs.shared.status.JobView;
import imagejobs.shared.status.ModelQueries;
import imagejobs.shared.storage.S3Clients;
import imagejobs.shared.storage.S3ObjectStore;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** Builds the status function's collaborators once per container. */
final class StatusWiring {
    private StatusWiring() {
    }

    record Services(Authenticator authenticator, JobQueries jobs, ModelQueries models) {
    }

    static Services services(Environment env) {
        Settings settings = new Settings(env);
        AwsClientConfig aws = new AwsClientConfig(env);
        DynamoDbClient dynamo = aws.configure(DynamoDbClient.builder(), "DYNAMODB").build();
        S3ObjectStore store = new S3ObjectStore(S3Clients.client(aws, settings), S3Clients.presigner(aws, settings),
                settings.imagesBucket());
        JobView view = new JobView(store.bucket(), key -> store.presignGet(key, settings.presignTtl()),
                key -> store.get(key).map(o -> {
                    try {
                        return Json.MAPPER.readTree(o.bytes());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }).orElse(null));
        return new Services(
                new Authenticator(new DynamoKeyStore(dynamo, settings.keysTable())),
                new JobQueries(new DynamoJobStore(dynamo, settings.jobsTable()), view, Clock.systemUTC()),
                new ModelQueries(ModelCatalog.load()));
    }
}
