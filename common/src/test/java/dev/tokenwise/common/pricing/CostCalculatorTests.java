package dev.tokenwise.common.pricing;

import static dev.tokenwise.common.pricing.Events.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenwise.common.pricing.CostBreakdown.Savings;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.common.usage.UsageEvent.Mode;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Worked examples against the bundled catalog version 2026-02-17. Figures in comments are USD, with
 * prices per million tokens; every expected value was computed by hand.
 */
class CostCalculatorTests {

  private final PriceCatalog catalog = PriceCatalogs.bundled().version("2026-02-17").orElseThrow();

  @Test
  void anthropicRequestWithCacheWritesAndReads() {
    // Anthropic usage: input_tokens 1,000, cache_creation 5m 2,000 + 1h 1,000, cache_read 10,000,
    // output 500. Normalised: inputTokens = 1,000 + 3,000 + 10,000 = 14,000.
    UsageEvent e =
        event("claude-sonnet-4-5", "claude-sonnet-4-5-20250929")
            .input(14_000)
            .cached(10_000)
            .writes(2_000, 1_000)
            .output(500)
            .build();

    CostBreakdown cost = CostCalculator.price(e, catalog);

    // Sonnet 4.5: input 3, read 0.30, write 5m 3.75, write 1h 6, output 15.
    // actual   = 1,000x3 + 10,000x0.30 + 2,000x3.75 + 1,000x6 + 500x15
    //          = 0.003 + 0.003 + 0.0075 + 0.006 + 0.0075 = 0.027
    // baseline = 14,000x3 + 500x15 = 0.042 + 0.0075 = 0.0495
    // prompt caching = 10,000x(3-0.30) - 2,000x(3.75-3) - 1,000x(6-3)
    //                = 0.027 - 0.0015 - 0.003 = 0.0225
    assertThat(cost.actual()).isEqualByComparingTo("0.027");
    assertThat(cost.baseline()).isEqualByComparingTo("0.0495");
    assertThat(cost.savings().promptCaching()).isEqualByComparingTo("0.0225");
    assertThat(cost.savings().routing()).isZero();
    assertThat(cost.savings().batch()).isZero();
    assertThat(cost.servedModel()).isEqualTo("claude-sonnet-4-5");
    assertThat(cost.catalogVersion()).isEqualTo("2026-02-17");
    assertAddsUp(cost);
  }

  @Test
  void openAiCachedTokensAreASubsetOfPromptTokensNotAnAddition() {
    // OpenAI usage: prompt_tokens 12,000 (cached_tokens 8,000 of them), completion_tokens 1,000
    // of which reasoning_tokens 600.
    UsageEvent e =
        event("gpt-5-mini", "gpt-5-mini-2025-08-07")
            .input(12_000)
            .cached(8_000)
            .output(1_000)
            .reasoning(600)
            .build();

    CostBreakdown cost = CostCalculator.price(e, catalog);

    // GPT-5 mini: input 0.25, cached 0.025, output 2.
    // actual = 4,000x0.25 + 8,000x0.025 + 1,000x2 = 0.001 + 0.0002 + 0.002 = 0.0032
    // (reasoning is inside the 1,000 output tokens: not added again).
    // The double-billing bug prices all 12,000 prompt tokens at 0.25 AND the 8,000 cached at
    // 0.025: 0.003 + 0.0002 + 0.002 = 0.0052. That is not what OpenAI bills.
    assertThat(cost.actual()).isEqualByComparingTo("0.0032");
    assertThat(cost.actual()).isNotEqualByComparingTo("0.0052");
    // baseline = 12,000x0.25 + 1,000x2 = 0.005; prompt caching = 8,000x(0.25-0.025) = 0.0018
    assertThat(cost.baseline()).isEqualByComparingTo("0.005");
    assertThat(cost.savings().promptCaching()).isEqualByComparingTo("0.0018");
    assertAddsUp(cost);
  }

  @Test
  void batchDiscountStacksWithPromptCacheRates() {
    // Claude Haiku 4.5 in a message batch: input 20,000 (15,000 cache reads), output 2,000.
    UsageEvent e =
        event("claude-haiku-4-5", "claude-haiku-4-5")
            .mode(Mode.BATCH)
            .input(20_000)
            .cached(15_000)
            .output(2_000)
            .build();

    CostBreakdown cost = CostCalculator.price(e, catalog);

    // Haiku 4.5: input 1, read 0.10, output 5, batch 50%.
    // baseline        = 20,000x1 + 2,000x5 = 0.02 + 0.01 = 0.03
    // served, cached  = 5,000x1 + 15,000x0.10 + 2,000x5 = 0.005 + 0.0015 + 0.01 = 0.0165
    // prompt caching  = 0.03 - 0.0165 = 0.0135
    // batch           = 0.0165 x 0.5 = 0.00825;  actual = 0.0165 - 0.00825 = 0.00825
    assertThat(cost.baseline()).isEqualByComparingTo("0.03");
    assertThat(cost.savings().promptCaching()).isEqualByComparingTo("0.0135");
    assertThat(cost.savings().batch()).isEqualByComparingTo("0.00825");
    assertThat(cost.actual()).isEqualByComparingTo("0.00825");
    assertAddsUp(cost);
  }

  @Test
  void batchHalvesAnOpenAiRequest() {
    UsageEvent e = event("gpt-5", "gpt-5").mode(Mode.BATCH).input(100_000).output(10_000).build();

    CostBreakdown cost = CostCalculator.price(e, catalog);

    // GPT-5: 100,000x1.25 + 10,000x10 = 0.125 + 0.1 = 0.225 synchronous; batch 50% -> 0.1125.
    assertThat(cost.baseline()).isEqualByComparingTo("0.225");
    assertThat(cost.actual()).isEqualByComparingTo("0.1125");
    assertThat(cost.savings().batch()).isEqualByComparingTo("0.1125");
    assertAddsUp(cost);
  }

  @Test
  void routedDownRequestSavesTheDifferenceBetweenModels() {
    // Requested gpt-5, served gpt-5-mini: input 3,000 (1,024 cached), output 800.
    UsageEvent e = event("gpt-5", "gpt-5-mini").input(3_000).cached(1_024).output(800).build();

    CostBreakdown cost = CostCalculator.price(e, catalog);

    // baseline (gpt-5)        = 3,000x1.25 + 800x10 = 0.00375 + 0.008 = 0.01175
    // served full (gpt-5-mini)= 3,000x0.25 + 800x2  = 0.00075 + 0.0016 = 0.00235
    // routing                 = 0.01175 - 0.00235 = 0.0094
    // actual                  = 1,976x0.25 + 1,024x0.025 + 800x2
    //                         = 0.000494 + 0.0000256 + 0.0016 = 0.0021196
    // prompt caching          = 1,024x(0.25-0.025) = 0.0002304
    assertThat(cost.baseline()).isEqualByComparingTo("0.01175");
    assertThat(cost.savings().routing()).isEqualByComparingTo("0.0094");
    assertThat(cost.savings().promptCaching()).isEqualByComparingTo("0.0002304");
    assertThat(cost.actual()).isEqualByComparingTo("0.0021196");
    assertThat(cost.requestedModel()).isEqualTo("gpt-5");
    assertThat(cost.servedModel()).isEqualTo("gpt-5-mini");
    assertAddsUp(cost);
  }

  @Test
  void cacheHitCostsNothingAndSavesTheWholeBaseline() {
    // Answered from the exact cache; the event carries the stored answer's usage.
    UsageEvent e =
        event("gpt-5-mini", "gpt-5-mini").mode(Mode.CACHE_EXACT).input(1_500).output(400).build();

    CostBreakdown cost = CostCalculator.price(e, catalog);

    // baseline = 1,500x0.25 + 400x2 = 0.000375 + 0.0008 = 0.001175, all of it saved by the cache.
    assertThat(cost.actual()).isZero();
    assertThat(cost.baseline()).isEqualByComparingTo("0.001175");
    assertThat(cost.savings().cache()).isEqualByComparingTo("0.001175");
    assertThat(cost.savings().routing()).isZero();
    assertThat(cost.savings().promptCaching()).isZero();
    assertAddsUp(cost);
  }

  @Test
  void outputCapSavingIsAnEstimateOnlyWhenOneIsSupplied() {
    // Sonnet 4.5, input 2,000; Tokenwise capped output at 300 (client asked for none); the
    // route's uncapped answers average 1,200 tokens.
    UsageEvent e =
        event("claude-sonnet-4-5", "claude-sonnet-4-5")
            .input(2_000)
            .output(300)
            .maxTokens(null, 300L)
            .build();

    CostBreakdown measured = CostCalculator.price(e, catalog);
    CostBreakdown estimated = CostCalculator.price(e, catalog, 1_200L);

    // Without an estimate: baseline = 2,000x3 + 300x15 = 0.006 + 0.0045 = 0.0105 = actual.
    assertThat(measured.outputCapEstimated()).isFalse();
    assertThat(measured.savings().outputCap()).isZero();
    assertThat(measured.baseline()).isEqualByComparingTo("0.0105");
    // With it: output cap = (1,200 - 300)x15 = 0.0135, baseline 0.024, flagged estimated.
    assertThat(estimated.outputCapEstimated()).isTrue();
    assertThat(estimated.savings().outputCap()).isEqualByComparingTo("0.0135");
    assertThat(estimated.baseline()).isEqualByComparingTo("0.024");
    assertThat(estimated.actual()).isEqualByComparingTo("0.0105");
    assertAddsUp(estimated);
  }

  @Test
  void outputCapEstimateIsBoundedByTheClientsOwnCap() {
    // The client asked for at most 1,000 tokens, Tokenwise applied 300: without Tokenwise the
    // answer could not have exceeded 1,000. (1,000 - 300)x15 = 0.0105.
    UsageEvent e =
        event("claude-sonnet-4-5", "claude-sonnet-4-5")
            .input(2_000)
            .output(300)
            .maxTokens(1_000L, 300L)
            .build();

    assertThat(CostCalculator.price(e, catalog, 1_200L).savings().outputCap())
        .isEqualByComparingTo("0.0105");
  }

  @Test
  void outputCapIsNotClaimedWhenTokenwiseDidNotLowerTheCap() {
    UsageEvent e = event("gpt-5", "gpt-5").input(100).output(300).maxTokens(300L, 300L).build();

    CostBreakdown cost = CostCalculator.price(e, catalog, 1_200L);

    assertThat(cost.outputCapEstimated()).isFalse();
    assertThat(cost.savings().outputCap()).isZero();
  }

  @Test
  void longContextTierPricesTheWholeRequest() {
    // Gemini 2.5 Pro above 200k prompt tokens: input 2.50, output 15.
    // 250,000x2.50 + 1,000x15 = 0.625 + 0.015 = 0.64
    UsageEvent e = event("gemini-2.5-pro", "gemini-2.5-pro").input(250_000).output(1_000).build();

    assertThat(CostCalculator.price(e, catalog).actual()).isEqualByComparingTo("0.64");
  }

  @Test
  void unknownModelIsAnErrorNotAZeroCost() {
    UsageEvent e = event("gpt-9-ultra", "gpt-9-ultra").input(10).output(10).build();

    assertThatThrownBy(() -> CostCalculator.price(e, catalog))
        .isInstanceOf(UnknownModelException.class)
        .hasMessageContaining("gpt-9-ultra")
        .hasMessageContaining("2026-02-17");
  }

  @Test
  void amountsAreRoundedOnceToTenDecimals() {
    UsageEvent e = event("gpt-5-nano", "gpt-5-nano").input(1).output(1).build();

    CostBreakdown cost = CostCalculator.price(e, catalog);

    // 1x0.05 + 1x0.40 per million = 0.00000045
    assertThat(cost.actual()).isEqualTo(new BigDecimal("0.0000004500"));
    assertThat(cost.actual().scale()).isEqualTo(CostBreakdown.SCALE);
  }

  @Test
  void partsAlwaysAddUpEvenWhenOverriddenPricesForceRounding() {
    PriceCatalog odd =
        catalog.withOverrides(
            Map.of(
                "gpt-5",
                new PriceOverride(
                    null,
                    null,
                    new BigDecimal("1.234567891"),
                    new BigDecimal("0.123456789"),
                    null,
                    null,
                    new BigDecimal("9.87654321"),
                    new BigDecimal("0.333333333"))));
    List<String> models =
        List.of("gpt-5", "gpt-5-mini", "claude-opus-4-5", "claude-sonnet-4-5", "gemini-2.5-pro");
    Random random = new Random(42);
    for (int i = 0; i < 2_000; i++) {
      long input = random.nextInt(400_000);
      long cached = input == 0 ? 0 : random.nextLong(input + 1);
      long write5m = random.nextLong(input - cached + 1);
      long write1h = random.nextLong(input - cached - write5m + 1);
      Mode mode = Mode.values()[random.nextInt(Mode.values().length)];
      UsageEvent e =
          event(
                  models.get(random.nextInt(models.size())),
                  models.get(random.nextInt(models.size())))
              .mode(mode)
              .input(input)
              .cached(cached)
              .writes(write5m, write1h)
              .output(random.nextInt(20_000))
              .maxTokens(null, 100L)
              .build();

      assertAddsUp(CostCalculator.price(e, odd, (long) random.nextInt(30_000)));
    }
  }

  private static void assertAddsUp(CostBreakdown cost) {
    Savings s = cost.savings();
    assertThat(s.total()).isEqualTo(cost.baseline().subtract(cost.actual()));
    assertThat(cost.totalSavings()).isEqualTo(s.total());
    assertThat(s.byTactic().values().stream().reduce(BigDecimal.ZERO, BigDecimal::add))
        .isEqualTo(s.total());
  }
}
