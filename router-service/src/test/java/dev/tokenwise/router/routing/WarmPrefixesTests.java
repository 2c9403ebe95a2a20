package dev.tokenwise.router.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.pricing.PriceCatalogs;
import java.util.List;
import org.junit.jupiter.api.Test;

class WarmPrefixesTests {

  private final WarmPrefixes warm = new WarmPrefixes(null, PriceCatalogs.bundled());
  private final List<String> tiers = List.of("gpt-5-mini", "gpt-5");
  private final TierChoice cheap = new TierChoice("gpt-5-mini", 0, "learned", 0.1);

  @Test
  void aLongWarmPrefixAtTheStrongModelIsCheaperThanSwitchingDown() {
    TierChoice choice = warm.decide(cheap, tiers, "gpt-5", 100_000, 101_000);
    assertThat(choice.model()).isEqualTo("gpt-5");
    assertThat(choice.reason()).isEqualTo("warm-cache");
  }

  @Test
  void aShortWarmPrefixDoesNotPayForTheStrongModel() {
    assertThat(warm.decide(cheap, tiers, "gpt-5", 1_000, 1_100)).isEqualTo(cheap);
  }

  @Test
  void aWarmCheapModelNeverOverrulesAStrongChoice() {
    TierChoice strong = new TierChoice("gpt-5", 1, "learned", 0.9);
    assertThat(warm.decide(strong, tiers, "gpt-5-mini", 100_000, 101_000)).isEqualTo(strong);
  }
}
