package dev.tokenwise.cost.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.pricing.CostBreakdown.Tactic;
import dev.tokenwise.common.usage.UsageEvent;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class UsagePricerTests {

  private static final Instant JUNE = Instant.parse("2026-06-03T10:00:00Z");

  @Test
  void pricesWithTheCatalogVersionInForceAndTagsTheCanonicalModel() {
    UsagePricer pricer = pricer(Map.of());

    // A dated snapshot id resolves to the catalog's canonical model.
    EventCost cost = pricer.price(event("gpt-5-mini-2025-08-07", UsageEvent.Mode.SYNC));

    // 1000 x $0.25 + 100 x $2 per million = 250 + 200 µ$.
    assertThat(cost.costUsd()).isEqualByComparingTo("0.00045");
    assertThat(cost.catalogVersion()).isEqualTo("2026-02-17");
    assertThat(cost.model()).isEqualTo("gpt-5-mini");
    assertThat(cost.provider()).isEqualTo("openai");
  }

  @Test
  void keepsAnUnknownModelUnpricedWithTheReason() {
    EventCost cost = pricer(Map.of()).price(event("gpt-unheard-of", UsageEvent.Mode.SYNC));

    assertThat(cost.priced()).isFalse();
    assertThat(cost.costUsd()).isNull();
    assertThat(cost.savingsUsd(Tactic.CACHE)).isNull();
    assertThat(cost.unpricedReason()).contains("gpt-unheard-of");
    assertThat(cost.model()).isEqualTo("other");
  }

  @Test
  void appliesConfiguredOverridesAndRecordsThemInTheVersion() {
    UsagePricer pricer =
        pricer(
            Map.of(
                "tokenwise.pricing.overrides[gpt-5-mini].input", "0.20",
                "tokenwise.pricing.overrides[in-house-llm].provider", "openai",
                "tokenwise.pricing.overrides[in-house-llm].input", "1",
                "tokenwise.pricing.overrides[in-house-llm].output", "4"));

    EventCost negotiated = pricer.price(event("gpt-5-mini", UsageEvent.Mode.SYNC));
    EventCost inHouse = pricer.price(event("in-house-llm", UsageEvent.Mode.SYNC));

    // 1000 x $0.20 + 100 x $2 = 200 + 200 µ$.
    assertThat(negotiated.costUsd()).isEqualByComparingTo("0.0004");
    assertThat(negotiated.catalogVersion()).startsWith("2026-02-17+overrides-");
    // 1000 x $1 + 100 x $4 = 1000 + 400 µ$.
    assertThat(inHouse.costUsd()).isEqualByComparingTo("0.0014");
  }

  private static UsagePricer pricer(Map<String, String> properties) {
    PricingProperties bound =
        new Binder(new MapConfigurationPropertySource(properties))
            .bindOrCreate("tokenwise.pricing", PricingProperties.class);
    return new UsagePricer(bound);
  }

  private static UsageEvent event(String model, UsageEvent.Mode mode) {
    return new UsageEvent(
        UsageEvent.SCHEMA_VERSION,
        UUID.randomUUID(),
        JUNE,
        "req-1",
        "acme",
        null,
        null,
        null,
        "default",
        model,
        model,
        "openai",
        mode,
        1000,
        0,
        null,
        100,
        0,
        null,
        null,
        300,
        UsageEvent.Status.OK,
        "stop");
  }
}
