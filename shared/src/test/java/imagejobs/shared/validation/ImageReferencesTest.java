package imagejobs.shared.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which image references a submit may carry. */
class ImageReferencesTest {
    private final ImageReferences references = new ImageReferences("bucket-1");

    @ParameterizedTest
    @ValueSource(strings = {"https://images.example.com/a.png", "https://images.example.com:8443/a.png?sig=1#x",
            "https://tos.gptproto.com/resource/cat.png", "https://my_bucket.s3.amazonaws.com/a.png",
            "https://8.8.8.8/a.png", "https://[2001:4860:4860::8888]/a.png", "HTTPS://Images.Example.com/a.png"})
    void publicHttpsUrls(String uri) {
        assertEquals(ImageReferences.Kind.HTTPS, references.check(uri, "t1", "f"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3://bucket-1/inputs/t1/01J/0.png", "s3://bucket-1/outputs/t1/01J/0.jpg",
            "s3://bucket-1/edits/t1/cat.png", "s3://bucket-1/edited/t1/a/b/c.webp"})
    void ownObjects(String uri) {
        assertEquals(ImageReferences.Kind.OWN_OBJECT, references.check(uri, "t1", "f"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://generativelanguage.googleapis.com/v1beta/files/abc-123",
            "https://generativelanguage.googleapis.com/v1/files/xyz"})
    void filesApiUris(String uri) {
        assertEquals(ImageReferences.Kind.FILES_API, references.check(uri, "t1", "f"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://images.example.com/a.png", "file:///etc/passwd", "ftp://a.example.com/a.png",
            "gs://b/a.png", "data:image/png;base64,AAAA", "javascript:alert(1)", "a.png", "//images.example.com/a.png",
            "https://user:pw@images.example.com/a.png", "https://", "https:///a.png", " https://a.example.com/a.png",
            "https://a.example.com/a b.png",
            "s3://bucket-2/inputs/t1/a.png", "s3://bucket-1/inputs/t2/a.png", "s3://bucket-1/inputs/t1",
            "s3://bucket-1/inputs/t1/", "s3://bucket-1/inputs/t10/a.png", "s3://bucket-1/inputs/t1/../t2/a.png",
            "s3://bucket-1/inputs/t1//a.png", "s3://bucket-1/conversations/t1/a.json", "s3://bucket-1",
            "https://generativelanguage.googleapis.com/v1beta/files/a/b",
            "https://generativelanguage.googleapis.com/v1beta/files/abc?key=x"})
    void everythingElseIsRefused(String uri) {
        FieldError e = assertThrows(FieldError.class, () -> references.check(uri, "t1", "f"));
        assertEquals(FieldError.INVALID_REFERENCE, e.code());
        assertEquals("f", e.field());
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "api.localhost", "127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.5.4",
            "172.31.255.255", "192.168.0.1", "169.254.169.254", "0.0.0.0", "100.64.0.1", "255.255.255.255",
            "224.0.0.1", "[::1]", "[::]", "[fe80::1]", "[fc00::1]", "[fd12:3456::1]", "[::ffff:10.0.0.1]",
            "[::ffff:127.0.0.1]", "2130706433", "0x7f000001", "0x7f.1", "127.1", "017700000001", "999.1.1.1"})
    void privateLiteralHosts(String host) {
        assertTrue(ImageReferences.isPrivateHost(host), host);
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "8.8.8.8", "172.32.0.1", "100.128.0.1", "[2001:db8::1]",
            "images.example.com", "1password.com", "a1.example"})
    void publicHosts(String host) {
        assertFalse(ImageReferences.isPrivateHost(host), host);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:8123/cat.png", "https://localhost/cat.png", "http://[::1]:80/a.png",
            "http://images.example.com/a.png"})
    void theLocalStackMayUseLoopbackAndPlainHttp(String uri) {
        ImageReferences local = new ImageReferences("bucket-1", true);
        assertEquals(ImageReferences.Kind.HTTPS, local.check(uri, "t1", "f"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://10.0.0.1/a.png", "https://192.168.1.1/a.png", "http://169.254.169.254/",
            "file:///etc/passwd"})
    void evenLocallyOnlyLoopbackIsLetThrough(String uri) {
        ImageReferences local = new ImageReferences("bucket-1", true);
        assertEquals(FieldError.INVALID_REFERENCE, assertThrows(FieldError.class, () -> local.check(uri, "t1", "f")).code());
    }
}
