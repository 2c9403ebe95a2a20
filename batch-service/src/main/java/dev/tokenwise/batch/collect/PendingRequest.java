package dev.tokenwise.batch.collect;

import dev.tokenwise.batch.intake.Arm;
import java.time.Instant;
import java.util.UUID;

/** A submitted request waiting for its line's result. */
record PendingRequest(
    UUID id,
    String tenant,
    String app,
    String route,
    String provider,
    String model,
    String requestedModel,
    String clientFormat,
    String body,
    Instant deadline,
    int attempts,
    Instant createdAt,
    String requestId,
    boolean hasWebhook,
    String endUser,
    String conversationId,
    Arm arm) {}
