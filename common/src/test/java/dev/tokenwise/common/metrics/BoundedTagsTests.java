package dev.tokenwise.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.pricing.CostBreakdown;
import dev.tokenwise.common.pricing.PriceCatalogs;
import dev.tokenwise.common.usage.UsageEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

class BoundedTagsTests {

  private final BoundedTags tags = new BoundedTags(PriceCatalogs.bundled().current());

  @Test
  void knownModelsCollapseToTheirCanonicalIdAndUnknownOnesToOther() {
    assertThat(tags.model("gpt-5-mini-2025-08-07")).isEqualTo("gpt-5-mini");
    assertThat(tags.model("claude-sonnet-4-5-20250929")).isEqualTo("claude-sonnet-4-5");
    assertThat(tags.model("my-fine-tune-" + System.nanoTime())).isEqualTo("other");
    assertThat(tags.model(null)).isEqualTo("none");
  }

  @Test
  void providersRoutesAndModesAreBounded() {
    assertThat(BoundedTags.provider("OpenAI")).isEqualTo("openai");
    assertThat(BoundedTags.provider("evil-provider")).isEqualTo("other");
    assertThat(BoundedTags.route("default", List.of("default", "cheap"))).isEqualTo("default");
    assertThat(BoundedTags.route("user-42", List.of("default"))).isEqualTo("other");
    assertThat(BoundedTags.mode(UsageEvent.Mode.CACHE_SEMANTIC)).isEqualTo("cache-semantic");
    assertThat(BoundedTags.tactic(CostBreakdown.Tactic.PROMPT_CACHING)).isEqualTo("prompt-caching");
  }
}
