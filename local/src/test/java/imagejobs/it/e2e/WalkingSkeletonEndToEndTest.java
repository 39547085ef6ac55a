package imagejobs.it.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;

import imagejobs.it.ServiceStack;
import imagejobs.local.LocalStack;
import imagejobs.local.runtime.FunctionEnvironment;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * The README's walkthrough through the real path: POST /v1/requests on the front door → submit → DynamoDB + SQS →
 * worker (SQS event source) → Gemini simulator → S3 + DynamoDB → GET /v1/requests/{id} → presigned URL → PNG bytes.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WalkingSkeletonEndToEndTest {

    @Test
    void aTextPromptBecomesAPngDownloadableFromItsPresignedUrl() throws Exception {
        LocalStack stack = ServiceStack.get();
        ServiceStack.Api api = ServiceStack.api(ServiceStack.TENANT_A);
        String prompt = "a red fox " + UUID.randomUUID();

        ServiceStack.Response submitted = api.post("/v1/requests",
                "{\"model\":\"gemini-2.5-flash-image\",\"payload\":{\"prompt\":\"" + prompt + "\"}}");
        assertEquals(202, submitted.status(), submitted.raw().body());
        String id = submitted.body().path("request_id").asText();
        assertEquals("queued", submitted.body().path("status").asText());
        assertFalse(id.isEmpty());

        JsonNode job = api.awaitTerminal(id, Duration.ofSeconds(60));
        assertEquals("success", job.path("status").asText(), job.toString());
        assertEquals(1, job.path("attempts").asInt());

        // Gemini was called once, as the real API expects: path, key header, the prompt as a user turn.
        List<JsonNode> calls = ServiceStack.simulatorCalls(prompt);
        assertEquals(1, calls.size());
        JsonNode call = calls.get(0);
        assertEquals("/v1beta/models/gemini-2.5-flash-image:generateContent", call.path("path").asText());
        assertEquals(FunctionEnvironment.SIMULATOR_API_KEY, call.at("/headers/x-goog-api-key").asText());
        assertEquals(prompt, call.at("/body/contents/0/parts/0/text").asText());
        assertEquals("user", call.at("/body/contents/0/role").asText());

        // The image is in the bucket under the tenant's output prefix, with its content type.
        String key = "outputs/tenantA/" + id + "/0.png";
        ResponseBytes<GetObjectResponse> stored = stack.s3().getObjectAsBytes(r -> r.bucket(ServiceStack.bucket())
                .key(key));
        assertEquals("image/png", stored.response().contentType());
        JsonNode image = job.at("/outcome/images/0");
        assertEquals("s3://" + ServiceStack.bucket() + "/" + key, image.path("s3_uri").asText());
        assertEquals("image/png", image.path("mime_type").asText());
        assertEquals(stored.asByteArray().length, image.path("bytes").asLong());
        assertEquals(1024, image.path("width").asInt());
        assertEquals(1024, image.path("height").asInt());

        // The presigned URL downloads exactly those bytes, and they decode as a 1024x1024 PNG.
        String url = job.at("/outcome/media_urls/0/url").asText();
        assertTrue(url.startsWith(stack.s3Endpoint().toString()), url);
        HttpResponse<byte[]> download = ServiceStack.download(url);
        assertEquals(200, download.statusCode());
        assertArrayEquals(stored.asByteArray(), download.body());
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(download.body(), 4));
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(download.body()));
        assertEquals(1024, png.getWidth());
        assertEquals(1024, png.getHeight());

        // The job's record in DynamoDB says the same, and holds no image data.
        Map<String, AttributeValue> item = stack.dynamoDb().scan(r -> r.tableName(stack.tableName("JobsTable")))
                .items().stream().filter(i -> i.values().stream().anyMatch(v -> id.equals(v.s())))
                .findFirst().orElseThrow();
        assertEquals("success", item.get("status").s());
        assertEquals("tenantA", item.get("tenant").s());
        assertFalse(item.toString().contains("iVBORw0KGgo"), "no base64 PNG in the table");

        // And it is listed for its tenant.
        ServiceStack.Response list = api.get("/v1/requests?limit=100");
        assertEquals(200, list.status());
        assertTrue(list.body().path("data").findValuesAsText("request_id").contains(id));
    }
}
