package dev.tokenwise.simulator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.simulator.model.ModelCatalog.Provider;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelCatalogTests {

  static final List<String> OPENAI =
      List.of("gpt-4.1", "gpt-4.1-2025-04-14", "gpt-4.1-mini", "gpt-4.1-mini-2025-04-14");
  static final List<String> ANTHROPIC = List.of("claude-haiku-4-5", "claude-haiku-4-5-20251001");

  @Test
  void aliasesResolveToTheirDatedSnapshot() {
    ModelCatalog catalog =
        new ModelCatalog(new ModelProperties(OPENAI, ANTHROPIC, List.of("gemini-2.5-flash"), true));

    assertThat(catalog.resolve(Provider.OPENAI, "gpt-4.1")).contains("gpt-4.1-2025-04-14");
    assertThat(catalog.resolve(Provider.OPENAI, "gpt-4.1-mini"))
        .contains("gpt-4.1-mini-2025-04-14");
    assertThat(catalog.resolve(Provider.OPENAI, "gpt-4.1-2025-04-14"))
        .contains("gpt-4.1-2025-04-14");
    assertThat(catalog.resolve(Provider.ANTHROPIC, "claude-haiku-4-5"))
        .contains("claude-haiku-4-5-20251001");
    assertThat(catalog.resolve(Provider.OPENAI, "claude-haiku-4-5")).isEmpty();
  }

  @Test
  void resolutionCanBeTurnedOff() {
    ModelCatalog catalog =
        new ModelCatalog(
            new ModelProperties(OPENAI, ANTHROPIC, List.of("gemini-2.5-flash"), false));

    assertThat(catalog.resolve(Provider.OPENAI, "gpt-4.1")).contains("gpt-4.1");
  }
}
