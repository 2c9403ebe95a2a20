package dev.tokenwise.batch.collect;

import dev.tokenwise.common.anthropic.AnthropicMessageResponse;
import dev.tokenwise.common.openai.OpenAiChatResponse;
import dev.tokenwise.common.translate.NormalizedUsage;
import dev.tokenwise.common.translate.ResponseTranslator;
import dev.tokenwise.common.usage.UsageEvent;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns a provider's answer into what the client gets (its own format) and what cost-service gets
 * (a usage event with normalised token counts: Anthropic's cache reads and writes are added to its
 * {@code input_tokens}: Anthropic reports cache reads and writes apart from input_tokens).
 */
@Component
public class Answers {

  /** A translated answer and its usage event. */
  record Translated(String result, String usageEvent) {}

  private final JsonMapper json;
  private final ResponseTranslator translator;
  private final Clock clock;

  Answers(JsonMapper json, Clock clock) {
    this.json = json;
    this.clock = clock;
    this.translator = new ResponseTranslator(clock);
  }

  Translated succeeded(PendingRequest request, JsonNode providerBody, UsageEvent.Mode mode) {
    String result;
    NormalizedUsage usage;
    String servedModel;
    String finishReason;
    if (request.provider().equals("openai")) {
      OpenAiChatResponse response = json.treeToValue(providerBody, OpenAiChatResponse.class);
      usage = NormalizedUsage.from(response.usage());
      servedModel = response.model();
      finishReason = response.finishReason();
      result =
          request.clientFormat().equals("openai")
              ? providerBody.toString()
              : json.writeValueAsString(translator.toAnthropic(response));
    } else {
      AnthropicMessageResponse response =
          json.treeToValue(providerBody, AnthropicMessageResponse.class);
      usage = NormalizedUsage.from(response.usage());
      servedModel = response.model();
      finishReason = response.stopReason();
      result =
          request.clientFormat().equals("anthropic")
              ? providerBody.toString()
              : json.writeValueAsString(translator.toOpenAi(response));
    }
    if (mode == UsageEvent.Mode.CACHE_EXACT) {
      // A duplicate shares the line's answer: the provider billed the line once, to its owner.
      usage =
          new NormalizedUsage(
              usage.inputTokens(), usage.inputTokens(), 0, 0, usage.outputTokens(), 0);
    }
    return new Translated(
        result, event(request, mode, usage, servedModel, UsageEvent.Status.OK, finishReason));
  }

  String failed(PendingRequest request) {
    return event(
        request,
        UsageEvent.Mode.BATCH,
        NormalizedUsage.ZERO,
        request.model(),
        UsageEvent.Status.ERROR,
        null);
  }

  private String event(
      PendingRequest request,
      UsageEvent.Mode mode,
      NormalizedUsage usage,
      String servedModel,
      UsageEvent.Status status,
      String finishReason) {
    Instant now = clock.instant();
    UsageEvent event =
        new UsageEvent(
            UsageEvent.SCHEMA_VERSION,
            eventId(request.id()),
            now,
            request.requestId() != null ? request.requestId() : request.id().toString(),
            request.tenant(),
            request.app(),
            request.endUser(),
            request.conversationId(),
            request.route(),
            request.requestedModel() != null ? request.requestedModel() : request.model(),
            servedModel != null ? servedModel : request.model(),
            request.provider(),
            mode,
            usage.inputTokens(),
            usage.cachedInputTokens(),
            new UsageEvent.CacheWriteTokens(usage.cacheWrite5m(), usage.cacheWrite1h()),
            usage.outputTokens(),
            usage.reasoningTokens(),
            maxTokens(request.body()),
            maxTokens(request.body()),
            Math.max(0, Duration.between(request.createdAt(), now).toMillis()),
            status,
            finishReason,
            request.arm().experiment(),
            request.arm().arm(),
            request.arm().routerVersion());
    return json.writeValueAsString(event);
  }

  /**
   * One id per request, derived from it: a usage event published again after a crash carries the
   * same id, and cost-service, which dedupes on it, counts it once.
   */
  public static UUID eventId(UUID requestId) {
    return UUID.nameUUIDFromBytes(
        ("tokenwise-batch-usage:" + requestId).getBytes(StandardCharsets.UTF_8));
  }

  private Long maxTokens(String body) {
    JsonNode tree = json.readTree(body);
    for (String field : new String[] {"max_completion_tokens", "max_tokens"}) {
      if (tree.path(field).isNumber()) {
        return tree.path(field).asLong();
      }
    }
    return null;
  }
}
