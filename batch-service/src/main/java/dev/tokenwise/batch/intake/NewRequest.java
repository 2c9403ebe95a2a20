package dev.tokenwise.batch.intake;

import dev.tokenwise.batch.provider.Provider;
import java.net.URI;
import java.time.Instant;

/**
 * A validated deferred request, ready to store.
 *
 * @param body the request in the provider's format, model set, streaming removed
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
    String teamCustomId) {}
