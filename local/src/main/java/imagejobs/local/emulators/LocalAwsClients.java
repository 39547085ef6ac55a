package imagejobs.local.emulators;

import java.net.URI;

import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * SDK clients pointed at the emulators, for the stack itself (resource creation, queue and stream pollers, key seeding) and for
 * tests. S3 uses path-style addressing and WHEN_REQUIRED checksums, which S3Proxy needs. One explicit HTTP client
 * (UrlConnection) for all: DynamoDB Local drags Apache and Netty clients onto the classpath, and the SDK refuses
 * to choose between several on its own.
 */
public final class LocalAwsClients implements AutoCloseable {
    private final SdkHttpClient http;
    private final DynamoDbClient dynamoDb;
    private final DynamoDbStreamsClient dynamoDbStreams;
    private final SqsClient sqs;
    private final S3Client s3;
    private final S3Presigner presigner;

    public LocalAwsClients(URI dynamoDbEndpoint, URI sqsEndpoint, URI s3Endpoint, String region) {
        this.http = ToolTimeouts.httpClient();
        Region r = Region.of(region);
        this.dynamoDb = DynamoDbClient.builder().httpClient(http).region(r).credentialsProvider(LocalCredentials.provider())
                .overrideConfiguration(ToolTimeouts.overrides()).endpointOverride(dynamoDbEndpoint).build();
        this.dynamoDbStreams = DynamoDbStreamsClient.builder().httpClient(http).region(r)
                .credentialsProvider(LocalCredentials.provider()).overrideConfiguration(ToolTimeouts.overrides())
                .endpointOverride(dynamoDbEndpoint).build();
        this.sqs = SqsClient.builder().httpClient(http).region(r).credentialsProvider(LocalCredentials.provider())
                .overrideConfiguration(ToolTimeouts.overrides()).endpointOverride(sqsEndpoint).build();
        this.s3 = S3Client.builder().httpClient(http).region(r).credentialsProvider(LocalCredentials.provider())
                .overrideConfiguration(ToolTimeouts.overrides()).endpointOverride(s3Endpoint).forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
        this.presigner = S3Presigner.builder().region(r).credentialsProvider(LocalCredentials.provider())
                .endpointOverride(s3Endpoint)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .build();
    }

    public DynamoDbClient dynamoDb() {
        return dynamoDb;
    }

    /** DynamoDB Local serves the Streams API on its own endpoint. */
    public DynamoDbStreamsClient dynamoDbStreams() {
        return dynamoDbStreams;
    }

    public SqsClient sqs() {
        return sqs;
    }

    public S3Client s3() {
        return s3;
    }

    public S3Presigner s3Presigner() {
        return presigner;
    }

    @Override
    public void close() {
        presigner.close();
        s3.close();
        sqs.close();
        dynamoDbStreams.close();
        dynamoDb.close();
        http.close();
    }
}
