package imagejobs.local.emulators;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The dummy AWS credentials of the local stack. S3Proxy checks signatures against exactly these, so presigned URLs
 * are really verified; DynamoDB Local wants letters and digits only in the key id.
 */
public final class LocalCredentials {
    public static final String ACCESS_KEY_ID = "imagejobslocal";
    public static final String SECRET_ACCESS_KEY = "imagejobslocalsecret";

    private LocalCredentials() {
    }

    public static StaticCredentialsProvider provider() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY_ID, SECRET_ACCESS_KEY));
    }
}
