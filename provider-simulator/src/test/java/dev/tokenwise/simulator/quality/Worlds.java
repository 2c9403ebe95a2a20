package dev.tokenwise.simulator.quality;

import dev.tokenwise.simulator.model.ModelCatalog;
import dev.tokenwise.simulator.model.ModelProperties;
import java.util.List;
import java.util.Map;

/** Quality worlds over the default model families, for unit tests. */
final class Worlds {

  static final List<String> SMALL =
      List.of("gpt-5-nano", "gpt-5-mini", "gpt-4o-mini", "claude-haiku-4-5", "gemini-2.5-flash");
  static final List<String> FRONTIER = List.of("gpt-5", "claude-opus-4-5", "claude-sonnet-4-5");
  static final List<String> OTHERS =
      List.of("gemini-2.5-pro", "gpt-4.1", "gpt-4.1-mini", "gemini-2.5-flash-lite", "gpt-9");

  private Worlds() {}

  static QualityWorld standard() {
    return withSkills(Map.of());
  }

  static QualityWorld withSkills(Map<String, Double> skills) {
    return new QualityWorld(
        new ModelCatalog(
            new ModelProperties(
                List.of(
                    "gpt-5",
                    "gpt-5-2025-08-07",
                    "gpt-5-mini",
                    "gpt-5-mini-2025-08-07",
                    "gpt-5-nano",
                    "gpt-4.1",
                    "gpt-4.1-mini",
                    "gpt-4o-mini"),
                List.of(
                    "claude-opus-4-5",
                    "claude-sonnet-4-5",
                    "claude-haiku-4-5",
                    "claude-haiku-4-5-20251001"),
                List.of("gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite"),
                true,
                skills,
                0.42)));
  }
}
