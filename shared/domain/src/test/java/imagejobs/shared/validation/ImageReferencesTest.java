package imagejobs.shared.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import imagejobs.shared.reference.ReferenceUri;

/** Which image references a submit may carry, and the canonical spelling the job stores. */
class ImageReferencesTest {
    private final ImageReferences references = new ImageReferences("bucket-1");

    @ParameterizedTest
    @ValueSource(strings = {"https://images.example.com/a.png", "https://images.example.com:8443/a.png?sig=1#x",
            "https://tos.gptproto.com/resource/cat.png", "https://my_bucket.s3.amazonaws.com/a.png",
            "https://8.8.8.8/a.png", "https://[2001:4860:4860::8888]/a.png", "HTTPS://Images.Example.com/a.png"})
    void publicHttpsUrls(String uri) {
        assertEquals(ReferenceUri.Kind.WEB, references.check(uri, "t1", "f").kind());
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3://bucket-1/inputs/t1/01J/0.png", "s3://bucket-1/outputs/t1/01J/0.jpg",
            "s3://bucket-1/edits/t1/cat.png", "s3://bucket-1/edited/t1/a/b/c.webp", "S3://bucket-1/edits/t1/my cat.png"})
    void ownObjects(String uri) {
        assertEquals(ReferenceUri.Kind.S3, references.check(uri, "t1", "f").kind());
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://generativelanguage.googleapis.com/v1beta/files/abc-123",
            "https://generativelanguage.googleapis.com/v1/files/xyz",
            "https://GENERATIVELANGUAGE.googleapis.com./v1beta/files/x",
            "https://generativelanguage.googleapis.com:443/v1beta/files/x#frag"})
    void filesApiUris(String uri) {
        assertEquals(ReferenceUri.Kind.FILES_API, references.check(uri, "t1", "f").kind());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "HTTPS://Images.Example.COM./a/B.png?Q=1#top | https://images.example.com/a/B.png?Q=1",
            "Https://images.example.com:443 | https://images.example.com/",
            "https://images.example.com:8443?x | https://images.example.com:8443/?x",
            "S3://bucket-1/edits/t1/My Cat.PNG | s3://bucket-1/edits/t1/My Cat.PNG",
            "https://GENERATIVELANGUAGE.googleapis.com./v1beta/files/x | https://generativelanguage.googleapis.com/v1beta/files/x",
            "https://[2001:4860:4860::8888]:443/a.png | https://[2001:4860:4860::8888]/a.png"})
    void theStoredFormIsCanonical(String submitted, String stored) {
        assertEquals(stored, references.check(submitted, "t1", "f").toString());
        assertEquals(stored, references.check(stored, "t1", "f").toString(), "canonical is a fixed point");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://images.example.com/a.png", "file:///etc/passwd", "ftp://a.example.com/a.png",
            "gs://b/a.png", "data:image/png;base64,AAAA", "javascript:alert(1)", "a.png", "//images.example.com/a.png",
            "https://user:pw@images.example.com/a.png", "https://", "https:///a.png", " https://a.example.com/a.png",
            "https://a.example.com/a b.png", "https://a.example.com\\@evil.example/a.png",
            "https://%61.example.com/a.png", "https://a.example.com:0/a.png", "https://a.example.com:99999/a.png",
            "https://a.example.com:/a.png", "https://a..example.com/a.png", "https://a.example.com/%zz.png",
            "https://ｅxample.com/a.png", "https://[::1%25eth0]/a.png", "https://[1.2.3.4]/a.png",
            "s3://bucket-2/inputs/t1/a.png", "s3://bucket-1/inputs/t2/a.png", "s3://bucket-1/inputs/t1",
            "s3://bucket-1/inputs/t1/", "s3://bucket-1/inputs/t10/a.png", "s3://bucket-1/inputs/t1/../t2/a.png",
            "s3://bucket-1/inputs/t1//a.png", "s3://bucket-1/inputs/t1/./a.png", "s3://bucket-1/conversations/t1/a.json",
            "s3://bucket-1", "s3:bucket-1/inputs/t1/a.png", "s3:///inputs/t1/a.png", "S3://BUCKET-1/inputs/t1/a.png",
            "https://generativelanguage.googleapis.com/v1beta/files/a/b",
            "https://generativelanguage.googleapis.com/v1beta/files/..",
            "https://generativelanguage.googleapis.com/v1beta/models/x",
            "https://generativelanguage.googleapis.com:8443/v1beta/files/x",
            "https://generativelanguage.googleapis.com/v1beta/files/abc?key=x"})
    void everythingElseIsRefused(String uri) {
        FieldError e = assertThrows(FieldError.class, () -> references.check(uri, "t1", "f"));
        assertEquals(FieldError.INVALID_REFERENCE, e.code());
        assertEquals("f", e.field());
        assertTrue(e.getMessage().startsWith("f '"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "api.localhost", "127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.5.4",
            "172.31.255.255", "192.168.0.1", "169.254.169.254", "0.0.0.0", "100.64.0.1", "255.255.255.255",
            "224.0.0.1", "[::1]", "[::]", "[fe80::1]", "[fc00::1]", "[fd12:3456::1]", "[::ffff:10.0.0.1]",
            "[::ffff:127.0.0.1]", "[2001:db8::1]", "[64:ff9b::a00:1]", "2130706433", "0x7f000001", "0x7f.1", "127.1",
            "017700000001", "999.1.1.1", "010.0.0.1"})
    void privateAndAmbiguousHostsAreRefused(String host) {
        FieldError e = assertThrows(FieldError.class, () -> references.check("https://" + host + "/a.png", "t1", "f"));
        assertEquals(FieldError.INVALID_REFERENCE, e.code());
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "8.8.8.8", "172.32.0.1", "100.128.0.1", "images.example.com",
            "1password.com", "a1.example", "[2606:4700::1111]"})
    void publicHosts(String host) {
        assertEquals(ReferenceUri.Kind.WEB, references.check("https://" + host + "/a.png", "t1", "f").kind());
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:8123/cat.png", "https://localhost/cat.png", "http://[::1]:80/a.png",
            "http://images.example.com/a.png", "HTTP://127.0.0.1:8123/cat.png"})
    void theLocalStackMayUseLoopbackAndPlainHttp(String uri) {
        ImageReferences local = new ImageReferences("bucket-1", true);
        assertEquals(ReferenceUri.Kind.WEB, local.check(uri, "t1", "f").kind());
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://10.0.0.1/a.png", "https://192.168.1.1/a.png", "http://169.254.169.254/",
            "file:///etc/passwd", "http://generativelanguage.googleapis.com/v1beta/files/x"})
    void evenLocallyOnlyLoopbackIsLetThrough(String uri) {
        ImageReferences local = new ImageReferences("bucket-1", true);
        assertEquals(FieldError.INVALID_REFERENCE, assertThrows(FieldError.class, () -> local.check(uri, "t1", "f")).code());
    }
}
