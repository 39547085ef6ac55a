package imagejobs.adapters.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Map;

import org.junit.jupiter.api.Test;

import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import imagejobs.shared.config.ConfigurationException;
import imagejobs.shared.config.Environment;

class AwsClientConfigTest {

    @Test
    void usesLambdasCredentialVariablesAndRegion() {
        AwsClientConfig config = new AwsClientConfig(new Environment(Map.of(
                "AWS_REGION", "eu-west-1", "AWS_ACCESS_KEY_ID", "AKIA", "AWS_SECRET_ACCESS_KEY", "s",
                "AWS_SESSION_TOKEN", "t")));
        assertEquals(Region.EU_WEST_1, config.region());
        assertInstanceOf(StaticCredentialsProvider.class, config.credentials());
        assertInstanceOf(AwsSessionCredentials.class, config.credentials().resolveCredentials());
    }

    @Test
    void snapStartFunctionsUseContainerCredentials() {
        AwsClientConfig config = new AwsClientConfig(new Environment(Map.of(
                "AWS_REGION", "us-east-1", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/creds")));
        assertInstanceOf(ContainerCredentialsProvider.class, config.credentials());
    }

    @Test
    void endpointsComeFromTheStandardVariables() {
        AwsClientConfig config = new AwsClientConfig(new Environment(Map.of(
                "AWS_REGION", "us-east-1", "AWS_ACCESS_KEY_ID", "a", "AWS_SECRET_ACCESS_KEY", "b",
                "AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000", "AWS_ENDPOINT_URL", "http://127.0.0.1:4566")));
        assertEquals(URI.create("http://127.0.0.1:9000"), config.endpoint("S3").orElseThrow());
        assertEquals(URI.create("http://127.0.0.1:4566"), config.endpoint("SQS").orElseThrow());
    }

    @Test
    void noEndpointOverrideInAws() {
        AwsClientConfig config = new AwsClientConfig(new Environment(Map.of(
                "AWS_REGION", "us-east-1", "AWS_ACCESS_KEY_ID", "a", "AWS_SECRET_ACCESS_KEY", "b")));
        assertTrue(config.endpoint("DYNAMODB").isEmpty());
    }

    @Test
    void regionIsRequired() {
        ConfigurationException e = assertThrows(ConfigurationException.class,
                () -> new AwsClientConfig(new Environment(Map.of())));
        assertTrue(e.getMessage().contains("AWS_REGION"));
    }
}
