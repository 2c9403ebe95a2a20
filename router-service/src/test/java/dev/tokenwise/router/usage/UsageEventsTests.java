package dev.tokenwise.router.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.pricing.PriceCatalogs;
import dev.tokenwise.common.translate.NormalizedUsage;
import dev.tokenwise.common.usage.UsageEvent;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class UsageEventsTests {

  private final JsonMapper json = JsonMapper.builder().build();
  private final CostEstimator costs = new CostEstimator(PriceCatalogs.bundled());

  @Test
  void openAiUsageIsNormalisedWithCachedTokensInsideInput() {
    NormalizedUsage usage =
        UsageEvents.openAiUsage(
            json,
            json.readTree(
                """
                {"prompt_tokens":2000,"completion_tokens":300,"total_tokens":2300,
                 "prompt_tokens_details":{"cached_tokens":1536},
                 "completion_tokens_details":{"reasoning_tokens":100}}"""));
    assertThat(usage.inputTokens()).isEqualTo(2000);
    assertThat(usage.cachedInputTokens()).isEqualTo(1536);
    assertThat(usage.outputTokens()).isEqualTo(300);
    assertThat(usage.reasoningTokens()).isEqualTo(100);
  }

  @Test
  void missingOrUnreadableUsageCountsAsZero() {
    assertThat(UsageEvents.openAiUsage(json, null)).isEqualTo(NormalizedUsage.ZERO);
    assertThat(UsageEvents.openAiUsage(json, json.readTree("{\"prompt_tokens\":\"lots\"}")))
        .isEqualTo(NormalizedUsage.ZERO);
  }

  @Test
  void endUserLeavesOnlyAsATenantScopedHash() {
    UsageEvent event = event("gpt-5-mini", UsageEvent.Mode.SYNC, "alice");
    assertThat(event.endUser()).hasSize(64).doesNotContain("alice");
    assertThat(UsageEvents.hashEndUser("other-tenant", "alice")).isNotEqualTo(event.endUser());
    assertThat(event("gpt-5-mini", UsageEvent.Mode.SYNC, null).endUser()).isNull();
  }

  @Test
  void providerAnswerIsPricedAndACacheAnswerIsFree() {
    assertThat(costs.estimateUsd(event("gpt-5-mini", UsageEvent.Mode.SYNC, null)))
        .hasValueSatisfying(usd -> assertThat(usd).isPositive());
    assertThat(costs.estimateUsd(event("gpt-5-mini", UsageEvent.Mode.CACHE_EXACT, null)))
        .hasValueSatisfying(usd -> assertThat(usd).isEqualByComparingTo(BigDecimal.ZERO));
  }

  @Test
  void unknownModelHasNoEstimate() {
    assertThat(costs.estimateUsd(event("no-such-model", UsageEvent.Mode.SYNC, null))).isEmpty();
  }

  private static UsageEvent event(String model, UsageEvent.Mode mode, String endUser) {
    return UsageEvents.answered(
        new UsageEvents.Request(
            "req_1", "acme", null, endUser, "default", model, null, null, System.nanoTime()),
        model,
        "openai",
        mode,
        new NormalizedUsage(1000, 200, 0, 0, 100, 0),
        UsageEvent.Status.OK,
        "stop");
  }
}
