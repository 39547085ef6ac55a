package imagejobs.shared.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class S3ErrorBodyTest {

    private static S3ErrorBody parse(String xml) {
        return S3ErrorBody.parse(xml.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsCodeMessageAndRequestId() {
        S3ErrorBody e = parse("""
                <?xml version="1.0" encoding="UTF-8"?>
                <Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>
                <Key>inputs/x.png</Key><RequestId>4442587FB7D0A2F9</RequestId><HostId>abc=</HostId></Error>""");
        assertEquals(new S3ErrorBody("NoSuchKey", "The specified key does not exist.", "4442587FB7D0A2F9"), e);
    }

    @Test
    void signatureDetailsNeverLeaveTheParser() {
        S3ErrorBody e = parse("""
                <?xml version="1.0" encoding="UTF-8"?>
                <Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match \
                the signature you provided.</Message><AWSAccessKeyId>AKIAEXAMPLE</AWSAccessKeyId>\
                <StringToSign>AWS4-HMAC-SHA256 20240101T000000Z</StringToSign>\
                <SignatureProvided>deadbeef</SignatureProvided><CanonicalRequest>PUT /k</CanonicalRequest>\
                <RequestId>R1</RequestId></Error>""");
        assertEquals("SignatureDoesNotMatch", e.code());
        S3RequestException ex = new S3RequestException("PutObject", "k", 403, e.code(), e.message(), e.requestId());
        assertFalse(ex.getMessage().contains("deadbeef"));
        assertFalse(ex.getMessage().contains("AWS4-HMAC-SHA256"));
        assertFalse(ex.getMessage().contains("AKIAEXAMPLE"));
        assertEquals("PutObject k: S3 answered 403 SignatureDoesNotMatch (The request signature we calculated does "
                + "not match the signature you provided.), request id R1", ex.getMessage());
    }

    @Test
    void nestedElementsWithTheSameNamesAreNotTakenForTheError() {
        S3ErrorBody e = parse("<Error><Details><Code>Inner</Code></Details><Code>AccessDenied</Code></Error>");
        assertEquals("AccessDenied", e.code());
    }

    @Test
    void successDocumentsAreNoError() {
        assertNull(parse("""
                <?xml version="1.0" encoding="UTF-8"?>
                <CopyObjectResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LastModified>2024-01-01T00:00:00Z\
                </LastModified><ETag>"abc"</ETag></CopyObjectResult>"""));
    }

    @Test
    void emptyOrBrokenBodiesAreNoError() {
        assertNull(S3ErrorBody.parse(new byte[0]));
        assertNull(S3ErrorBody.parse(null));
        assertNull(parse("<Error><Code>Trunc"));
        assertNull(parse("<html>Error 502 Bad Gateway</html>"));
        assertNull(parse("<Error><Message>no code</Message></Error>"));
    }

    @Test
    void entitiesAreNotResolved() {
        S3ErrorBody e = parse("""
                <?xml version="1.0"?><!DOCTYPE Error [<!ENTITY x SYSTEM "file:///etc/passwd">]>
                <Error><Code>&x;</Code></Error>""");
        // Either refused outright or parsed without the file's content: never the entity's expansion.
        if (e != null) {
            assertFalse(e.code().contains("root"));
        }
    }

    @Test
    void bodilessStatusesGetS3sNames() {
        assertEquals("NotFound", S3ErrorBody.codeForStatus(404));
        assertEquals("Forbidden", S3ErrorBody.codeForStatus(403));
        assertEquals("ServiceUnavailable", S3ErrorBody.codeForStatus(503));
        assertEquals("Http418", S3ErrorBody.codeForStatus(418));
    }
}
