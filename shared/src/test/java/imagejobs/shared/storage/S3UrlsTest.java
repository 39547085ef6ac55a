package imagejobs.shared.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class S3UrlsTest {

    @Test
    void keysKeepUnreservedCharactersAndSlashes() {
        assertEquals("inputs/tenant-A/2024_01.02~x/img.png", S3Urls.encodeKey("inputs/tenant-A/2024_01.02~x/img.png"));
    }

    @Test
    void spacesPlusAndReservedCharactersArePercentEncoded() {
        assertEquals("a%20b/c%2Bd", S3Urls.encodeKey("a b/c+d"));
        assertEquals("%21%24%26%27%28%29%2A%2C%3B%3D%3A%40%3F%23%5B%5D%25", S3Urls.encodeKey("!$&'()*,;=:@?#[]%"));
        assertEquals("tab%09nl%0A", S3Urls.encodeKey("tab\tnl\n"));
    }

    @Test
    void unicodeIsUtf8PercentEncodedInUpperCaseHex() {
        assertEquals("caf%C3%A9/%E6%97%A5%E6%9C%AC/%F0%9F%96%BC.png", S3Urls.encodeKey("café/日本/🖼.png"));
    }

    @Test
    void dotSegmentsAndDoubleSlashesAreKeptAsTheyAre() {
        assertEquals("a/../b//c/./d", S3Urls.encodeKey("a/../b//c/./d"));
        assertEquals(URI.create("https://b-1.s3.eu-west-1.amazonaws.com/a/../b//c"),
                new S3Urls(Optional.empty(), "eu-west-1", false).objectUri("b-1", "a/../b//c"));
    }

    @Test
    void emptyKeysAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> S3Urls.encodeKey(""));
        assertThrows(IllegalArgumentException.class, () -> S3Urls.encodeKey(null));
    }

    @Test
    void virtualHostedStyleByDefault() {
        S3Urls urls = new S3Urls(Optional.empty(), "eu-west-1", false);
        assertEquals(URI.create("https://my-bucket.s3.eu-west-1.amazonaws.com/outputs/a%20b.png"),
                urls.objectUri("my-bucket", "outputs/a b.png"));
        assertFalse(urls.pathStyle("my-bucket"));
    }

    @Test
    void usEast1AndChinaRegionsUseTheirRegionalHosts() {
        assertEquals(URI.create("https://b12.s3.us-east-1.amazonaws.com/k"),
                new S3Urls(Optional.empty(), "us-east-1", false).objectUri("b12", "k"));
        assertEquals(URI.create("https://b12.s3.cn-north-1.amazonaws.com.cn/k"),
                new S3Urls(Optional.empty(), "cn-north-1", false).objectUri("b12", "k"));
    }

    @Test
    void pathStyleWhenForced() {
        S3Urls urls = new S3Urls(Optional.empty(), "eu-west-1", true);
        assertEquals(URI.create("https://s3.eu-west-1.amazonaws.com/my-bucket/k%2B1"), urls.objectUri("my-bucket", "k+1"));
    }

    @Test
    void endpointOverrideWithPathStyleAsTheLocalStackSetsIt() {
        S3Urls urls = new S3Urls(Optional.of(URI.create("http://127.0.0.1:9000")), "us-east-1", true);
        assertEquals(URI.create("http://127.0.0.1:9000/imagejobs-images/inputs/x%20y.png"),
                urls.objectUri("imagejobs-images", "inputs/x y.png"));
    }

    @Test
    void endpointOverrideOnANamedHostIsVirtualHostedUnlessForced() {
        S3Urls urls = new S3Urls(Optional.of(URI.create("https://s3.example.test:8443")), "us-east-1", false);
        assertEquals(URI.create("https://bkt.s3.example.test:8443/k"), urls.objectUri("bkt", "k"));
        S3Urls forced = new S3Urls(Optional.of(URI.create("https://s3.example.test:8443/")), "us-east-1", true);
        assertEquals(URI.create("https://s3.example.test:8443/bkt/k"), forced.objectUri("bkt", "k"));
    }

    @Test
    void endpointPathIsKeptAsAPrefix() {
        S3Urls urls = new S3Urls(Optional.of(URI.create("http://proxy.test/s3/")), "us-east-1", true);
        assertEquals(URI.create("http://proxy.test/s3/bkt/k"), urls.objectUri("bkt", "k"));
    }

    @Test
    void addressesAndLocalhostHaveNoDnsNameForTheBucket() {
        assertTrue(new S3Urls(Optional.of(URI.create("http://127.0.0.1:9000")), "us-east-1", false).pathStyle("bkt"));
        assertTrue(new S3Urls(Optional.of(URI.create("http://localhost:9000")), "us-east-1", false).pathStyle("bkt"));
        assertTrue(new S3Urls(Optional.of(URI.create("http://[::1]:9000")), "us-east-1", false).pathStyle("bkt"));
    }

    @Test
    void bucketsThatCannotBeATlsHostLabelUsePathStyle() {
        S3Urls urls = new S3Urls(Optional.empty(), "eu-west-1", false);
        assertTrue(urls.pathStyle("my.dotted.bucket"));
        assertEquals(URI.create("https://s3.eu-west-1.amazonaws.com/my.dotted.bucket/k"),
                urls.objectUri("my.dotted.bucket", "k"));
        assertTrue(urls.pathStyle("Upper_Case"));
    }

    @Test
    void copySourceIsBucketSlashEncodedKey() {
        assertEquals("bkt/edits/t/caf%C3%A9%20%2B1.png", S3Urls.copySource("bkt", "edits/t/café +1.png"));
    }

    @Test
    void endpointsMustBeHttpUrls() {
        assertThrows(IllegalArgumentException.class,
                () -> new S3Urls(Optional.of(URI.create("ftp://h/")), "us-east-1", false));
        assertThrows(IllegalArgumentException.class,
                () -> new S3Urls(Optional.of(URI.create("/relative")), "us-east-1", false));
    }
}
