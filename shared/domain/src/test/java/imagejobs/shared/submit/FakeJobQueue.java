package imagejobs.shared.submit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import imagejobs.shared.queue.JobQueue;

/** Records sent job ids; a failure can be injected, as the SQS client would throw it. */
final class FakeJobQueue implements JobQueue {
    final List<String> sent = new ArrayList<>();
    RuntimeException failure;

    @Override
    public synchronized void send(String requestId) {
        if (failure != null) {
            throw failure;
        }
        sent.add(requestId);
    }

    @Override
    public void retryAfter(String receiptHandle, Duration delay) {
        throw new UnsupportedOperationException("not used by submit");
    }
}
