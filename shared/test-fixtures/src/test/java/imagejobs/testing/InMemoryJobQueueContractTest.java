package imagejobs.testing;

import java.util.List;

import imagejobs.shared.queue.JobQueue;
import imagejobs.testing.InMemoryJobQueue.Received;

/** The fake queue against the contract SqsJobQueue also passes (local module). */
class InMemoryJobQueueContractTest extends JobQueueContract {
    @Override
    protected JobQueue createQueue() {
        return new InMemoryJobQueue();
    }

    @Override
    protected List<Received> receive(JobQueue queue, int max) {
        return ((InMemoryJobQueue) queue).receive(max);
    }
}
