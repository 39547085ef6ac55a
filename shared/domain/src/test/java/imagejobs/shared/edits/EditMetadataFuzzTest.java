package imagejobs.shared.edits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import imagejobs.shared.validation.Utf16;
import imagejobs.shared.image.TestImages;
import imagejobs.shared.jobs.Job;
import imagejobs.shared.jobs.JobStatus;

/**
 * Fuzzes every metadata field the edit trigger reads (prompt, model, aspect-ratio, image-size) with malformed
 * encodings, on in-memory stores, so values S3 itself could not carry (raw lone surrogates, megabyte values, control
 * characters) are covered too; {@code EditMetadataFuzzEndToEndTest} sends what S3 does carry through the local stack.
 * Every upload must end as exactly one job, queued or failed with a message that names no Java class, and no
 * exception may leave the trigger. Time per case is printed (FUZZ lines), not asserted.
 *
 * <p>{@code -Dimagejobs.fuzz.seed=N} replays a run; {@code -Dimagejobs.fuzz.show=true} prints an error per kind.
 */
class EditMetadataFuzzTest {
    static final List<String> FIELDS = List.of("prompt", "model", "aspect-ratio", "image-size");
    /** A Java class name (package.Class), an exception's simple name, or a stack frame. */
    static final Pattern INTERNALS = Pattern.compile(
            "\\b(?:java|javax|jdk|sun|com|org|software|imagejobs)\\.[a-z0-9_.]*[A-Z]\\w*|\\w+(?:Exception|Error)\\b|\\bat [a-z]\\w*\\.");
    private static final int RANDOM_CASES = 400;
    /** {@code -Dimagejobs.fuzz.show=true} prints one failed job's error per kind of case. */
    private static final boolean SHOW = Boolean.getBoolean("imagejobs.fuzz.show");

    /** One fuzz case: a name and the metadata to upload with. */
    record Case(String name, Map<String, String> metadata) {
    }

    @Test
    void everyUploadEndsAsExactlyOneJobWithAClearAnswer() {
        long seed = Long.getLong("imagejobs.fuzz.seed", System.nanoTime());
        Random random = new Random(seed);
        List<Case> cases = cases(random, RANDOM_CASES);
        EditTriggerRig rig = new EditTriggerRig();
        byte[] png = TestImages.png(16, 16);
        Map<String, long[]> timesByKind = new TreeMap<>();
        Map<String, Integer> outcomes = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        java.util.Set<String> shown = new java.util.HashSet<>();
        int n = 0;
        for (Case c : cases) {
            String key = "edits/" + EditTriggerRig.ACTIVE + "/fuzz/" + n++ + ".png";
            S3Upload upload = rig.upload(key, png, c.metadata());
            long t0 = System.nanoTime();
            EditTrigger.Outcome outcome;
            try {
                outcome = rig.trigger.handle(upload);
            } catch (RuntimeException e) {
                problems.add(c.name() + ": " + e + " escaped the trigger (seed " + seed + ")");
                continue;
            }
            long micros = (System.nanoTime() - t0) / 1000;
            String kind = c.name().replaceAll("#\\d+$", "");
            long[] t = timesByKind.computeIfAbsent(kind, k -> new long[3]);
            t[0]++;
            t[1] += micros;
            t[2] = Math.max(t[2], micros);
            outcomes.merge(outcome.name(), 1, Integer::sum);
            List<Job> jobs = rig.jobsFor(key);
            if (jobs.size() != 1) {
                problems.add(c.name() + ": " + jobs.size() + " jobs, outcome " + outcome);
                continue;
            }
            Job job = jobs.get(0);
            if (SHOW && job.error() != null && shown.add(kind)) {
                System.out.println("FUZZ | edit metadata (unit) | " + kind + " | " + job.error().code() + ": "
                        + job.error().message());
            }
            String problem = check(job, outcome);
            if (problem != null) {
                problems.add(c.name() + ": " + problem);
            }
        }
        timesByKind.forEach((kind, t) -> System.out.printf("FUZZ | edit metadata (unit) | %-28s | %4d cases | mean %6d µs"
                + " | max %7d µs%n", kind, t[0], t[1] / t[0], t[2]));
        System.out.println("FUZZ | edit metadata (unit) | seed " + seed + " | " + cases.size() + " cases | " + outcomes);
        if (!problems.isEmpty()) {
            fail(problems.size() + " of " + cases.size() + " cases went wrong (seed " + seed + "):\n"
                    + String.join("\n", problems.subList(0, Math.min(20, problems.size()))));
        }
        assertEquals(cases.size(), rig.jobs.jobs.size(), "one job per upload, none lost, none extra");
        assertEquals(outcomes.getOrDefault("QUEUED", 0), rig.sent.size(), "every queued job has its message");
    }

    /** Null when the job is a clear answer: queued with its message, or failed with a short, plain message. */
    static String check(Job job, EditTrigger.Outcome outcome) {
        // Nothing the job records may hold invalid UTF-16 (DynamoDB stores it, the AWS CLI then cannot read it back).
        for (String text : new String[] {job.model(), job.request(), job.error() == null ? null : job.error().message()}) {
            if (text != null && Utf16.firstUnpaired(text) >= 0) {
                return "the job records a lone surrogate: " + Utf16.prefix(text, 80);
            }
        }
        if (job.status() == JobStatus.QUEUED && outcome == EditTrigger.Outcome.QUEUED) {
            return null;
        }
        if (job.status() != JobStatus.FAILED || outcome != EditTrigger.Outcome.FAILED) {
            return "status " + job.status() + " with outcome " + outcome;
        }
        String message = job.error() == null ? null : job.error().message();
        if (message == null || message.isBlank() || job.error().code() == null) {
            return "failed without a message";
        }
        if (INTERNALS.matcher(message).find()) {
            return "message shows internals: " + message;
        }
        // The key (~30 characters here), a short prefix of the value and the allowed values; never the whole value.
        if (message.length() > 600) {
            return "message of " + message.length() + " characters: " + message.substring(0, 200) + "…";
        }
        return null;
    }

    /** Fixed cases for each kind of damage, then random mixes of them over all four fields. */
    static List<Case> cases(Random random, int randomCases) {
        List<Case> cases = new ArrayList<>();
        Map<String, List<String>> kinds = kinds(random);
        for (String field : FIELDS) {
            kinds.forEach((kind, values) -> {
                for (String value : values) {
                    Map<String, String> metadata = new LinkedHashMap<>(Map.of("prompt", "add a hat"));
                    metadata.put(field, value);
                    cases.add(new Case(field + "/" + kind + "#" + cases.size(), metadata));
                }
            });
        }
        List<String> kindNames = List.copyOf(kinds.keySet());
        for (int i = 0; i < randomCases; i++) {
            Map<String, String> metadata = new LinkedHashMap<>();
            for (String field : FIELDS) {
                if (random.nextInt(3) > 0) {
                    List<String> values = kinds.get(kindNames.get(random.nextInt(kindNames.size())));
                    metadata.put(field, values.get(random.nextInt(values.size())));
                }
            }
            cases.add(new Case("mixed#" + i, metadata));
        }
        return cases;
    }

    /** Malformed (and a few good) values by kind of damage. */
    static Map<String, List<String>> kinds(Random random) {
        Map<String, List<String>> kinds = new LinkedHashMap<>();
        kinds.put("good", List.of("add a hat", "=?UTF-8?B?YWpvdXRlIHVuIGNoYXBlYXUgZCfDqXTDqQ==?=",
                "=?UTF-8?Q?=C3=A9t=C3=A9_bleu?=", "1:1", "1K", "gemini-2.5-flash-image"));
        kinds.put("bad-q", List.of("=?UTF-8?Q?=ZZ?=", "=?UTF-8?Q?=?=", "=?UTF-8?Q?abc=4?=", "=?UTF-8?Q?=G1=C3?=",
                "x =?UTF-8?Q?=zz?= y", "=?UTF-8?Q?" + "=".repeat(1 + random.nextInt(5)) + "?="));
        kinds.put("bad-b", List.of("=?UTF-8?B?w6k*?=", "=?UTF-8?B?A?=", "=?UTF-8?B?====?=", "=?UTF-8?B?-_-_?=",
                "=?UTF-8?B?" + randomAscii(random, 1 + random.nextInt(30)).replaceAll("[?\\s]", "") + "?="));
        kinds.put("unknown-charset", List.of("=?X-NO-SUCH?Q?abc?=", "=?#bad?B?YQ==?=", "=?" + "X".repeat(300) + "?Q?a?=",
                "=?UTF-7?Q?a?=", "=?" + randomAscii(random, 12).replaceAll("[?\\s*]", "") + "x?Q?a?="));
        kinds.put("truncated", List.of("=?UTF-8?Q?abc", "=?UTF-8?B?YWJj", "=?UTF-8?B?YWJj?", "=?UTF-8?Q?",
                "ok =?UTF-8?Q?a?= then =?UTF-8?Q?", "=?UTF-8?B?YWpvdXRlIHVuIGNo".substring(0, 10 + random.nextInt(16))));
        kinds.put("invalid-utf8", List.of(b64Word("UTF-8", new byte[] {(byte) 0xC3}),
                b64Word("UTF-8", new byte[] {(byte) 0xFF, (byte) 0xFE}),
                b64Word("UTF-8", new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}),
                b64Word("UTF-8", new byte[] {(byte) 0xC0, (byte) 0xAF}), b64Word("UTF-8", randomBytes(random, 24)),
                "=?UTF-8?Q?=80=81?="));
        kinds.put("lone-surrogate", List.of(b64Word("UTF-16BE", new byte[] {(byte) 0xD8, 0x00}),
                b64Word("UTF-16LE", new byte[] {0x00, (byte) 0xDC}),
                b64Word("UTF-32BE", new byte[] {0, 0, (byte) 0xD8, 0x00}),
                b64Word("UTF-16", new byte[] {(byte) 0xFE, (byte) 0xFF, (byte) 0xDB, (byte) 0xFF, 0, 0x41}),
                "\ud800", "a\udc00b", "\udbff"));
        kinds.put("control", List.of("\u0000", "a\u0007b", "\r\n", "\t1:1\t", "=?UTF-8?Q?=00=07=1B?=",
                b64Word("UTF-8", "\u0000\u001f\u007f".getBytes(StandardCharsets.UTF_8)), "\u2028\u202e"));
        kinds.put("huge", List.of("a".repeat(2_000), "=?UTF-8?Q?" + "a".repeat(50_000) + "?=",
                b64Word("UTF-8", "é".repeat(30_000).getBytes(StandardCharsets.UTF_8)),
                "x".repeat(1_000_000), "=?UTF-8?Q?" + "=C3=A9".repeat(20_000) + "=ZZ?=",
                "=?=?".repeat(100_000)));
        kinds.put("empty", List.of("", " ", "=?UTF-8?B??=", "=?UTF-8?Q?_?="));
        return kinds;
    }

    static String b64Word(String charset, byte[] bytes) {
        return "=?" + charset + "?B?" + Base64.getEncoder().encodeToString(bytes) + "?=";
    }

    static byte[] randomBytes(Random random, int n) {
        byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        return bytes;
    }

    static String randomAscii(Random random, int n) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            out.append((char) (0x21 + random.nextInt(0x5E)));
        }
        return out.toString();
    }

    @Test
    void theInternalsPatternCatchesWhatItMust() {
        assertTrue(INTERNALS.matcher("failed (java.lang.NumberFormatException)").find());
        assertTrue(INTERNALS.matcher("internal error (IOException)").find());
        assertTrue(INTERNALS.matcher("at imagejobs.shared.X.y(X.java:1)").find());
        assertFalse(INTERNALS.matcher("x-amz-meta-prompt is not readable text: the encoded word '=?UTF-8?Q?=ZZ?='")
                .find());
        assertNotNull(check(Job.queued("R", "t", "m", Job.SOURCE_S3, "k", null, null, null,
                EditTriggerRig.T0, EditTriggerRig.T0), EditTrigger.Outcome.FAILED));
    }
}
