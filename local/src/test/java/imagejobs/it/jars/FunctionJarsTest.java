package imagejobs.it.jars;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.amazonaws.services.lambda.runtime.serialization.factories.JacksonFactory;

import imagejobs.local.TestPaths;

/**
 * The packaged function jars on their own, as Lambda loads them (a class loader over the jar alone): each handler's
 * event type reads the sample events in events/ the way the Java runtime reads them (the events library's serializers
 * for SQS and S3 events, which need joda-time from the jar, plain Jackson for HTTP API events); every jar carries the
 * SDK's synchronous S3 client and UrlConnection as its only HTTP client.
 */
class FunctionJarsTest {

    private static Path jar(String function) {
        Path jar = TestPaths.root().resolve("functions/" + function + "/target/" + function + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run ./mvnw -B verify (package comes before these tests)");
        }
        return jar;
    }

    @ParameterizedTest
    @CsvSource({
            "submit, imagejobs.submit.SubmitHandler, submit-generate-content.json",
            "submit, imagejobs.submit.SubmitHandler, submit-request-queue.json",
            "status, imagejobs.status.StatusHandler, status-get.json",
            "status, imagejobs.status.StatusHandler, models-list.json",
            "worker, imagejobs.worker.WorkerHandler, worker-sqs-batch.json",
            "google, imagejobs.google.GoogleHandler, google-generate-content.json",
            "google, imagejobs.google.GoogleHandler, google-stream-v1.json",
            "worker, imagejobs.worker.DeadLetterHandler, dead-letter-batch.json",
            "edit-trigger, imagejobs.edittrigger.EditTriggerHandler, s3-put-edit.json",
            "webhooks, imagejobs.webhooks.WebhookDispatchHandler, webhook-dispatch-stream.json",
            "webhooks, imagejobs.webhooks.WebhookDeliveryHandler, webhook-delivery-sqs.json"})
    void handlerEventTypesReadTheSampleEventsFromTheJarAlone(String function, String handler, String event)
            throws Exception {
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar(function).toUri().toURL()},
                ClassLoader.getPlatformClassLoader())) {
            Class<?> handlerClass = loader.loadClass(handler);
            Type[] io = requestHandlerTypes(handlerClass);
            Class<?> input = (Class<?>) io[0];
            Object value;
            try (InputStream in = Files.newInputStream(TestPaths.root().resolve("events/" + event))) {
                value = serializer(input, loader).fromJson(in);
            }
            assertNotNull(value);
            assertEquals(input, value.getClass());
            // Output types load and serialize too (an empty response is enough to load every class they use).
            Class<?> output = (Class<?>) io[1];
            if (output != String.class) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                serializer(output, loader).toJson(output.getConstructor().newInstance(), out);
                assertTrue(out.size() > 0);
            }
        }
    }

    /**
     * The S3 client and presigner the functions use are in the jar; the parent POM's exclusions keep out the HTTP
     * clients the SDK would otherwise discover (Apache, Netty) and S3's async-only parts (multipart, CRT). The worker
     * and the Google function (which run jobs: reference downloads) and the webhook functions (deliveries) alone carry
     * Apache HttpClient 5 itself.
     */
    @ParameterizedTest
    @ValueSource(strings = {"submit", "status", "worker", "google", "edit-trigger", "webhooks"})
    void everyJarCarriesTheSynchronousS3ClientAndOnlyTheUrlConnectionHttpClient(String function) throws IOException {
        try (JarFile jar = new JarFile(jar(function).toFile())) {
            List<String> names = jar.stream().map(e -> e.getName()).toList();
            for (String needed : List.of("software/amazon/awssdk/services/s3/S3Client.class",
                    "software/amazon/awssdk/services/s3/presigner/S3Presigner.class",
                    "software/amazon/awssdk/http/urlconnection/UrlConnectionHttpClient.class",
                    "imagejobs/adapters/s3/S3ObjectStore.class")) {
                assertTrue(names.contains(needed), function + ".jar lacks " + needed);
            }
            // Apache HttpClient 5 only where it fetches or delivers (reference images in the functions that run jobs,
            // webhooks), never for AWS calls.
            boolean fetches = function.equals("worker") || function.equals("google") || function.equals("webhooks");
            List<String> unwanted = names.stream().filter(n -> n.startsWith("software/amazon/awssdk/http/apache")
                    || n.startsWith("software/amazon/awssdk/http/nio/") || (!fetches && n.startsWith("org/apache/hc/"))
                    || n.startsWith("io/netty/") || n.startsWith("software/amazon/awssdk/services/s3/internal/multipart/")
                    || n.startsWith("software/amazon/awssdk/services/s3/internal/crt/")
                    || n.equals("software/amazon/awssdk/services/s3/S3AsyncClient.class")).limit(3).toList();
            assertEquals(List.of(), unwanted, function + ".jar");
        }
    }

    @SuppressWarnings("unchecked")
    private static PojoSerializer<Object> serializer(Class<?> type, ClassLoader loader) {
        // What the Java runtime does, and the local stack's LambdaSerializers with it.
        if (LambdaEventSerializers.isLambdaSupportedEvent(type.getName())) {
            return (PojoSerializer<Object>) LambdaEventSerializers.serializerFor(type, loader);
        }
        return JacksonFactory.getInstance().getSerializer((Type) type);
    }

    private static Type[] requestHandlerTypes(Class<?> handler) {
        for (Type t : handler.getGenericInterfaces()) {
            if (t instanceof ParameterizedType p
                    && ((Class<?>) p.getRawType()).getName().equals("com.amazonaws.services.lambda.runtime.RequestHandler")) {
                return p.getActualTypeArguments();
            }
        }
        throw new AssertionError(handler + " is no RequestHandler");
    }

    /** A stale list only slows priming down; a list mostly of names the jar no longer has means: rewrite it. */
    @ParameterizedTest
    @ValueSource(strings = {"submit", "status"})
    void thePrimingClassListIsInTheJarAndNamesItsClasses(String function) throws IOException {
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar(function).toUri().toURL()},
                ClassLoader.getPlatformClassLoader());
             InputStream list = loader.getResourceAsStream("META-INF/imagejobs/preload-classes.txt")) {
            assertNotNull(list, function + ".jar has no class list: ./run-local bench cold-start --write-class-lists");
            List<String> names = new String(list.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
            long missing = names.stream().filter(n -> {
                try {
                    Class.forName(n, false, loader);
                    return false;
                } catch (ClassNotFoundException | LinkageError e) {
                    return true;
                }
            }).count();
            assertTrue(names.size() > 1000, "a cold start loads thousands of classes; the list has " + names.size());
            assertTrue(missing * 20 < names.size(), missing + " of " + names.size() + " listed classes are not in "
                    + function + ".jar: ./run-local bench cold-start --write-class-lists");
        }
    }
}
