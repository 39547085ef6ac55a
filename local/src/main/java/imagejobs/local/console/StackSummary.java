package imagejobs.local.console;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

import imagejobs.local.LocalStack;
import imagejobs.local.cli.WebhooksCommand;
import imagejobs.local.emulators.LocalCredentials;
import imagejobs.local.http.RouteTable;
import imagejobs.local.resources.LocalKey;
import imagejobs.local.template.BucketDefinition;
import imagejobs.local.template.QueueDefinition;
import imagejobs.local.template.TableDefinition;

/**
 * What {@code ./run-local} prints once everything runs: endpoints, names, keys, whether state survives a restart, a
 * copy-paste walkthrough and how to stop it.
 */
public final class StackSummary {
    private final LocalStack stack;

    public StackSummary(LocalStack stack) {
        this.stack = stack;
    }

    public void print(PrintStream out, long startMillis) {
        String api = stack.apiBaseUrl().map(URI::toString).orElse("(no HttpApi routes)");
        URI dynamo = stack.dynamoDbEndpoint();
        URI sqs = stack.sqsEndpoint();
        URI s3 = stack.s3Endpoint();
        List<String> tables = stack.definition().tables().stream().map(TableDefinition::tableName).toList();
        List<QueueDefinition> queues = stack.definition().queues();
        List<String> buckets = stack.definition().buckets().stream().map(BucketDefinition::name).toList();

        out.println();
        out.println("imagejobs local stack is up (" + startMillis + " ms)");
        out.println();
        row(out, "HTTP API", api, stack.functions().size() + " functions");
        stack.functionUrlBaseUrl().ifPresent(url -> row(out, "Function URL", url.toString(),
                "Google SDK base URL (long calls)"));
        row(out, "DynamoDB Local", dynamo.toString(), "tables: " + String.join(", ", tables));
        row(out, "ElasticMQ (SQS)", sqs.toString(), "queues: " + String.join(", ",
                queues.stream().map(QueueDefinition::name).toList()));
        row(out, "S3Proxy (S3)", s3.toString(), "buckets: " + String.join(", ", buckets));
        String gemini = stack.gemini().map(g -> g.baseUrl() + " (simulator)")
                .orElse(stack.environment().usesRealGemini() ? "your GEMINI_API_KEY, GEMINI_BASE_URL or the template's"
                        : "none (the worker's Gemini calls will fail)");
        row(out, "Gemini", gemini, "");
        stack.gemini().ifPresent(g -> row(out, "", g.baseUrl() + "/__sim/requests", "what went upstream"));
        out.println();
        out.println(stack.dataDirectory()
                .map(d -> "State: kept in " + d.root() + (d.fresh() ? " (new)" : " (restored)")
                        + ": tables, queues with their messages, objects; restored by the next start with --data "
                        + d.root())
                .orElse("State: in memory only; tables, jobs, queued messages and objects are lost when the stack "
                        + "stops (./run-local --data DIR keeps them)"));
        out.println();

        stack.apiBaseUrl().ifPresent(base -> {
            out.println("Routes:");
            RouteTable.from(stack.definition().functions()).routes().stream()
                    .sorted(Comparator.comparing(RouteTable.Route::path).thenComparing(RouteTable.Route::method))
                    .forEach(r -> out.printf("  %-6s %-40s -> %s%n", r.method(), r.path(), r.functionLogicalId()));
            out.println();
        });
        stack.functions().values().forEach(f -> f.definition().sqsEventSources().forEach(s -> out.println(
                "SQS " + s.queueLogicalId() + " -> " + f.name() + " (batch " + s.batchSize() + ", up to "
                        + s.maximumConcurrency() + " at once" + (s.reportBatchItemFailures() ? ", partial failures" : "")
                        + ")")));
        stack.functions().values().forEach(f -> f.definition().s3EventSources().forEach(s -> out.println(
                "S3 " + s.bucketName() + " " + String.join(",", s.events()) + " " + (s.prefix() == null ? "" : s.prefix())
                        + "*" + (s.suffix() == null ? "" : s.suffix()) + " -> " + f.name())));
        stack.functions().values().forEach(f -> f.definition().dynamoDbEventSources().forEach(s -> out.println(
                "DynamoDB stream " + s.tableLogicalId() + " -> " + f.name() + " (batch " + s.batchSize()
                        + ", from the latest record" + (s.reportBatchItemFailures() ? ", partial failures" : "")
                        + ")")));
        out.println();
        if (!stack.streamPollers().isEmpty()) {
            out.println("webhooks: ./run-local webhooks listen (then \"webhook\": \"http://127.0.0.1:"
                    + WebhooksCommand.DEFAULT_PORT + "/\")");
            out.println();
        }

        out.println("API keys (tenant: key):");
        for (LocalKey k : stack.keys()) {
            out.println("  " + k.tenant() + ": " + k.key());
        }
        out.println();

        out.println("AWS CLI against the emulators:");
        out.println("  export AWS_ACCESS_KEY_ID=" + LocalCredentials.ACCESS_KEY_ID + " AWS_SECRET_ACCESS_KEY="
                + LocalCredentials.SECRET_ACCESS_KEY + " AWS_REGION=" + stack.context().region()
                + " AWS_DEFAULT_REGION=" + stack.context().region());
        for (String bucket : buckets) {
            out.println("  aws --endpoint-url " + s3 + " s3 ls s3://" + bucket + " --recursive");
        }
        if (!tables.isEmpty()) {
            out.println("  aws --endpoint-url " + dynamo + " dynamodb scan --table-name " + tables.get(0));
        }
        for (QueueDefinition q : queues) {
            out.println("  aws --endpoint-url " + sqs + " sqs get-queue-attributes --attribute-names All --queue-url "
                    + q.url());
        }
        out.println();

        if (stack.apiBaseUrl().isPresent() && !stack.keys().isEmpty()) {
            String key = stack.keys().get(0).key();
            out.println("Try it:");
            out.println("  curl -s -X POST " + api + "/v1/requests -H \"Authorization: Bearer " + key + "\" \\");
            out.println("    -H 'content-type: application/json' \\");
            out.println("    -d '{\"model\":\"gemini-2.5-flash-image\",\"payload\":{\"prompt\":\"a red fox\"}}'");
            out.println("  # then, with the request_id it answers:");
            out.println("  curl -s " + api + "/v1/requests/<request_id> -H \"Authorization: Bearer " + key + "\"");
            out.println("  # once \"status\" is \"success\", download the image from outcome.media_urls[0].url:");
            out.println("  curl -s -o fox.png '<url>'");
            out.println();
            out.println("  # the same with jq: submit, wait until the job is no longer queued or processing (60 s at most),");
            out.println("  # download the image:");
            jqWalkthrough(api, key).forEach(line -> out.println("  " + line));
            out.println();
        }
        long pid = ProcessHandle.current().pid();
        out.println(sigintIgnored(Path.of("/proc/self/status"))
                ? "Stop it with: kill -TERM " + pid + " (Ctrl-C does not reach it: it was started in the background, "
                        + "which ignores SIGINT)"
                : "Ctrl-C stops everything (or: kill -TERM " + pid + ").");
        out.flush();
    }

    /**
     * The jq lines of the banner: submit, poll with a bound until the status is terminal, download. Kept runnable as
     * printed ({@code StackSummaryEndToEndTest} runs them with bash).
     */
    public static List<String> jqWalkthrough(String api, String key) {
        String auth = "-H \"Authorization: Bearer " + key + "\"";
        return List.of(
                "id=$(curl -s -X POST " + api + "/v1/requests " + auth + " -H 'content-type: application/json' "
                        + "-d '{\"model\":\"gemini-2.5-flash-image\",\"payload\":{\"prompt\":\"a red fox\"}}' "
                        + "| jq -r .request_id)",
                "for i in $(seq 120); do s=$(curl -s " + api + "/v1/requests/$id " + auth + " | jq -r .status); "
                        + "case $s in queued|processing) sleep 0.5;; *) break;; esac; done; echo \"$s\"",
                "curl -s " + api + "/v1/requests/$id " + auth
                        + " | jq -r '.outcome.media_urls[0].url' | xargs curl -s -o fox.png");
    }

    /**
     * Whether this process ignores SIGINT (a shell starts background jobs that way, and the JVM then leaves SIGINT
     * alone): bit 1 of the SigIgn mask in /proc/self/status. False where there is no /proc (macOS).
     */
    static boolean sigintIgnored(Path procStatus) {
        try {
            for (String line : Files.readAllLines(procStatus)) {
                if (line.startsWith("SigIgn:")) {
                    return (Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16) & 0b10) != 0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }

    private static void row(PrintStream out, String name, String where, String what) {
        out.printf("  %-16s %-28s %s%n", name, where, what);
    }

}
