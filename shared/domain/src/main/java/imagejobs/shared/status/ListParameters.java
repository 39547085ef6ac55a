package imagejobs.shared.status;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import imagejobs.shared.errors.Rejection;
import imagejobs.shared.jobs.JobStatus;
import imagejobs.shared.validation.Utf16;

/**
 * The query string of {@code GET /v1/requests}: {@code status} (one or several, repeated or comma-separated:
 * API Gateway's HTTP API joins repeated values with commas), {@code model}, {@code created_after},
 * {@code created_before} (ISO 8601 with a zone, or a date meaning midnight UTC; both exclusive), {@code limit}
 * (1–100, default 20) and {@code cursor}. Every mistake is a 400 that names the parameter and what is allowed;
 * an unknown parameter is one too, since a misspelt filter would otherwise silently list everything. An empty
 * value counts as absent.
 */
public final class ListParameters {
    public static final int DEFAULT_LIMIT = 20;
    public static final int MAX_LIMIT = 100;
    public static final String INVALID_PARAMETER = "INVALID_PARAMETER";

    static final String STATUS = "status";
    static final String MODEL = "model";
    static final String CREATED_AFTER = "created_after";
    static final String CREATED_BEFORE = "created_before";
    static final String LIMIT = "limit";
    static final String CURSOR = "cursor";
    private static final Set<String> KNOWN = Set.of(STATUS, MODEL, CREATED_AFTER, CREATED_BEFORE, LIMIT, CURSOR);
    private static final String KNOWN_LIST = "status, model, created_after, created_before, limit, cursor";

    private static final Pattern MODEL_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,9}");
    /** '+' in a query string may arrive decoded as a space: "…T10:00:00 02:00" means +02:00. */
    private static final Pattern SPACE_FOR_PLUS = Pattern.compile("(.*T.*) ([0-9]{2}(:?[0-9]{2})?)$");
    /** created_at is stored as a fixed-width string; outside these years it would no longer sort as time. */
    private static final Instant EARLIEST = Instant.parse("1970-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999Z");
    /** 2026-01-31T23:59:59.123456789+01:00 is 35 characters. */
    static final int MAX_TIME_CHARS = 64;
    private static final String TIME_FORMAT = "use ISO 8601 with a zone, e.g. 2026-01-31T23:59:59Z, "
            + "2026-01-31T23:59:59.500+01:00 or a date such as 2026-01-31 (midnight UTC)";

    private ListParameters() {
    }

    public static ListRequest parse(Map<String, String> query) {
        Map<String, String> q = query == null ? Map.of() : query;
        Set<String> unknown = new TreeSet<>(q.keySet());
        unknown.removeAll(KNOWN);
        if (!unknown.isEmpty()) {
            String name = unknown.iterator().next();
            throw invalid(echo(name), "unknown query parameter '" + echo(name) + "'; allowed: " + KNOWN_LIST);
        }
        Set<JobStatus> statuses = statuses(value(q, STATUS));
        String model = model(value(q, MODEL));
        Instant after = time(CREATED_AFTER, value(q, CREATED_AFTER));
        Instant before = time(CREATED_BEFORE, value(q, CREATED_BEFORE));
        if (after != null && before != null && !after.isBefore(before)) {
            throw invalid(CREATED_AFTER, "created_after (" + after + ") must be earlier than created_before ("
                    + before + ")");
        }
        int limit = limit(value(q, LIMIT));
        return new ListRequest(new ListFilters(statuses, model, after, before), limit, value(q, CURSOR));
    }

    private static String value(Map<String, String> q, String name) {
        String v = q.get(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    private static Set<JobStatus> statuses(String raw) {
        Set<JobStatus> statuses = EnumSet.noneOf(JobStatus.class);
        if (raw == null) {
            return statuses;
        }
        for (String part : raw.split(",")) {
            String wire = part.trim().toLowerCase(Locale.ROOT);
            if (wire.isEmpty()) {
                continue;
            }
            statuses.add(JobStatus.fromWire(wire).orElseThrow(() -> invalid(STATUS, "status '" + echo(part.trim())
                    + "' is not one of: " + Arrays.stream(JobStatus.values()).map(JobStatus::wire)
                    .collect(Collectors.joining(", ")) + " (several: status=queued,processing)")));
        }
        return statuses;
    }

    private static String model(String raw) {
        if (raw != null && !MODEL_ID.matcher(raw).matches()) {
            throw invalid(MODEL, "model '" + echo(raw) + "' is not a model id (letters, digits, '.', '_' and '-', "
                    + "at most 100 characters), e.g. gemini-2.5-flash-image");
        }
        return raw;
    }

    private static Instant time(String name, String raw) {
        if (raw == null) {
            return null;
        }
        if (raw.length() > MAX_TIME_CHARS) {
            // Checked before any pattern runs: SPACE_FOR_PLUS backtracks quadratically on long text of 'T's.
            throw invalid(name, name + " '" + echo(raw) + "' is not a timestamp (" + raw.length()
                    + " characters; a timestamp has at most " + MAX_TIME_CHARS + "); " + TIME_FORMAT);
        }
        var spaced = SPACE_FOR_PLUS.matcher(raw);
        String text = spaced.matches() ? spaced.group(1) + "+" + spaced.group(2) : raw;
        Instant instant;
        try {
            instant = OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException notDateTime) {
            try {
                instant = LocalDate.parse(text, DateTimeFormatter.ISO_LOCAL_DATE).atStartOfDay(ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException notDate) {
                throw invalid(name, name + " '" + echo(raw) + "' is not a timestamp; " + TIME_FORMAT);
            }
        }
        if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
            throw invalid(name, name + " '" + echo(raw) + "' is out of range: years 1970 to 9999");
        }
        return instant;
    }

    private static int limit(String raw) {
        if (raw == null) {
            return DEFAULT_LIMIT;
        }
        int limit = DIGITS.matcher(raw).matches() ? Integer.parseInt(raw) : -1;
        if (limit < 1 || limit > MAX_LIMIT) {
            throw invalid(LIMIT, "limit must be an integer from 1 to " + MAX_LIMIT + ", got '" + echo(raw) + "'");
        }
        return limit;
    }

    /** User input in a message stays short (it is echoed back as JSON, never interpreted), and valid Unicode. */
    private static String echo(String raw) {
        return Utf16.prefix(raw, 64);
    }

    private static Rejection invalid(String field, String message) {
        return Rejection.invalid(INVALID_PARAMETER, message, field);
    }
}
