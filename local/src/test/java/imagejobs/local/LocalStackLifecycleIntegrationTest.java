package imagejobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import imagejobs.local.emulators.EmulatorPorts;
import imagejobs.local.emulators.Ports;

/** Closing a stack stops every server and thread it started and frees every port. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LocalStackLifecycleIntegrationTest {

    /**
     * The live threads a stack names as its own, except {@code others}: those of stacks this test did not start
     * (the end-to-end tests' shared stack runs until the JVM exits and may be up already).
     */
    private static Set<String> stackThreads(Set<Thread> others) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).filter(t -> !others.contains(t))
                .map(Thread::getName)
                .filter(n -> n.startsWith("lambda-") || n.startsWith("apigw-") || n.startsWith("sqs-")
                        || n.startsWith("emulator-start"))
                .collect(Collectors.toSet());
    }

    /** Non-daemon threads keep a JVM alive after main returns: ./run-local must not leave any behind. */
    private static Set<String> nonDaemonThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && !t.isDaemon())
                .map(t -> t.getName() + "#" + t.getId()).collect(Collectors.toSet());
    }

    @Test
    void closeStopsEverything() {
        Set<String> before = nonDaemonThreads();
        Set<Thread> otherStacks = Set.copyOf(Thread.getAllStackTraces().keySet());
        LocalStack stack = LocalStack.start(FixtureStack.config().build());
        List<Integer> ports = List.of(stack.apiUrl().getPort(), stack.emulators().dynamoDb().port(),
                stack.emulators().sqs().port(), stack.emulators().s3().port());
        stack.function("EchoFunction").invoke("{\"rawPath\":\"/echo/x\",\"requestContext\":{}}");
        assertTrue(stackThreads(otherStacks).stream().anyMatch(n -> n.startsWith("sqs-")), "pollers run");

        stack.close();
        stack.close(); // idempotent

        Deadline.await(java.time.Duration.ofSeconds(10), "stack threads to end " + stackThreads(otherStacks),
                () -> stackThreads(otherStacks).isEmpty());
        Deadline.await(java.time.Duration.ofSeconds(10), "non-daemon threads to end", () -> {
            Set<String> left = nonDaemonThreads();
            left.removeAll(before);
            if (!left.isEmpty()) {
                Thread.getAllStackTraces().forEach((t, trace) -> {
                    if (left.contains(t.getName() + "#" + t.getId())) {
                        System.out.println("still running: " + t + " " + java.util.Arrays.toString(trace));
                    }
                });
            }
            return left.isEmpty();
        });
        for (int port : ports) {
            Ports.ensureFree(port, "port " + port);
        }
        // The same fixed ports can be used again at once.
        LocalStack again = LocalStack.start(FixtureStack.config().startSqsPollers(false)
                .ports(new EmulatorPorts(ports.get(0), ports.get(3), ports.get(1), ports.get(2), 0)).build());
        try {
            assertEquals(ports.get(0), again.apiUrl().getPort());
        } finally {
            again.close();
        }
    }
}
