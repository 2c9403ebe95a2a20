package dev.tokenwise.simulator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.simulator.model.ModelCatalog.Provider;
import dev.tokenwise.simulator.model.ModelCatalog.Skill;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelCatalogTests {

  static final List<String> OPENAI =
      List.of("gpt-4.1", "gpt-4.1-2025-04-14", "gpt-4.1-mini", "gpt-4.1-mini-2025-04-14");
  static final List<String> ANTHROPIC = List.of("claude-haiku-4-5", "claude-haiku-4-5-20251001");

  @Test
  void aliasesResolveToTheirDatedSnapshot() {
    ModelCatalog catalog =
        new ModelCatalog(
            new ModelProperties(OPENAI, ANTHROPIC, List.of("gemini-2.5-flash"), true, null, 0.5));

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
            new ModelProperties(OPENAI, ANTHROPIC, List.of("gemini-2.5-flash"), false, null, 0.5));

    assertThat(catalog.resolve(Provider.OPENAI, "gpt-4.1")).contains("gpt-4.1");
  }

  @Test
  void aModelHasTheSkillOfTheLongestFamilyItBelongsTo() {
    ModelCatalog catalog =
        new ModelCatalog(
            new ModelProperties(
                OPENAI, ANTHROPIC, List.of(), true, Map.of("gpt-4.1-mini", 0.42), 0.3));

    assertThat(catalog.skill("gpt-4.1-mini-2025-04-14")).isEqualTo(new Skill("gpt-4.1-mini", 0.42));
    assertThat(catalog.skill("gpt-4.1"))
        .isEqualTo(new Skill("gpt-4.1", ModelProperties.DEFAULT_SKILLS.get("gpt-4.1")));
    assertThat(catalog.skill("claude-haiku-4-5-20251001").family()).isEqualTo("claude-haiku");
    assertThat(catalog.skill("gpt-4.10")).isEqualTo(new Skill("gpt-4.10", 0.3));
    assertThat(catalog.skill("gpt-5-mini").value())
        .isLessThan(catalog.skill("gpt-5-2025-08-07").value());
  }
}
