package dev.tokenwise.router.usage;

import dev.tokenwise.common.openai.OpenAiUsage;
import dev.tokenwise.common.translate.NormalizedUsage;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.router.request.RandomIds;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** Builds usage events from what the router knows about one answered request. */
public final class UsageEvents {

  private UsageEvents() {}

  /**
   * What the request was, independent of how it was answered.
   *
   * @param endUser the client's raw user identifier; only its hash leaves the router
   * @param conversationId the conversation as {@link Conversations} resolved it (already a
   *     tenant-scoped hash), or null
   * @param experiment the route experiment the request took part in, or null
   * @param arm the experiment's arm that served it, or null
   * @param routerVersion the learned routing model's version that chose the tier, or null
   */
  public record Request(
      String requestId,
      String tenant,
      String app,
      String endUser,
      String route,
      String requestedModel,
      Long requestedMaxTokens,
      Long appliedMaxTokens,
      long startedNanos,
      String conversationId,
      String experiment,
      String arm,
      String routerVersion) {

    /** A request outside any experiment and chosen by no learned routing model. */
    public Request(
        String requestId,
        String tenant,
        String app,
        String endUser,
        String route,
        String requestedModel,
        Long requestedMaxTokens,
        Long appliedMaxTokens,
        long startedNanos,
        String conversationId) {
      this(
          requestId,
          tenant,
          app,
          endUser,
          route,
          requestedModel,
          requestedMaxTokens,
          appliedMaxTokens,
          startedNanos,
          conversationId,
          null,
          null,
          null);
    }

    /** A request attributed to no conversation (shadow calls, embeddings). */
    public Request(
        String requestId,
        String tenant,
        String app,
        String endUser,
        String route,
        String requestedModel,
        Long requestedMaxTokens,
        Long appliedMaxTokens,
        long startedNanos) {
      this(
          requestId,
          tenant,
          app,
          endUser,
          route,
          requestedModel,
          requestedMaxTokens,
          appliedMaxTokens,
          startedNanos,
          null);
    }

    /** The end user as it leaves the router (batch-service's intake, usage events). */
    public String hashedEndUser() {
      return hashEndUser(tenant, endUser);
    }
  }

  public static UsageEvent answered(
      Request request,
      String servedModel,
      String provider,
      UsageEvent.Mode mode,
      NormalizedUsage tokens,
      UsageEvent.Status status,
      String finishReason) {
    return new UsageEvent(
        UsageEvent.SCHEMA_VERSION,
        RandomIds.uuid(),
        Instant.now(),
        request.requestId(),
        request.tenant(),
        request.app(),
        hashEndUser(request.tenant(), request.endUser()),
        request.conversationId(),
        request.route(),
        request.requestedModel(),
        servedModel,
        provider,
        mode,
        tokens.inputTokens(),
        tokens.cachedInputTokens(),
        new UsageEvent.CacheWriteTokens(tokens.cacheWrite5m(), tokens.cacheWrite1h()),
        tokens.outputTokens(),
        tokens.reasoningTokens(),
        request.requestedMaxTokens(),
        request.appliedMaxTokens(),
        (System.nanoTime() - request.startedNanos()) / 1_000_000,
        status,
        finishReason,
        request.experiment(),
        request.arm(),
        request.routerVersion());
  }

  /**
   * The normalised usage of an OpenAI {@code chat.completion}'s {@code usage} object. A missing or
   * unreadable usage counts as zero tokens rather than failing an answer the client already has.
   */
  public static NormalizedUsage openAiUsage(ObjectMapper json, JsonNode usage) {
    if (usage == null || !usage.isObject()) {
      return NormalizedUsage.ZERO;
    }
    try {
      return NormalizedUsage.from(json.treeToValue(usage, OpenAiUsage.class));
    } catch (JacksonException | IllegalArgumentException e) {
      return NormalizedUsage.ZERO;
    }
  }

  /**
   * The end user as a tenant-scoped SHA-256 (hex), so cost-service can count users without ever
   * holding their identifiers, and one tenant's users never collide with another's.
   */
  static String hashEndUser(String tenant, String endUser) {
    if (endUser == null) {
      return null;
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest((tenant + "\u0000" + endUser).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
