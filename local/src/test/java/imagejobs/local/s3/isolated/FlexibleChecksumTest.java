package imagejobs.local.s3.isolated;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The checksum values S3 (and the AWS SDKs) compute, on the catalogued check input "123456789". */
class FlexibleChecksumTest {

    @ParameterizedTest
    @CsvSource({
        "x-amz-checksum-crc32,     y/Q5Jg==",
        "x-amz-checksum-crc32c,    4waSgw==",
        "x-amz-checksum-crc64nvme, rosUhgp5mIg=",
        "x-amz-checksum-sha1,      98O8HYCOBHMq32eZZczDTKeuNEE=",
        "x-amz-checksum-sha256,    FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU="})
    void computesWhatS3Sends(String header, String expected) {
        byte[] input = "123456789".getBytes(StandardCharsets.US_ASCII);
        FlexibleChecksum checksum = FlexibleChecksum.forHeader(header);
        checksum.update(input, 0, 4); // in two pieces, as a body arrives
        checksum.update(input, 4, input.length - 4);
        assertEquals(expected, checksum.base64());
    }
}
