package imagejobs.shared.webhooks;

import com.fasterxml.jackson.databind.node.ObjectNode;

import imagejobs.shared.json.Json;

/**
 * {@code GET /v1/webhooks/default/secret}: the caller's tenant's current signing secret, made now if it has none
 * (Replicate's route and answer, {@code {"key": "whsec_..."}}). The previous secret during a rotation's grace period
 * is not shown: receivers verify with the new one, and the old one still verifies while it signs too.
 */
public final class WebhookSecretQueries {
    private final TenantWebhookSecrets secrets;

    public WebhookSecretQueries(TenantWebhookSecrets secrets) {
        this.secrets = secrets;
    }

    public ObjectNode secret(String tenant) {
        return Json.object().put("key", secrets.current(tenant).reveal());
    }
}
