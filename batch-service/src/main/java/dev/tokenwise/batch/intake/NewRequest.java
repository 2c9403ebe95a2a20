package dev.tokenwise.batch.intake;

import dev.tokenwise.batch.provider.Provider;
import java.net.URI;
import java.time.Instant;

/**
 * A validated deferred request, ready to store.
 *
 * @param body the request in the provider's format, model set, streaming removed
 * @param cacheRequest the OpenAI chat request cache-service keys this request on (the client's,
 *     model set, streaming removed), or null when the client wrote Anthropic's format, which
 *     cache-service does not hold
 * @param cachePolicy the cache-service {@code policy} object the router sends for the request's
 *     route (JSON), or null
 * @param endUser the end user as the router attributed it (a tenant-scoped hash), or null
 * @param conversationId the conversation as the router attributed it, or null
 * @param arm the experiment arm and routing model the router chose it with
 */
public record NewRequest(
    String tenant,
    String app,
    String route,
    Provider provider,
    String model,
    String requestedModel,
    ClientFormat clientFormat,
    String body,
    Instant deadline,
    URI webhookUrl,
    String requestId,
    String teamBatchId,
    String teamCustomId,
    String cacheRequest,
    String cachePolicy,
    String endUser,
    String conversationId,
    Arm arm) {}
