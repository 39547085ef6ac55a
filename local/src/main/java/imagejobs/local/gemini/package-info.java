/**
 * The Gemini simulator: {@code POST /v1beta/models/{model}:generateContent} (or {@code /v1/...}) on 127.0.0.1, answering as Google's
 * Gemini API does, for the local stack and the integration tests. Start it with
 * {@link imagejobs.local.gemini.GeminiSimulator#start(GeminiSimulatorConfig)} or run
 * {@code GeminiSimulator.main} (port from the first argument, {@code IMAGEJOBS_GEMINI_SIM_PORT}, else 8090).
 *
 * <h2>Checks, in Gemini's order</h2>
 * <ol>
 * <li>Body over the request limit (100 MB by default, Gemini's inline limit since 2026): 400.</li>
 * <li>API key, when one is configured ({@code x-goog-api-key}, {@code ?key=}, {@code Authorization: Bearer}):
 *     none is 403 PERMISSION_DENIED, a wrong one 400 INVALID_ARGUMENT with ErrorInfo reason API_KEY_INVALID.</li>
 * <li>Model: a catalog entry whose {@code upstream_model} is the path's model, else 404 NOT_FOUND.</li>
 * <li>Quota ({@link imagejobs.local.gemini.SimQuotas}, when configured): over the model's requests per minute (a
 *     sliding 60-second window of admitted calls; refused calls do not count) or its calls in flight, 429
 *     RESOURCE_EXHAUSTED in Gemini's shape ({@link imagejobs.local.gemini.QuotaErrors}): the message names metric,
 *     limit and model and says "Please retry in …s."; details QuotaFailure (quotaMetric, quotaId
 *     {@code GenerateRequestsPerMinutePerProjectPerModel}, quotaDimensions model and location, quotaValue), Help and
 *     RetryInfo, whose retryDelay is the time until a call would be accepted, rounded up to whole seconds (for
 *     concurrency: until the first call in flight is expected to end, at least 1 s; quota id
 *     {@code GenerateContentConcurrentRequestsPerProjectPerModel}, the simulator's own). No Retry-After header.
 *     Environment: {@code IMAGEJOBS_GEMINI_SIM_RPM} and {@code IMAGEJOBS_GEMINI_SIM_CONCURRENCY}, each
 *     {@code model:limit} entries separated by commas with {@code *} for every model not named, e.g.
 *     {@code *:60,gemini-3-pro-image-preview:10}. Latency ({@link imagejobs.local.gemini.SimLatency},
 *     {@code IMAGEJOBS_GEMINI_SIM_LATENCY}): how long answers take per model, e.g. {@code 5000-15000} ms.</li>
 * <li>Body ({@link imagejobs.local.gemini.SimulatedRequestCheck}): JSON, field names in camelCase or snake_case,
 *     unknown fields, roles, contents, parts, base64, image bytes, MIME types, file URIs, aspect ratio and image
 *     size from the catalog, thought signatures on earlier Gemini 3 model images: 400 INVALID_ARGUMENT.</li>
 * <li>Fault directives in the last user turn ({@link imagejobs.local.gemini.FaultDirectives}).</li>
 * </ol>
 * A call admitted by the quota counts as in flight until its answer is written or its connection dropped
 * ({@code [sim:delay]}, {@code [sim:slow-body]} and {@code [sim:hang]} calls included).
 *
 * <h2>Fault directives</h2>
 * {@code [sim:status=N]} (400, 401, 403, 404, 409, 429, 499, 500, 501, 502, 503, 504),
 * {@code [sim:retry-after=S]}, {@code [sim:delay=MS]}, {@code [sim:slow-body=MS]}, {@code [sim:hang]},
 * {@code [sim:finish=REASON]}, {@code [sim:block=REASON]}, {@code [sim:no-image]}, {@code [sim:malformed]},
 * {@code [sim:fail-times=N]}, {@code [sim:images=N]}, {@code [sim:noise]}. An unknown or malformed marker is a 400
 * naming it. {@code [sim:status=429]} answers the same quota body (limit 10, retry delay 2 s unless
 * {@code [sim:retry-after=S]}).
 *
 * <h2>Control endpoints</h2>
 * {@code GET /__sim/health}, {@code GET /__sim/requests} (oldest first), {@code DELETE /__sim/requests},
 * {@code GET /__sim/stats} (since when, and per model: {@code calls} received, {@code answered_429} in all,
 * {@code throttled_rpm} and {@code throttled_concurrency} by the quotas, {@code in_flight}, {@code peak_in_flight},
 * {@code window_count} (calls in the current 60-second window), {@code rpm_limit}, {@code concurrency_limit}) and
 * {@code POST /__sim/stats/reset} (counters to zero, the peak to what is in flight, the quota windows emptied).
 */
package imagejobs.local.gemini;
