package imagejobs.testing;

import java.util.ArrayList;
import java.util.List;

import imagejobs.shared.webhooks.WebhookMessage;
import imagejobs.shared.webhooks.WebhookQueue;

/** The fake webhook queue against the contract SqsWebhookQueue also passes (local module). */
class InMemoryWebhookQueueContractTest extends WebhookQueueContract {
    private InMemoryWebhookQueue queue;

    @Override
    protected WebhookQueue createQueue() {
        queue = new InMemoryWebhookQueue();
        return queue;
    }

    @Override
    protected List<WebhookMessage> received(int expected) {
        List<WebhookMessage> got = new ArrayList<>();
        for (InMemoryWebhookQueue.Sent s = queue.take(); s != null; s = queue.take()) {
            got.add(s.message());
        }
        return got;
    }

    @Override
    protected List<WebhookMessage> deadLettered(int expected) {
        return List.copyOf(queue.deadLetters);
    }
}
