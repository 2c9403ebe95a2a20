package dev.tokenwise.batch.collect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.pricing.CostBreakdown;
import dev.tokenwise.common.pricing.CostCalculator;
import dev.tokenwise.common.pricing.PriceCatalog;
import dev.tokenwise.common.pricing.PriceCatalogs;
import dev.tokenwise.common.usage.UsageEvent;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A batch answer's usage event carries the provider's tokens normalised, so common's cost
 * calculator prices it at the batch rate: for Anthropic, cache reads and writes are added to {@code
 * input_tokens} and the cost is half the synchronous cost, never zero (LiteLLM #27944).
 */
class BatchUsageCostTests {

  private final JsonMapper json = JsonMapper.shared();
  private final Answers answers = new Answers(json, Clock.systemUTC());
  private final PriceCatalog catalog = PriceCatalogs.bundled().current();

  @Test
  void anAnthropicBatchAnswerIsPricedAtHalfTheSynchronousCost() {
    JsonNode message =
        json.readTree(
            """
            {"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
             "content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn","stop_sequence":null,
             "usage":{"input_tokens":1000,"cache_read_input_tokens":200,
                      "cache_creation_input_tokens":100,"output_tokens":500}}
            """);

    UsageEvent batch =
        event(answers.succeeded(request("anthropic"), message, UsageEvent.Mode.BATCH));
    UsageEvent sync = event(answers.succeeded(request("anthropic"), message, UsageEvent.Mode.SYNC));

    assertThat(batch.mode()).isEqualTo(UsageEvent.Mode.BATCH);
    assertThat(batch.provider()).isEqualTo("anthropic");
    assertThat(batch.inputTokens()).isEqualTo(1300);
    assertThat(batch.cachedInputTokens()).isEqualTo(200);
    assertThat(batch.cacheWriteTokens().total()).isEqualTo(100);
    assertThat(batch.outputTokens()).isEqualTo(500);
    CostBreakdown batchCost = CostCalculator.price(batch, catalog);
    CostBreakdown syncCost = CostCalculator.price(sync, catalog);
    assertThat(batchCost.actual()).isPositive();
    assertThat(batchCost.actual().multiply(BigDecimal.valueOf(2)))
        .isEqualByComparingTo(syncCost.actual());
  }

  @Test
  void anOpenAiBatchAnswerIsPricedAtTheBatchRate() {
    JsonNode completion =
        json.readTree(
            """
            {"id":"c","object":"chat.completion","created":1,"model":"gpt-5-mini-2025-08-07",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":1000,"completion_tokens":100,
                      "prompt_tokens_details":{"cached_tokens":400}}}
            """);

    UsageEvent batch =
        event(answers.succeeded(request("openai"), completion, UsageEvent.Mode.BATCH));
    UsageEvent sync = event(answers.succeeded(request("openai"), completion, UsageEvent.Mode.SYNC));

    assertThat(batch.inputTokens()).isEqualTo(1000);
    assertThat(batch.cachedInputTokens()).isEqualTo(400);
    assertThat(CostCalculator.price(batch, catalog).actual().multiply(BigDecimal.valueOf(2)))
        .isEqualByComparingTo(CostCalculator.price(sync, catalog).actual());
  }

  private UsageEvent event(Answers.Translated translated) {
    return json.readValue(translated.usageEvent(), UsageEvent.class);
  }

  private static PendingRequest request(String provider) {
    String model = provider.equals("openai") ? "gpt-5-mini" : "claude-sonnet-4-5";
    return new PendingRequest(
        UUID.randomUUID(),
        "acme",
        null,
        "default",
        provider,
        model,
        model,
        "openai",
        "{\"model\":\"" + model + "\",\"max_tokens\":600,\"messages\":[]}",
        null,
        0,
        Instant.now(),
        null,
        false,
        null,
        null,
        dev.tokenwise.batch.intake.Arm.NONE);
  }
}
