package dev.tokenwise.common.usage;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One answered request, as facts rather than money. cost-service prices it with the catalog version
 * in force at {@link #occurredAt()}.
 *
 * <p>Token counts are normalised: {@code inputTokens} is all input, cached reads and cache writes
 * included (OpenTelemetry GenAI's convention and OpenAI's {@code prompt_tokens}); {@code
 * cachedInputTokens} and {@code cacheWriteTokens} are subsets of it.
 *
 * <p>Fields added after schema version 1 was first published are optional and null when absent, so
 * events written before them still read, and readers that predate them ignore them: {@code
 * experiment} and {@code arm} (the route experiment and the arm that served the request) and {@code
 * routerVersion} (the version of the learned routing model that chose the tier).
 *
 * @param experiment the route experiment the request took part in, or null
 * @param arm the experiment's arm that served the request, or null
 * @param routerVersion the learned routing model's version that chose the tier, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UsageEvent(
    int schemaVersion,
    UUID eventId,
    Instant occurredAt,
    String requestId,
    String tenant,
    String app,
    String endUser,
    String conversationId,
    String route,
    String requestedModel,
    String servedModel,
    String provider,
    Mode mode,
    long inputTokens,
    long cachedInputTokens,
    CacheWriteTokens cacheWriteTokens,
    long outputTokens,
    long reasoningTokens,
    Long requestedMaxTokens,
    Long appliedMaxTokens,
    long latencyMs,
    Status status,
    String finishReason,
    String experiment,
    String arm,
    String routerVersion) {

  /** The JSON form's version; bump it and keep readers for the old one when the shape changes. */
  public static final int SCHEMA_VERSION = 1;

  public UsageEvent {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(occurredAt, "occurredAt");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(status, "status");
    if (cacheWriteTokens == null) {
      cacheWriteTokens = CacheWriteTokens.NONE;
    }
    if (inputTokens < 0 || cachedInputTokens < 0 || outputTokens < 0 || reasoningTokens < 0) {
      throw new IllegalArgumentException("token counts must not be negative");
    }
    if (cachedInputTokens + cacheWriteTokens.total() > inputTokens) {
      throw new IllegalArgumentException(
          "cachedInputTokens + cacheWriteTokens must not exceed inputTokens (input is normalised to"
              + " include cached tokens)");
    }
  }

  /** An event outside any experiment, without a routing-model version. */
  public UsageEvent(
      int schemaVersion,
      UUID eventId,
      Instant occurredAt,
      String requestId,
      String tenant,
      String app,
      String endUser,
      String conversationId,
      String route,
      String requestedModel,
      String servedModel,
      String provider,
      Mode mode,
      long inputTokens,
      long cachedInputTokens,
      CacheWriteTokens cacheWriteTokens,
      long outputTokens,
      long reasoningTokens,
      Long requestedMaxTokens,
      Long appliedMaxTokens,
      long latencyMs,
      Status status,
      String finishReason) {
    this(
        schemaVersion,
        eventId,
        occurredAt,
        requestId,
        tenant,
        app,
        endUser,
        conversationId,
        route,
        requestedModel,
        servedModel,
        provider,
        mode,
        inputTokens,
        cachedInputTokens,
        cacheWriteTokens,
        outputTokens,
        reasoningTokens,
        requestedMaxTokens,
        appliedMaxTokens,
        latencyMs,
        status,
        finishReason,
        null,
        null,
        null);
  }

  /**
   * Whether the request failed without an answer and without usage (refused before any provider
   * call, e.g. an unknown model's 404): a failed request, not a request with 0 tokens. An error
   * after the provider generated tokens (a stream cut mid-way) is billed usage and does not count.
   */
  public boolean unanswered() {
    return status == Status.ERROR && inputTokens == 0 && outputTokens == 0;
  }

  /** How the request was answered. Wire values are lower-case with dashes. */
  public enum Mode {
    @com.fasterxml.jackson.annotation.JsonProperty("sync")
    SYNC,
    @com.fasterxml.jackson.annotation.JsonProperty("stream")
    STREAM,
    @com.fasterxml.jackson.annotation.JsonProperty("batch")
    BATCH,
    @com.fasterxml.jackson.annotation.JsonProperty("cache-exact")
    CACHE_EXACT,
    @com.fasterxml.jackson.annotation.JsonProperty("cache-semantic")
    CACHE_SEMANTIC;

    public boolean isCacheHit() {
      return this == CACHE_EXACT || this == CACHE_SEMANTIC;
    }
  }

  /** Outcome of the request as the client saw it. */
  public enum Status {
    @com.fasterxml.jackson.annotation.JsonProperty("ok")
    OK,
    @com.fasterxml.jackson.annotation.JsonProperty("error")
    ERROR,
    /** The client went away mid-stream; the event counts what was generated. */
    @com.fasterxml.jackson.annotation.JsonProperty("client-disconnected")
    CLIENT_DISCONNECTED
  }

  /**
   * Cache-write tokens by time-to-live. Anthropic bills 5-minute writes at 1.25x and 1-hour writes
   * at 2x base input; OpenAI's {@code cache_write_tokens} are reported as 5-minute writes.
   */
  public record CacheWriteTokens(long ttl5m, long ttl1h) {
    public static final CacheWriteTokens NONE = new CacheWriteTokens(0, 0);

    public CacheWriteTokens {
      if (ttl5m < 0 || ttl1h < 0) {
        throw new IllegalArgumentException("cache write tokens must not be negative");
      }
    }

    public long total() {
      return ttl5m + ttl1h;
    }
  }
}
