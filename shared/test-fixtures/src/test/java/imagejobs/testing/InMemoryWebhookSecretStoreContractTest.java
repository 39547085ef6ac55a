package imagejobs.testing;

import imagejobs.shared.webhooks.WebhookSecretStore;

/** The fake webhook secrets table against the contract DynamoWebhookSecretStore also passes (local module). */
class InMemoryWebhookSecretStoreContractTest extends WebhookSecretStoreContract {
    @Override
    protected WebhookSecretStore createStore() {
        return new InMemoryWebhookSecretStore();
    }
}
