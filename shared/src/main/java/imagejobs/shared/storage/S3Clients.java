package imagejobs.shared.storage;

import imagejobs.shared.config.AwsClientConfig;
import imagejobs.shared.config.Settings;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * S3 client and presigner with the same endpoint, path-style and checksum settings. Checksum modes come from the
 * SDK's standard AWS_REQUEST_CHECKSUM_CALCULATION / AWS_RESPONSE_CHECKSUM_VALIDATION variables (S3-compatible
 * emulators want WHEN_REQUIRED); path style is our S3_FORCE_PATH_STYLE setting.
 */
public final class S3Clients {
    private S3Clients() {
    }

    public static S3Client client(AwsClientConfig aws, Settings settings) {
        var builder = aws.configure(S3Client.builder(), "S3").forcePathStyle(settings.s3ForcePathStyle());
        aws.environment().optional("AWS_REQUEST_CHECKSUM_CALCULATION")
                .ifPresent(v -> builder.requestChecksumCalculation(RequestChecksumCalculation.fromValue(v.toLowerCase())));
        aws.environment().optional("AWS_RESPONSE_CHECKSUM_VALIDATION")
                .ifPresent(v -> builder.responseChecksumValidation(ResponseChecksumValidation.fromValue(v.toLowerCase())));
        return builder.build();
    }

    public static S3Presigner presigner(AwsClientConfig aws, Settings settings) {
        var builder = S3Presigner.builder().region(aws.region()).credentialsProvider(aws.credentials())
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(settings.s3ForcePathStyle()).build());
        aws.endpoint("S3").ifPresent(builder::endpointOverride);
        return builder.build();
    }
}
