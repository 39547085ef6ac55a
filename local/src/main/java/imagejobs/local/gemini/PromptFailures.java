package imagejobs.local.gemini;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts calls per prompt text for {@code [sim:fail-times=N]}: the first N calls with the same prompt fail,
 * later ones succeed, which is how a retrying worker is tested end to end.
 */
final class PromptFailures {
    /** Distinct prompts remembered; beyond this the counts restart rather than grow without end. */
    private static final int MAX_PROMPTS = 10_000;

    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    /** Counts this call and says whether it is one of the first {@code times} for the prompt. */
    boolean shouldFail(String prompt, int times) {
        if (calls.size() >= MAX_PROMPTS && !calls.containsKey(prompt)) {
            calls.clear();
        }
        return calls.computeIfAbsent(prompt, p -> new AtomicInteger()).incrementAndGet() <= times;
    }

    void reset() {
        calls.clear();
    }
}
