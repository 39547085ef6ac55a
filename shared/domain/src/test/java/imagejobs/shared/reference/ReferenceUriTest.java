package imagejobs.shared.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ReferenceUriTest {

    /**
     * The worker writes its outputs and edit inputs as {@code "s3://" + bucket + "/" + key} (ObjectStore.uri,
     * next_turn_contents, the edit trigger): every key S3 can hold reads back as the same bucket and key.
     */
    @ParameterizedTest
    @ValueSource(strings = {"outputs/t1/01J/0.png", "edits/t1/my cat (1).png", "edits/t1/a?b#c.png",
            "edits/t1/100%.png", "edits/t1/me@home.png", "edits/t1/été.png", "edits/t1/a+b.png",
            "edited/t1/dir/sub/x-1.webp", "edits/t1/%2e%2e/x.png"})
    void ourOwnS3UrisReadBackAsTheSameKey(String key) throws ReferenceUri.Invalid {
        ReferenceUri ref = ReferenceUri.parse("s3://images-bucket/" + key);
        assertEquals(ReferenceUri.Kind.S3, ref.kind());
        assertEquals("images-bucket", ref.bucket());
        assertEquals(key, ref.key());
        assertEquals("s3://images-bucket/" + key, ref.toString());
        assertTrue(ref.isObjectOf("images-bucket", "t1"), key);
    }

    @ParameterizedTest
    @CsvSource({"s3://images-bucket/inputs/t1/a.png,t2", "s3://images-bucket/inputs/t1/a.png,t",
            "s3://other/inputs/t1/a.png,t1", "s3://images-bucket/inputs/t1/../t2/a.png,t1",
            "s3://images-bucket/inputs/t1/,t1", "s3://images-bucket/x/inputs/t1/a.png,t1",
            "https://images-bucket/inputs/t1/a.png,t1"})
    void notAnObjectOfTheTenant(String uri, String tenant) throws ReferenceUri.Invalid {
        assertFalse(ReferenceUri.parse(uri).isObjectOf("images-bucket", tenant));
    }

    @Test
    void webUrlPartsAsTheFetcherUsesThem() throws ReferenceUri.Invalid {
        ReferenceUri ref = ReferenceUri.parse("HTTPS://Img.Example.COM.:8443/a/B%20c.png?x=Y#frag");
        assertEquals("https", ref.scheme());
        assertEquals("img.example.com", ref.host());
        assertEquals(8443, ref.port());
        assertTrue(ref.hasExplicitPort());
        assertEquals("/a/B%20c.png?x=Y", ref.requestTarget());
        assertEquals("https://img.example.com:8443/a/B%20c.png?x=Y", ref.toString());

        ReferenceUri v6 = ReferenceUri.parse("http://[2606:4700::1111]/a.png");
        assertEquals("[2606:4700::1111]", v6.host());
        assertEquals("2606:4700::1111", v6.bareHost());
        assertEquals(80, v6.port());
        assertFalse(v6.hasExplicitPort());
        assertTrue(v6.isAddressLiteral());
        assertFalse(ReferenceUri.parse("https://my_bucket.s3.amazonaws.com/a.png").isAddressLiteral());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "https://user:pw@a.example.com/x.png | must not carry credentials (user:password@)",
            "https://a.example.com\\\\x.png | contains a backslash",
            "https://127.1/x.png | has a numeric host '127.1' that is not an IPv4 address a.b.c.d",
            "https://%61.example.com/x.png | has a percent-encoded host name; write the host name plainly",
            "https://a.example.com:99999/x.png | has an invalid port '99999'",
            "https://generativelanguage.googleapis.com/v1beta/models/m | is on Gemini's API host but is not a Gemini Files API URI (https://generativelanguage.googleapis.com/v1beta/files/<id>)",
            "gs://b/o.png | is a Cloud Storage URI, which this service cannot read; use https://storage.googleapis.com/<bucket>/<object> for a public object, or send the image inline",
            "https://a.example.com/a b.png | contains spaces or control characters"})
    void invalidReferencesSayWhy(String uri, String reason) {
        assertEquals(reason, assertThrows(ReferenceUri.Invalid.class, () -> ReferenceUri.parse(uri)).getMessage());
    }
}
