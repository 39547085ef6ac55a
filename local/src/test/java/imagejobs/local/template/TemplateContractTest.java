package imagejobs.local.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import imagejobs.local.TestPaths;
import imagejobs.local.http.RouteTable;
import imagejobs.local.runtime.HandlerReference;
import imagejobs.local.template.FunctionDefinition.HttpRoute;
import imagejobs.local.template.FunctionDefinition.S3EventSource;
import imagejobs.local.template.FunctionDefinition.SqsEventSource;

/**
 * What `sam deploy` would only find out in AWS, checked here against template.yaml, the packaged function jars, the
 * sources and openapi.yaml: handlers exist in their jars, jars hold no emulator or test code, routes are served and
 * documented, the queue / batch-failure / S3-filter / no-loop / no-circular-dependency rules hold, and every variable
 * a handler requires is set by the template.
 *
 * <p>The jars come from the function modules' package phase, which `./mvnw verify` runs before this module's tests.
 */
class TemplateContractTest {
    private static final String SQS = "http://127.0.0.1:9324";
    /** Jar paths no function may contain: the emulators, the local stack, test frameworks. */
    private static final List<String> FORBIDDEN_JAR_PREFIXES = List.of("imagejobs/local/", "imagejobs/it/", "org/gaul/",
            "org/elasticmq/", "com/amazonaws/services/dynamodbv2/local/", "org/junit/", "junit/", "org/mockito/",
            "org/testcontainers/", "com/almworks/sqlite4java/");
    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options",
            "trace");
    /** Values for path variables when a route is turned into a concrete request path. */
    private static final Map<String, String> SAMPLE_VALUES = Map.of("request_id", "01M845FN4JPK0DK5JMRA5AC1AB",
            "model", "gemini-2.5-flash-image", "batch", "01M845FN4JPK0DK5JMRA5AC1AC");
    private static final Pattern PATH_VARIABLE = Pattern.compile("\\{([A-Za-z0-9_]+)\\+?}");

    private static StackTemplate template;
    private static StackDefinition stack;

    @BeforeAll
    static void read() {
        template = new TemplateReader().read(TestPaths.template());
        stack = new StackDefinitionReader(template, new ResourceNames(template, StackContext.local(Map.of()), SQS))
                .read();
    }

    // (a) handlers ------------------------------------------------------------------------------------------------

    @Test
    void everyHandlerIsAPublicHandleRequestOfAClassInItsOwnJar() throws Exception {
        assertFalse(stack.functions().isEmpty());
        for (FunctionDefinition f : stack.functions()) {
            HandlerReference handler = HandlerReference.parse(f.handler());
            Path jar = requireJar(f);
            // Parent: the platform loader, as on Lambda: the class and every type in its signature must come from the jar.
            try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()},
                    ClassLoader.getPlatformClassLoader())) {
                Class<?> type;
                try {
                    type = Class.forName(handler.className(), false, loader);
                } catch (ClassNotFoundException e) {
                    throw new AssertionError(f.logicalId() + ": Handler class " + handler.className() + " is not in "
                            + jar, e);
                }
                assertTrue(Modifier.isPublic(type.getModifiers()), f.logicalId() + ": " + type + " must be public");
                assertFalse(Modifier.isAbstract(type.getModifiers()), f.logicalId() + ": " + type + " is abstract");
                assertTrue(Modifier.isPublic(type.getConstructor().getModifiers()),
                        f.logicalId() + ": Lambda needs a public no-argument constructor on " + type);
                List<Method> methods = Arrays.stream(type.getMethods())
                        .filter(m -> m.getName().equals(handler.methodName()))
                        .filter(m -> !m.isBridge() && !m.isSynthetic())
                        .filter(m -> !Modifier.isStatic(m.getModifiers()))
                        .toList();
                assertEquals(1, methods.size(), f.logicalId() + ": expected one public " + handler.methodName()
                        + " on " + type + ", found " + methods);
                Method method = methods.get(0);
                assertEquals(2, method.getParameterCount(), f.logicalId() + ": " + method + " should take (event, Context)");
                assertEquals("com.amazonaws.services.lambda.runtime.Context", method.getParameterTypes()[1].getName());
                Set<String> interfaces = Arrays.stream(type.getInterfaces()).map(Class::getName)
                        .collect(Collectors.toSet());
                assertTrue(interfaces.contains("com.amazonaws.services.lambda.runtime.RequestHandler")
                                || interfaces.contains("com.amazonaws.services.lambda.runtime.RequestStreamHandler"),
                        f.logicalId() + ": " + type + " implements neither RequestHandler nor RequestStreamHandler");
            }
        }
    }

    // (b) jar contents --------------------------------------------------------------------------------------------

    @Test
    void functionJarsHoldNoEmulatorTestOrLocalStackClasses() throws IOException {
        Map<Path, List<String>> jars = new TreeMap<>();
        stack.functions().forEach(f -> jars.computeIfAbsent(requireJar(f), j -> new ArrayList<>()).add(f.logicalId()));
        List<String> problems = new ArrayList<>();
        for (Map.Entry<Path, List<String>> e : jars.entrySet()) {
            Path jar = e.getKey();
            int classes = 0;
            try (JarFile file = new JarFile(jar.toFile())) {
                for (Enumeration<JarEntry> entries = file.entries(); entries.hasMoreElements(); ) {
                    String name = entries.nextElement().getName();
                    if (name.endsWith(".class")) {
                        classes++;
                    }
                    if (forbidden(name)) {
                        problems.add(jar.getFileName() + ": " + name);
                    }
                }
            }
            System.out.printf(Locale.ROOT, "function jar %-16s %,12d bytes %,7d classes  %s%n", jar.getFileName(),
                    Files.size(jar), classes, e.getValue());
        }
        assertTrue(problems.isEmpty(), "function jars must not carry emulator, local-stack or test classes:\n"
                + problems.stream().limit(40).collect(Collectors.joining("\n")));
    }

    static boolean forbidden(String entry) {
        if (FORBIDDEN_JAR_PREFIXES.stream().anyMatch(entry::startsWith)) {
            return true;
        }
        String simple = entry.substring(entry.lastIndexOf('/') + 1);
        return simple.matches("[A-Za-z0-9_]*Tests?(\\$[A-Za-z0-9_$]*)?\\.class");
    }

    @Test
    void forbiddenEntriesAreRecognised() {
        assertTrue(forbidden("imagejobs/local/LocalStack.class"));
        assertTrue(forbidden("org/elasticmq/rest/sqs/SQSRestServer.class"));
        assertTrue(forbidden("imagejobs/submit/SubmitHandlerTest.class"));
        assertTrue(forbidden("imagejobs/submit/SubmitHandlerTest$Nested.class"));
        assertFalse(forbidden("software/amazon/awssdk/services/dynamodb/model/ExecuteStatementRequest.class"));
        assertFalse(forbidden("imagejobs/submit/SubmitHandler.class"));
    }

    // (c) routes --------------------------------------------------------------------------------------------------

    @Test
    void everyTemplateRouteIsDocumentedAndEveryDocumentedRouteExists() {
        Set<String> templateRoutes = new TreeSet<>();
        for (FunctionDefinition f : stack.functions()) {
            for (HttpRoute r : f.routes()) {
                templateRoutes.add(r.method().toUpperCase(Locale.ROOT) + " " + r.path());
            }
        }
        Set<String> documented = new TreeSet<>();
        documentedRoutes().keySet().forEach(route -> documented.add(templateSpelling(route)));
        assertFalse(templateRoutes.isEmpty());
        Set<String> undocumented = new TreeSet<>(templateRoutes);
        undocumented.removeAll(documented);
        Set<String> unrouted = new TreeSet<>(documented);
        unrouted.removeAll(templateRoutes);
        assertTrue(undocumented.isEmpty(), "routes in template.yaml missing from openapi.yaml: " + undocumented);
        assertTrue(unrouted.isEmpty(), "routes in openapi.yaml that template.yaml does not declare: " + unrouted);
    }

    @Test
    void theGoogleRoutesNameTheirTemplateSpellingAndTheGoogleFunction() {
        Map<String, Object> paths = map(openApi().get("paths"));
        for (String version : List.of("v1beta", "v1")) {
            for (String method : List.of("generateContent", "streamGenerateContent")) {
                Object item = paths.get("/" + version + "/models/{model}:" + method);
                assertNotNull(item, "openapi.yaml documents POST /" + version + "/models/{model}:" + method);
                assertEquals("POST /" + version + "/models/{model}", map(item).get("x-template-route"));
            }
            assertTrue(function("GoogleFunction").routes().stream()
                    .anyMatch(r -> r.path().equals("/" + version + "/models/{model}") && r.method().equals("POST")));
        }
    }

    @Test
    void theLocalRouterServesEveryRouteWithItsFunction() {
        RouteTable table = RouteTable.from(stack.functions());
        for (FunctionDefinition f : stack.functions()) {
            for (HttpRoute r : f.routes()) {
                String concrete = concrete(r.path());
                RouteTable.RouteMatch match = table.match(r.method(), concrete).orElseThrow(() ->
                        new AssertionError("the local router does not serve " + r.method() + " " + concrete));
                assertEquals(f.logicalId(), match.route().functionLogicalId(), r.method() + " " + concrete);
                assertEquals(r.path(), match.route().path(), r.method() + " " + concrete + " matched another route");
            }
        }
        // The documented public forms reach the route they name (e.g. {model}:generateContent → POST .../{model}).
        documentedRoutes().forEach((route, pathParameters) -> {
            String method = route.substring(0, route.indexOf(' '));
            String concrete = concrete(route.substring(route.indexOf(' ') + 1));
            RouteTable.RouteMatch match = table.match(method, concrete).orElseThrow(() ->
                    new AssertionError("the local router does not serve the documented " + method + " " + concrete));
            assertEquals(templateSpelling(route), match.route().routeKey(),
                    "documented " + route + " is served by " + match.route().routeKey());
        });
    }

    @Test
    void documentedPathParametersMatchThePathTemplate() {
        documentedRoutes().forEach((route, parameters) -> {
            Set<String> inPath = new TreeSet<>();
            Matcher m = PATH_VARIABLE.matcher(route);
            while (m.find()) {
                inPath.add(m.group(1));
            }
            assertEquals(inPath, new TreeSet<>(parameters), route + ": declared path parameters");
        });
    }

    /** "METHOD /path" → the names of its declared path parameters (path-level and operation-level). */
    private static Map<String, List<String>> documentedRoutes() {
        Map<String, Object> openApi = openApi();
        assertTrue(String.valueOf(openApi.get("openapi")).startsWith("3.1"), "openapi.yaml is OpenAPI 3.1");
        Map<String, Object> components = map(openApi.get("components"));
        Map<String, List<String>> routes = new TreeMap<>();
        map(openApi.get("paths")).forEach((path, item) -> {
            Map<String, Object> pathItem = map(item);
            List<String> shared = pathParameters(pathItem.get("parameters"), components);
            pathItem.forEach((key, operation) -> {
                if (HTTP_METHODS.contains(key)) {
                    List<String> names = new ArrayList<>(shared);
                    names.addAll(pathParameters(map(operation).get("parameters"), components));
                    routes.put(key.toUpperCase(Locale.ROOT) + " " + path, names);
                }
            });
        });
        return routes;
    }

    private static List<String> pathParameters(Object parameters, Map<String, Object> components) {
        List<String> names = new ArrayList<>();
        if (parameters instanceof List<?> list) {
            for (Object p : list) {
                Map<String, Object> parameter = map(p);
                if (parameter.get("$ref") instanceof String ref) {
                    parameter = map(map(components.get("parameters")).get(ref.substring(ref.lastIndexOf('/') + 1)));
                }
                if ("path".equals(parameter.get("in"))) {
                    names.add(String.valueOf(parameter.get("name")));
                }
            }
        }
        return names;
    }

    /**
     * The template's route for a documented one: its path item's {@code x-template-route} where the public form
     * differs (API Gateway variables are whole segments: {@code {model}:generateContent} is the route
     * {@code POST .../{model}}), else the route itself.
     */
    static String templateSpelling(String documentedRoute) {
        String path = documentedRoute.substring(documentedRoute.indexOf(' ') + 1);
        Object spelled = map(map(openApi().get("paths")).get(path)).get("x-template-route");
        return spelled instanceof String s ? s : documentedRoute;
    }

    static String concrete(String path) {
        Matcher m = PATH_VARIABLE.matcher(path);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = SAMPLE_VALUES.get(m.group(1));
            if (value == null) {
                throw new AssertionError("no sample value for path variable " + m.group(1) + " in " + path
                        + "; add one to SAMPLE_VALUES");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    // (d) queues, event sources, S3 filters, no loop, no circular dependency -------------------------------------

    @Test
    void jobsQueueVisibilityIsAtLeastSixTimesTheWorkerTimeout() {
        FunctionDefinition worker = function("WorkerFunction");
        assertFalse(worker.sqsEventSources().isEmpty(), "the worker reads a queue");
        for (SqsEventSource source : worker.sqsEventSources()) {
            int visibility = visibilityTimeout(source.queueLogicalId());
            assertTrue(visibility >= 6 * worker.timeoutSeconds(), source.queueLogicalId() + " VisibilityTimeout "
                    + visibility + " s < 6 × the worker's Timeout " + worker.timeoutSeconds() + " s");
        }
    }

    @Test
    void everySqsEventSourceReportsBatchItemFailuresAndOutlastsItsFunction() {
        List<SqsEventSource> all = new ArrayList<>();
        for (FunctionDefinition f : stack.functions()) {
            for (SqsEventSource source : f.sqsEventSources()) {
                all.add(source);
                assertTrue(source.reportBatchItemFailures(), f.logicalId() + "." + source.eventId()
                        + " needs FunctionResponseTypes: [ReportBatchItemFailures]");
                // CloudFormation refuses an event source mapping whose queue times out before the function.
                int visibility = visibilityTimeout(source.queueLogicalId());
                assertTrue(visibility >= f.timeoutSeconds(), f.logicalId() + ": " + source.queueLogicalId()
                        + " VisibilityTimeout " + visibility + " s is shorter than the function's Timeout");
            }
        }
        assertTrue(all.size() >= 2, "the jobs queue and the dead-letter queue both have consumers: " + all);
    }

    @Test
    void editsAreTriggeredOnlyByImageUploadsUnderEdits() {
        String bucket = stack.names().bucketName("ImagesBucket");
        List<S3EventSource> sources = stack.functions().stream().flatMap(f -> f.s3EventSources().stream()).toList();
        assertEquals(List.of("EditTriggerFunction"), stack.functions().stream()
                .filter(f -> !f.s3EventSources().isEmpty()).map(FunctionDefinition::logicalId).toList());
        Set<String> suffixes = new TreeSet<>();
        for (S3EventSource s : sources) {
            assertEquals(bucket, s.bucketName(), s.eventId());
            assertEquals(List.of("s3:ObjectCreated:*"), s.events(), s.eventId());
            assertEquals("edits/", s.prefix(), s.eventId() + " must filter on the edits/ prefix");
            assertNotNull(s.suffix(), s.eventId() + " must filter on an image suffix");
            suffixes.add(s.suffix());
        }
        assertEquals(new TreeSet<>(List.of(".png", ".jpg", ".jpeg", ".webp")), suffixes);
    }

    /**
     * No loop: nothing the code writes lands under edits/. The key prefixes are the literal ones the shared code builds
     * keys from ({@code "outputs/" + tenant + "/"}, {@code EDITED_PREFIX + tenant + "/"}, ...).
     */
    @Test
    void writtenKeyPrefixesAreNeverUnderEdits() {
        Map<String, Set<String>> written = writtenPrefixesBySource();
        Set<String> all = written.values().stream().flatMap(Set::stream).collect(Collectors.toCollection(TreeSet::new));
        assertTrue(all.containsAll(List.of("outputs/", "edited/")), "the key-prefix scan still finds the worker's "
                + "outputs/ and edited/ prefixes (else it went blind): " + written);
        for (String prefix : all) {
            assertFalse(prefix.startsWith("edits/") || "edits/".startsWith(prefix),
                    "keys written under " + prefix + " would trigger another edit: " + written);
        }
        for (S3EventSource s : function("EditTriggerFunction").s3EventSources()) {
            all.forEach(prefix -> assertFalse(prefix.startsWith(s.prefix()), prefix + " matches " + s.eventId()));
        }
    }

    /** Each function may put objects where its code writes: the write prefixes are covered by its s3:PutObject. */
    @Test
    void writersMayPutWhereTheirCodeWrites() {
        Map<String, Set<String>> written = writtenPrefixesBySource();
        // Which key-building classes each function's wiring uses (checked below, so the table cannot go stale).
        Map<String, List<String>> writers = Map.of(
                "WorkerFunction", List.of("OutcomeWriter", "EditKeys"),
                "SubmitFunction", List.of("InputSpiller"),
                "GoogleFunction", List.of("InputSpiller", "OutcomeWriter"),
                "EditTriggerFunction", List.of("InputSpiller"));
        Set<String> covered = new TreeSet<>();
        writers.forEach((id, classes) -> {
            String wiring = String.join("\n", wiringSources(function(id)).values());
            List<String> puts = s3Resources(id, "s3:PutObject");
            for (String cls : classes) {
                assertTrue(wiring.contains("new " + cls + "(") || referencedFrom(id, cls),
                        id + " no longer uses " + cls + "; update this table");
                for (String prefix : written.getOrDefault(cls, Set.of())) {
                    covered.add(cls);
                    assertTrue(puts.stream().anyMatch(r -> covers(r, prefix + "tenant/key")), id + " writes under "
                            + prefix + " (" + cls + ") but its s3:PutObject resources are " + puts);
                }
            }
        });
        assertEquals(written.keySet(), covered, "every class that builds object keys is someone's writer");
    }

    /**
     * Defence in depth for the no-loop rule: no function may put objects under edits/ at all. Today the worker holds
     * s3:PutObject on the whole bucket and the edit trigger on edits/* although neither writes there.
     */
    @Test
    void noFunctionMayPutUnderEdits() {
        for (FunctionDefinition f : stack.functions()) {
            List<String> puts = s3Resources(f.logicalId(), "s3:PutObject");
            assertFalse(puts.stream().anyMatch(r -> covers(r, "edits/tenant/cat.png")),
                    f.logicalId() + " may put under edits/: " + puts);
        }
    }

    @Test
    void noFunctionPolicyOrVariableReferencesTheBucketResource() {
        List<String> problems = new ArrayList<>();
        collectBucketReferences(template.functionGlobals().get("Environment"), "Globals.Function.Environment",
                problems);
        for (StackTemplate.TemplateResource r : template.resourcesOfType(ResourceNames.FUNCTION)) {
            collectBucketReferences(r.properties().get("Policies"), r.logicalId() + ".Policies", problems);
            collectBucketReferences(r.properties().get("Environment"), r.logicalId() + ".Environment", problems);
        }
        assertTrue(problems.isEmpty(), "a function's policy or environment that references ImagesBucket closes the "
                + "bucket → notification → function → policy circle; use the !Sub-computed name: " + problems);
    }

    private static void collectBucketReferences(Object node, String where, List<String> problems) {
        if (node instanceof Map<?, ?> m) {
            m.forEach((k, v) -> {
                String key = String.valueOf(k);
                if (key.equals("Ref") && "ImagesBucket".equals(v)) {
                    problems.add(where + ": !Ref ImagesBucket");
                } else if (key.equals("Fn::GetAtt") && v instanceof List<?> l && !l.isEmpty()
                        && "ImagesBucket".equals(l.get(0))) {
                    problems.add(where + ": !GetAtt " + l);
                } else if (key.equals("Fn::Sub") && String.valueOf(v instanceof List<?> l && !l.isEmpty() ? l.get(0) : v)
                        .matches("(?s).*\\$\\{ImagesBucket(\\.[A-Za-z]+)?}.*")) {
                    problems.add(where + ": !Sub with ${ImagesBucket}");
                }
                collectBucketReferences(v, where + "." + key, problems);
            });
        } else if (node instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                collectBucketReferences(l.get(i), where + "[" + i + "]", problems);
            }
        }
    }

    @Test
    void theBucketReferenceCheckSeesEveryForm() {
        List<String> problems = new ArrayList<>();
        collectBucketReferences(Map.of("A", Map.of("Ref", "ImagesBucket"), "B", List.of(Map.of("Fn::GetAtt",
                List.of("ImagesBucket", "Arn"))), "C", Map.of("Fn::Sub", "${ImagesBucket.Arn}/*"),
                "D", Map.of("Fn::Sub", "arn:${AWS::Partition}:s3:::${AWS::StackName}-images/*")), "x", problems);
        assertEquals(3, problems.size(), problems.toString());
    }

    // (e) environment ---------------------------------------------------------------------------------------------

    @Test
    void everyVariableAHandlerRequiresIsSetByTheTemplate() {
        Map<String, SettingsRead> settings = settingsGetters();
        for (FunctionDefinition f : stack.functions()) {
            Set<SettingsRead> reads = readsOf(f, settings);
            Set<String> required = reads.stream().filter(SettingsRead::required).map(SettingsRead::variable)
                    .collect(Collectors.toCollection(TreeSet::new));
            // The webhook dispatcher reads the jobs table's stream (its event), never the table.
            if (!f.logicalId().equals("WebhookDispatchFunction")) {
                assertTrue(required.containsAll(List.of("JOBS_TABLE")), f.logicalId() + " reads the jobs table: "
                        + reads);
            }
            Set<String> missing = new TreeSet<>(required);
            missing.removeAll(f.environment().keySet());
            assertTrue(missing.isEmpty(), f.logicalId() + " requires " + missing + " but the template (Globals + "
                    + "Environment) does not set them; it sets " + new TreeSet<>(f.environment().keySet()));
            for (String name : required) {
                assertFalse(f.environment().get(name).isBlank(), f.logicalId() + ": " + name + " resolves to nothing");
            }
        }
    }

    @Test
    void theWorkerIsWiredToGemini() {
        FunctionDefinition worker = function("WorkerFunction");
        for (String name : List.of("GEMINI_BASE_URL", "GEMINI_AUTH_STYLE", "GEMINI_API_KEY_SECRET_ID")) {
            assertTrue(worker.environment().containsKey(name), "the worker needs " + name);
            assertFalse(worker.environment().get(name).isBlank(), name + " is blank");
        }
        assertFalse(worker.environment().containsKey("GEMINI_API_KEY"), "the key itself never sits in the template");
        Set<String> read = readsOf(worker, settingsGetters()).stream().map(SettingsRead::variable)
                .collect(Collectors.toSet());
        assertTrue(read.containsAll(List.of("GEMINI_BASE_URL", "GEMINI_AUTH_STYLE", "GEMINI_API_KEY_SECRET_ID")),
                "the worker's wiring reads the Gemini settings: " + read);
        assertEquals(String.valueOf(worker.timeoutSeconds()), worker.environment().get("WORKER_TIMEOUT_SECONDS"),
                "WORKER_TIMEOUT_SECONDS mirrors the worker's Timeout (it sizes the job lease)");
    }

    @Test
    void everyVariableTheTemplateSetsIsOneTheFunctionsKnow() {
        Set<String> known = new TreeSet<>(settingsConstants().values());
        known.add("JAVA_TOOL_OPTIONS");
        for (FunctionDefinition f : stack.functions()) {
            Set<String> unknown = new TreeSet<>(f.environment().keySet());
            unknown.removeAll(known);
            assertTrue(unknown.isEmpty(), f.logicalId() + " sets variables no code reads (a typo?): " + unknown);
        }
    }

    /** One variable read through Settings; required = read with env.required (no default). */
    record SettingsRead(String variable, boolean required) {
    }

    /** Settings getter → the variables it reads (following calls to other getters). */
    private static Map<String, SettingsRead> settingsGetters() {
        String source = read(sharedSource("imagejobs/shared/config/Settings.java"));
        Map<String, String> constants = settingsConstants();
        Map<String, SettingsRead> getters = new LinkedHashMap<>();
        Matcher m = Pattern.compile("public\\s+[\\w<>\\[\\]]+\\s+(\\w+)\\(\\)\\s*\\{").matcher(source);
        while (m.find()) {
            String body = methodBody(source, m.group(1));
            Matcher read = Pattern.compile("env\\.(required|integer|get|flag|optional)\\(\\s*([A-Z][A-Z0-9_]*)").matcher(body);
            if (read.find()) {
                String variable = constants.get(read.group(2));
                assertNotNull(variable, "Settings." + read.group(2));
                getters.put(m.group(1), new SettingsRead(variable, read.group(1).equals("required")));
            }
        }
        assertTrue(getters.keySet().containsAll(List.of("jobsTable", "keysTable", "imagesBucket", "jobsQueueUrl",
                "geminiBaseUrl")), "the Settings scan found its getters: " + getters.keySet());
        return getters;
    }

    private static Map<String, String> settingsConstants() {
        String source = read(sharedSource("imagejobs/shared/config/Settings.java"));
        Map<String, String> constants = new TreeMap<>();
        Matcher m = Pattern.compile("public static final String ([A-Z][A-Z0-9_]*) = \"([A-Z0-9_]+)\";").matcher(source);
        while (m.find()) {
            constants.put(m.group(1), m.group(2));
        }
        return constants;
    }

    /**
     * What one function reads: the Settings getters (and Settings constants read directly) in the wiring methods its
     * handler calls, the wiring's own helper methods they call, and the shared classes built there that take the
     * Settings object.
     */
    private static Set<SettingsRead> readsOf(FunctionDefinition f, Map<String, SettingsRead> getters) {
        Map<String, String> wiring = wiringSources(f);
        Set<String> bodies = new LinkedHashSet<>(wiring.values());
        Set<String> constructed = new TreeSet<>();
        for (String body : List.copyOf(bodies)) {
            Matcher n = Pattern.compile("new (\\w+)\\(").matcher(body);
            while (n.find()) {
                constructed.add(n.group(1));
            }
        }
        for (String cls : constructed) {
            sourceOf(cls).filter(s -> s.contains("Settings settings")).ifPresent(bodies::add);
        }
        Map<String, String> constants = settingsConstants();
        Set<SettingsRead> reads = new LinkedHashSet<>();
        for (String body : bodies) {
            Matcher g = Pattern.compile("settings\\.(\\w+)\\(").matcher(body);
            while (g.find()) {
                collectGetter(g.group(1), getters, reads, new LinkedHashSet<>());
            }
            Matcher c = Pattern.compile("env\\.(required|integer|get|flag|optional)\\(\\s*Settings\\.([A-Z][A-Z0-9_]*)")
                    .matcher(body);
            while (c.find()) {
                reads.add(new SettingsRead(constants.get(c.group(2)), c.group(1).equals("required")));
            }
        }
        return reads;
    }

    private static void collectGetter(String getter, Map<String, SettingsRead> getters, Set<SettingsRead> reads,
                                      Set<String> seen) {
        if (!seen.add(getter)) {
            return;
        }
        SettingsRead read = getters.get(getter);
        if (read != null) {
            reads.add(read);
        }
        // Getters built on other getters (cursorSecret falls back on jobsTable).
        String source = read(sharedSource("imagejobs/shared/config/Settings.java"));
        String body = methodBody(source, getter);
        if (body != null) {
            Matcher inner = Pattern.compile("\\b(\\w+)\\(\\)").matcher(body);
            while (inner.find()) {
                if (getters.containsKey(inner.group(1))) {
                    collectGetter(inner.group(1), getters, reads, seen);
                }
            }
        }
    }

    /**
     * The wiring code one function runs: each {@code SomethingWiring.method(...)} its handler's source calls, plus the
     * wiring's own methods those call, transitively. Key: Class.method.
     */
    private static Map<String, String> wiringSources(FunctionDefinition f) {
        HandlerReference handler = HandlerReference.parse(f.handler());
        Path handlerSource = functionSource(handler.className());
        String handlerText = read(handlerSource);
        Map<String, String> bodies = new LinkedHashMap<>();
        Matcher call = Pattern.compile("\\b(\\w+Wiring)\\.(\\w+)\\(").matcher(handlerText);
        while (call.find()) {
            Path wiringFile = handlerSource.resolveSibling(call.group(1) + ".java");
            String wiring = read(wiringFile);
            collectMethod(call.group(1), wiring, call.group(2), bodies);
        }
        assertFalse(bodies.isEmpty(), f.logicalId() + ": " + handlerSource + " calls no *Wiring method");
        return bodies;
    }

    private static void collectMethod(String cls, String source, String method, Map<String, String> bodies) {
        String key = cls + "." + method;
        if (bodies.containsKey(key)) {
            return;
        }
        String body = methodBody(source, method);
        if (body == null) {
            return;
        }
        bodies.put(key, body);
        Matcher inner = Pattern.compile("\\b([a-z]\\w*)\\(").matcher(body);
        while (inner.find()) {
            if (methodBody(source, inner.group(1)) != null) {
                collectMethod(cls, source, inner.group(1), bodies);
            }
        }
    }

    /** The body of the method declared as {@code name(...) {...}} in {@code source}, or null. */
    static String methodBody(String source, String name) {
        Matcher m = Pattern.compile("\\b" + Pattern.quote(name) + "\\(").matcher(source);
        while (m.find()) {
            int close = matching(source, m.end() - 1, '(', ')');
            if (close < 0) {
                continue;
            }
            int i = close + 1;
            while (i < source.length() && Character.isWhitespace(source.charAt(i))) {
                i++;
            }
            if (source.startsWith("throws", i)) {
                i = source.indexOf('{', i);
            }
            // A declaration: `) {` preceded by a type (not `new X(`, not a call inside an expression).
            String before = source.substring(Math.max(0, m.start() - 80), m.start());
            if (i >= 0 && i < source.length() && source.charAt(i) == '{'
                    && before.matches("(?s).*[\\w>\\]]\\s+$") && !before.matches("(?s).*\\bnew\\s+$")) {
                int end = matching(source, i, '{', '}');
                return end < 0 ? null : source.substring(i, end + 1);
            }
        }
        return null;
    }

    private static int matching(String s, int open, char o, char c) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '"') {
                i = skipString(s, i);
                continue;
            }
            if (ch == o) {
                depth++;
            } else if (ch == c && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    private static int skipString(String s, int quote) {
        for (int i = quote + 1; i < s.length(); i++) {
            if (s.charAt(i) == '\\') {
                i++;
            } else if (s.charAt(i) == '"') {
                return i;
            }
        }
        return s.length();
    }

    @Test
    void theSourceScannerFindsDeclarationsNotCalls() {
        String source = "class W { static Foo make(Env env) { return new Foo(helper(env)); }\n"
                + " private static Bar helper(Env env) throws X { if (a) { b(); } return null; } }";
        assertEquals("{ return new Foo(helper(env)); }", methodBody(source, "make"));
        assertEquals("{ if (a) { b(); } return null; }", methodBody(source, "helper"));
        assertEquals(null, methodBody(source, "b"));
    }

    // (f) deploy readiness: throttling, kept data, secrets, presign cap, stack name, alarms, deploy path ------------

    @Test
    void everyRouteHasTheStagesThrottlingFromParameters() {
        Map<String, Object> api = template.resource("Api").properties();
        Map<String, Object> defaults = map(api.get("DefaultRouteSettings"));
        assertEquals(Map.of("Ref", "ApiThrottlingRateLimit"), defaults.get("ThrottlingRateLimit"));
        assertEquals(Map.of("Ref", "ApiThrottlingBurstLimit"), defaults.get("ThrottlingBurstLimit"));
        double rate = Double.parseDouble(parameter("ApiThrottlingRateLimit").get("Default").toString());
        int burst = Integer.parseInt(parameter("ApiThrottlingBurstLimit").get("Default").toString());
        assertTrue(burst >= rate, "a burst below the steady rate would refuse a second's worth of requests at once");
        List<HttpRoute> routes = stack.functions().stream().flatMap(f -> f.routes().stream()).toList();
        assertFalse(routes.isEmpty());
        for (HttpRoute r : routes) {
            assertEquals(new FunctionDefinition.RouteThrottle(rate, burst), r.throttle(), r.method() + " " + r.path()
                    + " is throttled by the stage (and by the local front door alike)");
        }
    }

    @Test
    void theStatusFunctionHasAReadLimitParameterWithTheCodesDefault() {
        Map<String, String> status = function("StatusFunction").environment();
        assertEquals(String.valueOf(imagejobs.shared.config.Settings.DEFAULT_READ_RATE),
                status.get("READ_RATE_PER_MINUTE"));
        assertEquals(Map.of("Ref", "ReadRatePerMinute"), map(map(template.resource("StatusFunction").properties()
                .get("Environment")).get("Variables")).get("READ_RATE_PER_MINUTE"));
        assertEquals("0", parameter("ReadRatePerMinute").get("MinValue").toString(), "0 turns the limit off");
        // Counting reads writes the counters: the status role may update the keys table, nothing more.
        assertTrue(statementsOf("StatusFunction").stream().anyMatch(s -> asStrings(s.get("Action"))
                .contains("dynamodb:UpdateItem") && Map.of("Fn::GetAtt", List.of("KeysTable", "Arn"))
                .equals(s.get("Resource"))), "the status function writes its read counters to the keys table");
    }

    @Test
    void noSecretReachesAFunctionsEnvironment() {
        Set<String> noEcho = new TreeSet<>();
        template.section("Parameters").forEach((name, spec) -> {
            if ("true".equals(String.valueOf(map(spec).get("NoEcho")))) {
                noEcho.add(name);
            }
        });
        String globals = String.valueOf(template.functionGlobals().get("Environment"));
        noEcho.forEach(p -> assertFalse(globals.contains("Ref=" + p) || globals.contains("${" + p + "}"),
                "NoEcho parameter " + p + " in Globals"));
        for (StackTemplate.TemplateResource r : template.resourcesOfType(ResourceNames.FUNCTION)) {
            String environment = String.valueOf(r.properties().get("Environment"));
            noEcho.forEach(p -> assertFalse(environment.contains("Ref=" + p) || environment.contains("${" + p + "}"),
                    r.logicalId() + " puts NoEcho " + p
                    + " into its environment, where anyone who can read the function's configuration sees it"));
        }
        for (FunctionDefinition f : stack.functions()) {
            assertFalse(f.environment().containsKey("CURSOR_SECRET"), f.logicalId() + ": the cursor key itself");
            assertFalse(f.environment().containsKey("GEMINI_API_KEY"), f.logicalId() + ": the Gemini key itself");
        }
    }

    @Test
    void theCursorKeyIsAGeneratedSecretOnlyTheStatusAndGoogleFunctionsMayRead() {
        Map<String, Object> variables = map(map(template.resource("StatusFunction").properties().get("Environment"))
                .get("Variables"));
        assertEquals(Map.of("Ref", "CursorSigningSecret"), variables.get("CURSOR_SECRET_ID"));
        StackTemplate.TemplateResource secret = template.resource("CursorSigningSecret");
        assertEquals("AWS::SecretsManager::Secret", secret.type());
        Map<String, Object> generate = map(secret.properties().get("GenerateSecretString"));
        assertTrue(Integer.parseInt(generate.get("PasswordLength").toString())
                >= imagejobs.shared.config.Settings.MIN_CURSOR_SECRET_LENGTH, "long enough for Settings.cursorKey");
        assertFalse(secret.properties().containsKey("SecretString"), "generated, never written in the template");
        for (FunctionDefinition f : stack.functions()) {
            List<Object> readable = statementsOf(f.logicalId()).stream()
                    .filter(s -> asStrings(s.get("Action")).stream().anyMatch(a -> a.startsWith("secretsmanager:")))
                    .map(s -> s.get("Resource")).toList();
            if (f.logicalId().equals("StatusFunction")) {
                assertEquals(List.of(Map.of("Ref", "CursorSigningSecret"), Map.of("Ref", "WebhookSecretsKey")), readable,
                        "exactly the cursor secret and the webhook secrets' key, by their ARNs");
            } else if (f.logicalId().equals("GoogleFunction")) {
                assertTrue(readable.contains(Map.of("Ref", "CursorSigningSecret")),
                        "GoogleFunction signs GET /v1beta/batches page tokens with the cursor key");
            } else {
                assertFalse(readable.contains(Map.of("Ref", "CursorSigningSecret")), f.logicalId()
                        + " may not read the cursor key");
            }
        }
        assertTrue(read(TestPaths.root().resolve("functions/status/src/main/java/imagejobs/status/StatusWiring.java"))
                .contains("CursorKeySource.from(settings"), "the status wiring reads the key through CursorKeySource");
    }

    @Test
    void webhookSecretsAreSealedUnderAGeneratedKeyAndTheStatusFunctionMayOnlyGetAndPutThem() {
        StackTemplate.TemplateResource key = template.resource("WebhookSecretsKey");
        assertEquals("AWS::SecretsManager::Secret", key.type());
        Map<String, Object> generate = map(key.properties().get("GenerateSecretString"));
        assertTrue(Integer.parseInt(generate.get("PasswordLength").toString())
                >= imagejobs.adapters.crypto.ServiceKeys.MIN_MATERIAL_LENGTH, "long enough for the sealer");
        assertFalse(key.properties().containsKey("SecretString"), "generated, never written in the template");
        Map<String, Object> variables = map(map(template.resource("StatusFunction").properties().get("Environment"))
                .get("Variables"));
        assertEquals(Map.of("Ref", "WebhookSecretsTable"), variables.get("WEBHOOK_SECRETS_TABLE"));
        assertEquals(Map.of("Ref", "WebhookSecretsKey"), variables.get("WEBHOOK_SECRETS_KEY_SECRET_ID"));
        List<Map<String, Object>> onTable = statementsOf("StatusFunction").stream()
                .filter(s -> Map.of("Fn::GetAtt", List.of("WebhookSecretsTable", "Arn")).equals(s.get("Resource")))
                .toList();
        assertEquals(1, onTable.size(), "one statement on the secrets table");
        assertEquals(List.of("dynamodb:GetItem", "dynamodb:PutItem"), asStrings(onTable.get(0).get("Action")));
        Map<String, Object> outputs = map(template.document().get("Outputs"));
        assertEquals(Map.of("Ref", "WebhookSecretsTable"), map(outputs.get("WebhookSecretsTableName")).get("Value"));
        assertEquals(Map.of("Ref", "WebhookSecretsKey"), map(outputs.get("WebhookSecretsKeyArn")).get("Value"));
        for (FunctionDefinition f : stack.functions()) {
            assertFalse(f.environment().containsKey("WEBHOOK_SECRETS_KEY"), f.logicalId() + ": the key itself");
        }
    }

    @Test
    void webhooksFlowFromTheJobsStreamThroughTheDeliveryQueueToItsDeadLetterQueue() {
        assertEquals(Map.of("StreamViewType", "NEW_AND_OLD_IMAGES"),
                map(template.resource("JobsTable").properties().get("StreamSpecification")), "both images: D1");
        Map<String, Object> stream = map(map(map(template.resource("WebhookDispatchFunction").properties()
                .get("Events")).get("JobChanges")).get("Properties"));
        assertEquals(Map.of("Fn::GetAtt", List.of("JobsTable", "StreamArn")), stream.get("Stream"));
        assertEquals(List.of("ReportBatchItemFailures"), stream.get("FunctionResponseTypes"));
        assertEquals(Map.of("Type", "SQS", "Destination", Map.of("Fn::GetAtt", List.of("WebhookDispatchFailuresQueue",
                "Arn"))), map(stream.get("DestinationConfig")).get("OnFailure"));
        assertEquals("86400", stream.get("MaximumRecordAgeInSeconds").toString(), "the stream keeps records a day");

        FunctionDefinition delivery = function("WebhookDeliveryFunction");
        SqsEventSource deliveries = delivery.sqsEventSources().get(0);
        assertEquals("WebhookDeliveryQueue", deliveries.queueLogicalId());
        assertTrue(visibilityTimeout("WebhookDeliveryQueue") >= 6 * delivery.timeoutSeconds());
        assertTrue(delivery.timeoutSeconds() > 10, "longer than one attempt's 10 s");
        QueueDefinition queue = stack.queue("WebhookDeliveryQueue").orElseThrow();
        assertTrue(queue.deadLetterTargetArn().endsWith(":WebhookDeliveryDeadLetterQueue"));
        assertEquals(stack.queue("WebhookDeliveryDeadLetterQueue").orElseThrow().url(),
                delivery.environment().get("WEBHOOK_DEAD_LETTER_QUEUE_URL"), "given-up deliveries go to the same DLQ");
        assertEquals(queue.url(), delivery.environment().get("WEBHOOK_DELIVERY_QUEUE_URL"));
        assertEquals(queue.url(), function("WebhookDispatchFunction").environment().get("WEBHOOK_DELIVERY_QUEUE_URL"));
        for (String alarm : List.of("WebhookDeliveryDeadLetterAlarm", "WebhookDispatchFailuresAlarm",
                "WebhookDispatchIteratorAgeAlarm")) {
            assertEquals("AWS::CloudWatch::Alarm", template.resource(alarm).type(), alarm);
        }
    }

    @Test
    void presignedUrlsAreCappedAtTheLifeOfTheCredentialsThatSignThem() {
        Map<String, Object> ttl = parameter("PresignTtlSeconds");
        assertEquals(String.valueOf(imagejobs.shared.config.Settings.MAX_PRESIGN_TTL_SECONDS),
                ttl.get("MaxValue").toString());
        assertTrue(Integer.parseInt(ttl.get("Default").toString())
                <= imagejobs.shared.config.Settings.MAX_PRESIGN_TTL_SECONDS);
        assertTrue(String.valueOf(ttl.get("Description")).contains("12 hours"), "the description says why");
    }

    @Test
    void tablesAndTheBucketSurviveAStackDeleteOrReplacement() {
        Map<String, Object> resources = map(template.document().get("Resources"));
        List<String> kept = new ArrayList<>();
        for (StackTemplate.TemplateResource r : template.resources()) {
            if (r.type().equals(ResourceNames.TABLE) || r.type().equals(ResourceNames.BUCKET)) {
                Map<String, Object> body = map(resources.get(r.logicalId()));
                assertEquals("Retain", body.get("DeletionPolicy"), r.logicalId());
                assertEquals("Retain", body.get("UpdateReplacePolicy"), r.logicalId());
                kept.add(r.logicalId());
            }
        }
        assertEquals(List.of("JobsTable", "KeysTable", "LimitsTable", "WebhookSecretsTable", "BatchesTable",
                "ImagesBucket"), kept);
    }

    /**
     * The bucket name is built from the stack name and CloudFormation cannot check a string's length or case before
     * it creates things: BucketNameCheck (an SSM parameter with S3's rule as AllowedPattern) holds the same name and
     * everything keeping data waits for it.
     */
    @Test
    void aStackNameThatMakesABadBucketNameFailsBeforeAnyDataResource() {
        StackTemplate.TemplateResource check = template.resource("BucketNameCheck");
        assertEquals("AWS::SSM::Parameter", check.type());
        assertEquals(template.resource("ImagesBucket").properties().get("BucketName"), check.properties().get("Value"),
                "the check holds exactly the bucket's name");
        assertTrue(check.properties().get("Value").toString().contains("AWS::StackName"));
        Pattern rule = Pattern.compile(check.properties().get("AllowedPattern").toString());
        Map<String, Object> resources = map(template.document().get("Resources"));
        for (String id : List.of("JobsTable", "KeysTable", "LimitsTable", "ImagesBucket")) {
            assertTrue(asStrings(map(resources.get(id)).get("DependsOn")).contains("BucketNameCheck"), id);
        }
        assertFalse(map(resources.get("BucketNameCheck")).containsKey("DependsOn"), "created first");

        // The documented limit: 42 characters less the region's length (33 in us-east-1, 28 in ap-southeast-1).
        for (String region : List.of("us-east-1", "eu-central-1", "ap-southeast-1")) {
            int longest = 42 - region.length();
            assertTrue(rule.matcher(bucketNameFor("a".repeat(longest), region)).matches(), region);
            assertFalse(rule.matcher(bucketNameFor("a".repeat(longest + 1), region)).matches(), region);
            assertTrue(bucketNameFor("a".repeat(longest), region).length() <= 63);
        }
        assertTrue(rule.matcher(bucketNameFor("imagejobs", "us-east-1")).matches());
        assertTrue(rule.matcher(bucketNameFor("imagejobs-prod-2", "us-east-1")).matches());
        assertFalse(rule.matcher(bucketNameFor("ImageJobs", "us-east-1")).matches(), "upper case");
        String readme = read(TestPaths.root().resolve("README.md"));
        assertTrue(readme.contains("42 characters less the region's length"), "README states the limit");
    }

    private static String bucketNameFor(String stackName, String region) {
        StackContext context = new StackContext(stackName, "123456789012", region, "aws", "amazonaws.com", Map.of());
        return new ResourceNames(template, context, SQS).resolver().resolveString(
                template.resource("BucketNameCheck").properties().get("Value"));
    }

    @Test
    void theWorkerAlarmWatchesTheWorkersOwnFailureCountAndDeadInvocations() {
        Map<String, Object> alarm = template.resource("WorkerErrorsAlarm").properties();
        List<Map<String, Object>> queries = ((List<?>) alarm.get("Metrics")).stream().map(TemplateContractTest::map)
                .toList();
        Map<String, Map<String, Object>> metrics = new TreeMap<>();
        for (Map<String, Object> q : queries) {
            if (q.containsKey("MetricStat")) {
                metrics.put(q.get("Id").toString(), map(map(q.get("MetricStat")).get("Metric")));
            }
        }
        Map<String, Object> crashes = metrics.values().stream()
                .filter(m -> "imagejobs".equals(m.get("Namespace"))).findFirst()
                .orElseThrow(() -> new AssertionError("the alarm reads no imagejobs metric"));
        assertEquals(imagejobs.shared.worker.JobProcessor.ATTEMPT_FAILURES, crashes.get("MetricName"));
        assertEquals(imagejobs.adapters.metrics.EmfMetrics.NAMESPACE, crashes.get("Namespace"));
        Map<String, Object> dimensions = new TreeMap<>();
        ((List<?>) crashes.get("Dimensions")).forEach(d -> dimensions.put(map(d).get("Name").toString(),
                map(d).get("Value")));
        assertEquals(Map.of("function", Map.of("Ref", "WorkerFunction"), "cause", "crash"), dimensions,
                "EMF dimension sets: the function's name (AWS_LAMBDA_FUNCTION_NAME = Ref) and the cause");
        String processor = read(sharedSource("imagejobs/shared/worker/JobProcessor.java"));
        assertTrue(processor.contains("attemptFailed(\"crash\")"), "the worker emits cause=crash");
        assertTrue(metrics.values().stream().anyMatch(m -> "AWS/Lambda".equals(m.get("Namespace"))
                && "Errors".equals(m.get("MetricName"))), "invocations that die whole (timeouts) still count");
        List<Map<String, Object>> returned = queries.stream().filter(q -> !Boolean.FALSE.equals(q.get("ReturnData")))
                .toList();
        assertEquals(1, returned.size(), "one expression is the alarm's series");
        String expression = returned.get(0).get("Expression").toString();
        metrics.keySet().forEach(id -> assertTrue(expression.contains(id), expression + " uses " + id));
        assertFalse(alarm.containsKey("MetricName"), "no single-metric form beside Metrics");
    }

    @Test
    void theDeployPathIsMavenThenSamDeployWithNoSamBuild() {
        String samconfig = read(TestPaths.root().resolve("samconfig.toml"));
        assertFalse(samconfig.contains("[default.build.parameters]"), "no sam build settings: no sam build");
        assertFalse(samconfig.contains("[default.sync.parameters]"), "sam sync builds too");
        assertTrue(samconfig.contains("template_file = \"template.yaml\""),
                "sam deploy never picks up a stale .aws-sam/build/template.yaml");
        String readme = read(TestPaths.root().resolve("README.md"));
        String deploy = readme.substring(readme.indexOf("## Deploying to AWS"), readme.indexOf("## Operations"));
        List<String> deployCommands = shellCommands(deploy);
        assertTrue(deployCommands.stream().anyMatch(c -> c.startsWith("./mvnw -B package -DskipTests")),
                deployCommands.toString());
        assertTrue(deployCommands.stream().anyMatch(c -> c.startsWith("sam deploy --guided")), deployCommands.toString());
        for (String command : shellCommands(readme)) {
            assertFalse(command.contains("sam build") || command.contains("sam sync"), "README runs " + command);
        }
        Pattern chained = Pattern.compile("sam build\\s*(&&|;)|(&&|;)\\s*sam build");
        for (String text : List.of(samconfig, read(TestPaths.template()))) {
            text.lines().filter(l -> chained.matcher(l).find()).forEach(l -> fail("a sam build step: " + l.strip()));
        }
        for (StackTemplate.TemplateResource f : template.resourcesOfType(ResourceNames.FUNCTION)) {
            assertTrue(String.valueOf(f.properties().get("CodeUri")).endsWith(".jar"), f.logicalId()
                    + ": sam deploy uploads the Maven-built jar as it is");
        }
    }

    /** The commands of a Markdown text's ```sh blocks, comments and blank lines left out. */
    private static List<String> shellCommands(String markdown) {
        List<String> commands = new ArrayList<>();
        String[] parts = markdown.split("```");
        for (int i = 1; i < parts.length; i += 2) {
            if (parts[i].startsWith("sh\n")) {
                parts[i].lines().skip(1).map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#"))
                        .forEach(commands::add);
            }
        }
        return commands;
    }

    private static Map<String, Object> parameter(String name) {
        Object spec = template.section("Parameters").get(name);
        assertNotNull(spec, "template parameter " + name);
        return map(spec);
    }

    /** Every Allow statement of a function's inline policies. */
    private static List<Map<String, Object>> statementsOf(String functionId) {
        List<Map<String, Object>> out = new ArrayList<>();
        Object policies = template.resource(functionId).properties().get("Policies");
        if (policies instanceof List<?> list) {
            for (Object policy : list) {
                if (policy instanceof Map<?, ?> p && p.get("Statement") instanceof List<?> statements) {
                    statements.forEach(s -> out.add(map(s)));
                }
            }
        }
        return out;
    }

    // helpers -----------------------------------------------------------------------------------------------------

    /** Key-prefix literals each shared class builds tenant keys from, e.g. OutcomeWriter → [outputs/, conversations/]. */
    private static Map<String, Set<String>> writtenPrefixesBySource() {
        Pattern literal = Pattern.compile("\"([a-z][a-z0-9_-]*/)\"\\s*\\+\\s*[\\w.()]+\\s*\\+\\s*\"/\"");
        Pattern constant = Pattern.compile("\\b([A-Z][A-Z0-9_]*)\\s*\\+\\s*[\\w.()]+\\s*\\+\\s*\"/\"");
        Map<String, Set<String>> bySource = new TreeMap<>();
        try (Stream<Path> files = Stream.of("shared/domain/src/main/java", "shared/adapters/src/main/java")
                .map(TestPaths.root()::resolve).flatMap(TemplateContractTest::walk)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String text = read(file);
                String cls = file.getFileName().toString().replace(".java", "");
                Set<String> prefixes = new TreeSet<>();
                Matcher l = literal.matcher(text);
                while (l.find()) {
                    prefixes.add(l.group(1));
                }
                Matcher c = constant.matcher(text);
                while (c.find()) {
                    Matcher value = Pattern.compile("static final String " + c.group(1) + " = \"([a-z][a-z0-9_-]*/)\";")
                            .matcher(text);
                    if (value.find()) {
                        prefixes.add(value.group(1));
                    }
                }
                if (!prefixes.isEmpty()) {
                    bySource.put(cls, prefixes);
                }
            }
        }
        return bySource;
    }

    /**
     * Whether a class the wiring constructs uses {@code cls}, directly or through the classes it constructs in turn
     * (a few levels: the worker's entry point builds the parts that build the key writers).
     */
    private static boolean referencedFrom(String functionId, String cls) {
        Pattern construction = Pattern.compile("new (\\w+)\\(");
        Set<String> seen = new TreeSet<>();
        List<String> sources = List.of(String.join("\n", wiringSources(function(functionId)).values()));
        for (int depth = 0; depth < 4 && !sources.isEmpty(); depth++) {
            List<String> next = new ArrayList<>();
            for (String source : sources) {
                Matcher n = construction.matcher(source);
                while (n.find()) {
                    if (!seen.add(n.group(1))) {
                        continue;
                    }
                    java.util.Optional<String> built = sourceOf(n.group(1));
                    if (built.map(s -> s.contains(cls + ".")).orElse(false)) {
                        return true;
                    }
                    built.ifPresent(next::add);
                }
            }
            sources = next;
        }
        return false;
    }

    /** The function's S3 resources (resolved ARNs) for statements allowing {@code action}. */
    private static List<String> s3Resources(String functionId, String action) {
        StackTemplate.TemplateResource resource = template.resource(functionId);
        List<String> resources = new ArrayList<>();
        Object policies = resource.properties().get("Policies");
        if (!(policies instanceof List<?> list)) {
            return resources;
        }
        for (Object policy : list) {
            if (!(policy instanceof Map<?, ?> p) || !(p.get("Statement") instanceof List<?> statements)) {
                continue;
            }
            for (Object s : statements) {
                Map<String, Object> statement = map(s);
                if (!"Allow".equals(statement.get("Effect"))) {
                    continue;
                }
                List<String> actions = asStrings(statement.get("Action"));
                if (actions.stream().noneMatch(a -> a.equals(action) || a.equals("s3:*") || a.equals("*"))) {
                    continue;
                }
                Object r = statement.get("Resource");
                List<Object> rs = r instanceof List<?> rl ? new ArrayList<>(rl) : List.of(r);
                for (Object one : rs) {
                    resources.add(stack.names().resolver().resolveString(one));
                }
            }
        }
        return resources;
    }

    /** Whether an S3 object ARN pattern (trailing * only, as the template writes them) covers a key of the bucket. */
    private static boolean covers(String resourceArn, String key) {
        String object = "arn:aws:s3:::" + stack.names().bucketName("ImagesBucket") + "/" + key;
        if (resourceArn.equals("*")) {
            return true;
        }
        return resourceArn.endsWith("*") ? object.startsWith(resourceArn.substring(0, resourceArn.length() - 1))
                : object.equals(resourceArn);
    }

    private static List<String> asStrings(Object value) {
        if (value instanceof Collection<?> c) {
            return c.stream().map(String::valueOf).toList();
        }
        return value == null ? List.of() : List.of(String.valueOf(value));
    }

    private static int visibilityTimeout(String queueLogicalId) {
        QueueDefinition queue = stack.queue(queueLogicalId).orElseThrow(() -> new AssertionError("no queue "
                + queueLogicalId));
        // SQS's default when the template sets none.
        return Integer.parseInt(queue.attributes().getOrDefault("VisibilityTimeout", "30"));
    }

    private static FunctionDefinition function(String id) {
        return stack.function(id).orElseThrow(() -> new AssertionError("no " + id + " in template.yaml"));
    }

    private static Path requireJar(FunctionDefinition f) {
        Path jar = f.codeUri();
        if (!Files.isRegularFile(jar)) {
            fail(f.logicalId() + ": " + jar + " is missing; run ./mvnw -B verify (the function modules package their "
                    + "jars before this module's tests)");
        }
        return jar;
    }

    private static Path sharedSource(String relative) {
        Path domain = TestPaths.root().resolve("shared/domain/src/main/java").resolve(relative);
        return Files.exists(domain) ? domain : TestPaths.root().resolve("shared/adapters/src/main/java").resolve(relative);
    }

    private static Stream<Path> walk(Path root) {
        try {
            return Files.walk(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A class's source by simple name, in shared/ or a function module. */
    private static java.util.Optional<String> sourceOf(String simpleName) {
        List<Path> roots = new ArrayList<>(List.of(TestPaths.root().resolve("shared/domain/src/main/java"),
                TestPaths.root().resolve("shared/adapters/src/main/java")));
        try (Stream<Path> modules = Files.list(TestPaths.root().resolve("functions"))) {
            modules.map(m -> m.resolve("src/main/java")).filter(Files::isDirectory).forEach(roots::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path root : roots) {
            try (Stream<Path> files = Files.walk(root)) {
                java.util.Optional<Path> file = files.filter(p -> p.getFileName().toString().equals(simpleName + ".java"))
                        .findFirst();
                if (file.isPresent()) {
                    return file.map(TemplateContractTest::read);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return java.util.Optional.empty();
    }

    /** A handler class's source file in whichever function module holds it. */
    private static Path functionSource(String className) {
        String relative = "src/main/java/" + className.replace('.', '/') + ".java";
        try (Stream<Path> modules = Files.list(TestPaths.root().resolve("functions"))) {
            return modules.map(m -> m.resolve(relative)).filter(Files::isRegularFile).findFirst()
                    .orElseThrow(() -> new AssertionError("no source for " + className + " under functions/*/"
                            + "src/main/java"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> openApi() {
        Path file = TestPaths.root().resolve("openapi.yaml");
        assertTrue(Files.isRegularFile(file), "openapi.yaml at the repository root");
        return map(new Yaml().load(read(file)));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> map(Object value) {
        if (value instanceof Map<?, ?> m) {
            return cast(m);
        }
        throw new AssertionError("expected a mapping, got " + value);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }
}
