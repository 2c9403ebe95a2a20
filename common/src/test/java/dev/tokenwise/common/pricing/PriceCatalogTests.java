package dev.tokenwise.common.pricing;

import static dev.tokenwise.common.pricing.Events.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PriceCatalogTests {

  private final PriceCatalogs catalogs = PriceCatalogs.bundled();
  private final PriceCatalog latest = catalogs.version("2026-02-17").orElseThrow();

  @Test
  void bundledVersionsAreOrderedByEffectiveDate() {
    assertThat(catalogs.versions())
        .extracting(PriceCatalog::version)
        .containsExactly("2025-08-07", "2025-11-24", "2026-02-17");
  }

  @Test
  void latestVersionCoversTheModelsTokenwiseRoutesTo() {
    assertThat(latest.models())
        .extracting(ModelPrice::model)
        .contains(
            "gpt-5",
            "gpt-5-mini",
            "gpt-5-nano",
            "gpt-4.1",
            "gpt-4.1-mini",
            "gpt-4.1-nano",
            "gpt-4o-mini",
            "claude-opus-4",
            "claude-opus-4-1",
            "claude-opus-4-5",
            "claude-opus-4-6",
            "claude-sonnet-4",
            "claude-sonnet-4-5",
            "claude-sonnet-4-6",
            "claude-haiku-4-5",
            "gemini-2.5-pro",
            "gemini-2.5-flash",
            "gemini-2.5-flash-lite");
  }

  @Test
  void everyBundledPriceIsSane() {
    for (PriceCatalog version : catalogs.versions()) {
      for (ModelPrice price : version.models()) {
        Rates r = price.rates();
        assertThat(r.input()).as(price.model()).isPositive();
        assertThat(r.output()).as(price.model()).isGreaterThanOrEqualTo(r.input());
        assertThat(r.cachedInput()).as(price.model()).isLessThan(r.input());
        assertThat(r.cacheWrite5m()).as(price.model()).isGreaterThanOrEqualTo(r.input());
        assertThat(r.cacheWrite1h()).as(price.model()).isGreaterThanOrEqualTo(r.cacheWrite5m());
        assertThat(price.batchDiscount()).as(price.model()).isEqualByComparingTo("0.5");
        assertThat(price.source()).as(price.model()).isNotNull();
        assertThat(price.effectiveFrom()).as(price.model()).isNotNull();
        assertThat(price.provider()).isIn("openai", "anthropic", "gcp.gemini");
      }
    }
  }

  @Test
  void opusGenerationsArePricedDifferently() {
    assertThat(latest.require("claude-opus-4-1").rates().input()).isEqualByComparingTo("15");
    assertThat(latest.require("claude-opus-4-1").rates().output()).isEqualByComparingTo("75");
    assertThat(latest.require("claude-opus-4-5").rates().input()).isEqualByComparingTo("5");
    assertThat(latest.require("claude-opus-4-6").rates().output()).isEqualByComparingTo("25");
  }

  @Test
  void anthropicCacheWritesCostMoreThanInputAndReadsLess() {
    Rates sonnet = latest.require("claude-sonnet-4-5").rates();
    assertThat(sonnet.cacheWrite5m()).isEqualByComparingTo("3.75");
    assertThat(sonnet.cacheWrite1h()).isEqualByComparingTo("6");
    assertThat(sonnet.cachedInput()).isEqualByComparingTo("0.30");
  }

  @Test
  void aliasesAndDatedSnapshotsResolveToTheirFamily() {
    assertThat(latest.find("gpt-5-mini-2025-08-07")).map(ModelPrice::model).hasValue("gpt-5-mini");
    assertThat(latest.find("gpt-4.1-mini-2025-04-14"))
        .map(ModelPrice::model)
        .hasValue("gpt-4.1-mini");
    assertThat(latest.find("claude-sonnet-4-5-20250929"))
        .map(ModelPrice::model)
        .hasValue("claude-sonnet-4-5");
    assertThat(latest.find("claude-sonnet-4-5@20250929"))
        .map(ModelPrice::model)
        .hasValue("claude-sonnet-4-5");
    assertThat(latest.find("claude-opus-4-0")).map(ModelPrice::model).hasValue("claude-opus-4");
    assertThat(latest.find("OpenAI/GPT-5")).map(ModelPrice::model).hasValue("gpt-5");
    assertThat(latest.find("models/gemini-2.5-flash"))
        .map(ModelPrice::model)
        .hasValue("gemini-2.5-flash");
    assertThat(latest.find("us.anthropic.claude-haiku-4-5-20251001-v1:0"))
        .map(ModelPrice::model)
        .hasValue("claude-haiku-4-5");
  }

  @Test
  void unknownModelsAreNotGuessedFromPrefixes() {
    assertThat(latest.find("gpt-5-turbo")).isEmpty();
    assertThat(latest.find("gpt-6")).isEmpty();
    assertThat(latest.find("")).isEmpty();
    assertThat(latest.find(null)).isEmpty();
    assertThat(latest.knows("gpt-5-pro")).isFalse();
    assertThatThrownBy(() -> latest.require("gpt-6"))
        .isInstanceOf(UnknownModelException.class)
        .hasMessage("No price for model 'gpt-6' in price catalog 2026-02-17");
  }

  @Test
  void theVersionInForceAtAnInstantPricesIt() {
    assertThat(catalogs.inForceAt(Instant.parse("2025-09-01T00:00:00Z")).version())
        .isEqualTo("2025-08-07");
    assertThat(catalogs.inForceAt(Instant.parse("2025-11-24T00:00:00Z")).version())
        .isEqualTo("2025-11-24");
    assertThat(catalogs.inForceAt(Instant.parse("2020-01-01T00:00:00Z")).version())
        .isEqualTo("2025-08-07");
    assertThat(catalogs.current().version()).isEqualTo("2026-02-17");
  }

  @Test
  void anEventIsPricedByTheVersionInForceWhenItOccurred() {
    var september =
        event("claude-opus-4-1", "claude-opus-4-1").at(Instant.parse("2025-09-10T00:00:00Z"));
    assertThat(catalogs.forEvent(september.build()))
        .map(PriceCatalog::version)
        .hasValue("2025-08-07");
  }

  @Test
  void aModelReleasedBetweenVersionsGetsItsFirstListedPrice() {
    // Haiku 4.5 was released on 2025-10-15, after version 2025-08-07 and before 2025-11-24.
    var october =
        event("claude-haiku-4-5", "claude-haiku-4-5").at(Instant.parse("2025-10-20T00:00:00Z"));
    assertThat(catalogs.forEvent(october.build()))
        .map(PriceCatalog::version)
        .hasValue("2025-11-24");
    assertThat(catalogs.forEvent(event("gpt-9", "gpt-9").build())).isEmpty();
  }

  @Test
  void overridesMergeOverTheCatalogAndMarkTheVersion() {
    PriceCatalog overridden =
        latest.withOverrides(
            Map.of(
                "gpt-4.1-2025-04-14",
                PriceOverride.inputOutput(new BigDecimal("1.80"), new BigDecimal("7.20")),
                "acme-llm",
                new PriceOverride(
                    "openai",
                    List.of("acme-llm-latest"),
                    new BigDecimal("0.20"),
                    null,
                    null,
                    null,
                    new BigDecimal("0.80"),
                    null)));

    Rates gpt41 = overridden.require("gpt-4.1").rates();
    assertThat(gpt41.input()).isEqualByComparingTo("1.80");
    assertThat(gpt41.output()).isEqualByComparingTo("7.20");
    assertThat(gpt41.cachedInput()).isEqualByComparingTo("0.50");
    Rates acme = overridden.require("acme-llm-latest").rates();
    assertThat(acme.cachedInput()).isEqualByComparingTo("0.20");
    assertThat(overridden.require("acme-llm").batchDiscount()).isZero();
    assertThat(overridden.version()).matches("2026-02-17\\+overrides-[0-9a-f]{8}");
    assertThat(overridden.version())
        .isEqualTo(
            latest
                .withOverrides(
                    Map.of(
                        "acme-llm",
                        new PriceOverride(
                            "openai",
                            List.of("acme-llm-latest"),
                            new BigDecimal("0.2"),
                            null,
                            null,
                            null,
                            new BigDecimal("0.8"),
                            null),
                        "gpt-4.1-2025-04-14",
                        PriceOverride.inputOutput(new BigDecimal("1.8"), new BigDecimal("7.2"))))
                .version());
    assertThat(latest.require("gpt-4.1").rates().input()).isEqualByComparingTo("2");
    assertThat(latest.withOverrides(Map.of())).isSameAs(latest);
  }

  @Test
  void anOverrideForAnUnknownModelNeedsItsPrices() {
    assertThatThrownBy(
            () ->
                latest.withOverrides(
                    Map.of("mystery", PriceOverride.inputOutput(BigDecimal.ONE, BigDecimal.TEN))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("mystery");
  }

  @Test
  void pricesAreReadExactlyFromDecimalStrings() {
    PriceCatalog parsed =
        PriceCatalog.parse(
            """
            {"version":"t1","effectiveFrom":"2026-01-01T00:00:00Z","models":[
              {"model":"m","provider":"openai","input":"0.1","cachedInput":"0.01",
               "cacheWrite5m":"0.1","cacheWrite1h":"0.1","output":"0.3","batchDiscount":"0.5"}]}
            """);
    assertThat(parsed.require("m").rates().input()).isEqualTo(new BigDecimal("0.1"));
    assertThatThrownBy(
            () ->
                PriceCatalog.parse(
                    """
                    {"version":"t2","effectiveFrom":"2026-01-01T00:00:00Z","models":[
                      {"model":"m","provider":"openai","input":0.1,"cachedInput":"0.01",
                       "cacheWrite5m":"0.1","cacheWrite1h":"0.1","output":"0.3",
                       "batchDiscount":"0.5"}]}
                    """))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("decimal string");
  }
}
