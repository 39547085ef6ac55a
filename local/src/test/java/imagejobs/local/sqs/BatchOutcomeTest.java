package imagejobs.local.sqs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import imagejobs.local.runtime.InvocationResult;

class BatchOutcomeTest {
    private static final List<String> IDS = List.of("a", "b", "c");

    private static InvocationResult ok(String payload) {
        return new InvocationResult("r", payload, false, null, false, false, false, Duration.ZERO);
    }

    private static Set<String> failed(InvocationResult result, boolean report) {
        return BatchOutcome.decide(result, IDS, report).failedMessageIds();
    }

    @Test
    void reportedFailuresOnly() {
        assertEquals(Set.of("b"), failed(ok("{\"batchItemFailures\":[{\"itemIdentifier\":\"b\"}]}"), true));
    }

    @Test
    void completeSuccessShapes() {
        for (String payload : List.of("null", "{}", "{\"batchItemFailures\":[]}", "{\"batchItemFailures\":null}")) {
            assertEquals(Set.of(), failed(ok(payload), true), payload);
        }
    }

    @Test
    void malformedResponsesFailTheBatch() {
        for (String payload : List.of("{\"batchItemFailures\":[{\"itemIdentifier\":\"\"}]}",
                "{\"batchItemFailures\":[{\"itemIdentifier\":null}]}",
                "{\"batchItemFailures\":[{\"id\":\"a\"}]}",
                "{\"batchItemFailures\":[{\"itemIdentifier\":\"zzz\"}]}",
                "\"a string\"", "not json")) {
            assertEquals(Set.copyOf(IDS), failed(ok(payload), true), payload);
        }
    }

    @Test
    void functionErrorsFailEverythingAndNoReportingMeansAllOrNothing() {
        InvocationResult error = new InvocationResult("r", "{}", true, "Sandbox.Timedout", true, false, false,
                Duration.ZERO);
        assertEquals(Set.copyOf(IDS), failed(error, true));
        assertEquals(Set.copyOf(IDS), failed(error, false));
        assertEquals(Set.of(), failed(ok("{\"batchItemFailures\":[{\"itemIdentifier\":\"b\"}]}"), false));
    }
}
