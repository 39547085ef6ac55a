package imagejobs.shared.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import imagejobs.shared.errors.Rejection;
import imagejobs.shared.jobs.JobStatus;

class ListParametersTest {

    @Test
    void noParametersMeansEverythingTwentyAtATime() {
        ListRequest request = ListParameters.parse(Map.of());
        assertEquals(ListFilters.NONE, request.filters());
        assertEquals(20, request.limit());
        assertNull(request.cursor());
        assertEquals(request, ListParameters.parse(null));
    }

    @Test
    void emptyValuesCountAsAbsent() {
        ListRequest request = ListParameters.parse(Map.of("status", "", "model", " ", "created_after", "",
                "created_before", "", "limit", "", "cursor", ""));
        assertEquals(ListFilters.NONE, request.filters());
        assertEquals(20, request.limit());
        assertNull(request.cursor());
    }

    @Test
    void allFiltersTogether() {
        ListRequest request = ListParameters.parse(Map.of("status", "success", "model", "gemini-3-pro-image-preview",
                "created_after", "2026-11-01T00:00:00Z", "created_before", "2026-11-02T00:00:00.5Z", "limit", "100",
                "cursor", "abc"));
        assertEquals(new ListFilters(Set.of(JobStatus.SUCCESS), "gemini-3-pro-image-preview",
                Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-11-02T00:00:00.500Z")), request.filters());
        assertEquals(100, request.limit());
        assertEquals("abc", request.cursor());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "queued|QUEUED",
            "queued,failed|QUEUED,FAILED",
            "failed,queued|QUEUED,FAILED",
            "' queued , failed '|QUEUED,FAILED",
            "queued,queued|QUEUED",
            "queued,,failed,|QUEUED,FAILED",
            "QUEUED,Success|QUEUED,SUCCESS",
            "queued,processing,success,failed,cancelled|QUEUED,PROCESSING,SUCCESS,FAILED,CANCELLED"})
    void statusTakesOneOrSeveralValues(String raw, String expected) {
        Set<JobStatus> statuses = EnumSet.noneOf(JobStatus.class);
        for (String s : expected.split(",")) {
            statuses.add(JobStatus.valueOf(s));
        }
        assertEquals(statuses, ListParameters.parse(Map.of("status", raw)).filters().statuses());
    }

    @Test
    void repeatedStatusAsApiGatewayDeliversIt() {
        // ?status=queued&status=failed reaches the function as "queued,failed".
        assertEquals(EnumSet.of(JobStatus.QUEUED, JobStatus.FAILED),
                ListParameters.parse(Map.of("status", "queued,failed")).filters().statuses());
    }

    @ParameterizedTest
    @ValueSource(strings = {"bogus", "queued,bogus", "done", "succeeded", "queued;failed"})
    void unknownStatusNamesTheAllowedValues(String raw) {
        Rejection e = invalid(Map.of("status", raw), "status");
        assertTrue(e.getMessage().contains("queued, processing, success, failed, cancelled"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "101", "abc", "-1", "1.5", "1e2", "99999999999", "+5", "0x10", "١٠",
            "99999999999999999999", "1e999999999", "Infinity", "NaN", "1_0"})
    void limitOutsideOneToAHundredIsRejected(String raw) {
        Rejection e = invalid(Map.of("limit", raw), "limit");
        assertTrue(e.getMessage().contains("from 1 to 100"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 20, 100})
    void limitInRange(int limit) {
        assertEquals(limit, ListParameters.parse(Map.of("limit", String.valueOf(limit))).limit());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "2026-11-23T08:00:00Z|2026-11-23T08:00:00Z",
            "2026-11-23T08:00:00.123456Z|2026-11-23T08:00:00.123456Z",
            "2026-11-23T09:00:00+01:00|2026-11-23T08:00:00Z",
            "2026-11-23T09:00:00 01:00|2026-11-23T08:00:00Z",
            "2026-11-23T03:00:00-05:00|2026-11-23T08:00:00Z",
            "2026-11-23|2026-11-23T00:00:00Z"})
    void timesInIso8601(String raw, String expected) {
        assertEquals(Instant.parse(expected),
                ListParameters.parse(Map.of("created_after", raw)).filters().createdAfter());
        assertEquals(Instant.parse(expected),
                ListParameters.parse(Map.of("created_before", raw)).filters().createdBefore());
    }

    @ParameterizedTest
    @ValueSource(strings = {"yesterday", "2026-13-01", "2026-11-23T08:00:00", "1732348800", "23/11/2026",
            "2026-11-23T25:00:00Z", "2026-11-23 08:00:00Z"})
    void unparseableTimesNameTheFormat(String raw) {
        for (String name : new String[] {"created_after", "created_before"}) {
            Rejection e = invalid(Map.of(name, raw), name);
            assertTrue(e.getMessage().contains("ISO 8601") && e.getMessage().contains("2026-01-31T23:59:59Z"),
                    e.getMessage());
        }
    }

    @Test
    void timesBeforeTheEpochAreOutOfRange() {
        Rejection e = invalid(Map.of("created_after", "1969-12-31T23:59:59Z"), "created_after");
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"2026-11-23T08:00:00Z,2026-11-23T08:00:00Z", "2026-11-23T09:00:00Z,2026-11-23T08:00:00Z",
            "2026-11-23T09:00:00+01:00,2026-11-23T08:00:00Z"})
    void afterMustBeEarlierThanBefore(String after, String before) {
        Rejection e = invalid(Map.of("created_after", after, "created_before", before), "created_after");
        assertTrue(e.getMessage().contains("must be earlier than created_before"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"gemini 2.5", "-gemini", "gemini/../x", "gemini%2F", "gemini\u00e9"})
    void malformedModelIsRejected(String raw) {
        invalid(Map.of("model", raw), "model");
    }

    @Test
    void overlongModelIsRejected() {
        invalid(Map.of("model", "a".repeat(101)), "model");
    }

    @Test
    void anUnknownModelIdIsAFilterNotAnError() {
        // Jobs keep the model they ran on even after it leaves the catalog, so any well-formed id may be listed.
        assertEquals("gemini-1.0-retired", ListParameters.parse(Map.of("model", "gemini-1.0-retired")).filters().model());
    }

    @Test
    void unknownParametersAreRejectedByName() {
        Map<String, String> query = new HashMap<>();
        query.put("stauts", "failed");
        Rejection e = invalid(query, "stauts");
        assertTrue(e.getMessage().contains("allowed: status, model, created_after, created_before, limit, cursor"),
                e.getMessage());
    }

    @Test
    void aLongTimestampIsRefusedBeforeAnyPatternRunsAndEchoedShort() {
        // The +-for-space pattern backtracks quadratically; 100,000 'T's would take seconds through it.
        String raw = "T".repeat(100_000) + " 02:00";
        Rejection e = invalid(Map.of("created_after", raw), "created_after");
        assertTrue(e.getMessage().startsWith("created_after '" + "T".repeat(64) + "…' is not a timestamp (100006"
                + " characters; a timestamp has at most 64)"), e.getMessage());
        assertTrue(e.getMessage().length() < 300, e.getMessage());
    }

    @Test
    void echoesAreShortAndValidUnicode() {
        String name = "x".repeat(63) + "\uD83D\uDE00" + "y".repeat(10_000);
        Rejection unknown = invalid(Map.of(name, "1"), "x".repeat(63) + "…");
        assertTrue(unknown.getMessage().length() < 200, unknown.getMessage());
        Rejection status = invalid(Map.of("status", "\uDC00bogus"), "status");
        assertTrue(status.getMessage().startsWith("status '\uFFFDbogus' is not one of"), status.getMessage());
    }

    private static Rejection invalid(Map<String, String> query, String field) {
        Rejection e = assertThrows(Rejection.class, () -> ListParameters.parse(query), query.toString());
        assertEquals(Rejection.Kind.INVALID, e.kind());
        assertEquals("INVALID_PARAMETER", e.code());
        assertEquals(field, e.field());
        return e;
    }
}
