/**
 * Webhooks: a job's subscription (URL and events, read at intake by {@link imagejobs.shared.webhooks.WebhookFields}),
 * the events a status change fires ({@link imagejobs.shared.webhooks.WebhookEvents}), the delivery queue's message,
 * the retry schedule, each tenant's signing secrets (sealed at rest) and the Standard Webhooks signature. No AWS SDK
 * and no HTTP client here: the sender, the sealer's key and the stores are ports with adapters in
 * {@code imagejobs.adapters}.
 */
package imagejobs.shared.webhooks;
