package imagejobs.shared.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RedactTest {
    @Test
    void queryStringsAndCredentialsNeverShow() {
        assertEquals("https://bucket.s3.amazonaws.com/a.png?…",
                Redact.url("https://bucket.s3.amazonaws.com/a.png?X-Amz-Signature=abc&X-Amz-Credential=x"));
        assertEquals("https://…@host/a.png", Redact.url("https://user:pw@host/a.png"));
        assertEquals("https://host/a.png?…", Redact.url("https://host/a.png#frag"));
        assertEquals("https://host/a.png", Redact.url("https://host/a.png"));
    }
}
