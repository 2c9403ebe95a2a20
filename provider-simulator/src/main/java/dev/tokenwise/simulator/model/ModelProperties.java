package dev.tokenwise.simulator.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Which models the simulated providers know. An id followed by a date ({@code gpt-5-2025-08-07},
 * {@code claude-sonnet-4-5-20250929}) is the snapshot of the alias before it; like the real APIs, a
 * response names the snapshot when {@code resolveSnapshots} is on.
 *
 * @param openai model ids served by {@code /v1/chat/completions} and listed by {@code /v1/models}
 * @param anthropic model ids served by {@code /v1/messages}
 * @param gemini model ids served by {@code /v1beta/models/{model}:generateContent} (the stable
 *     Gemini 2.5 models of common's price catalog)
 * @param resolveSnapshots whether responses name the dated snapshot instead of the requested alias
 * @param skills how often each model family answers right, on the scale of a prompt's difficulty
 *     (0..1; see the README's "Quality"): a family is an id prefix ({@code claude-haiku} covers
 *     {@code claude-haiku-4-5-20251001}), the longest configured prefix wins, and configured values
 *     are laid over the defaults in {@link #DEFAULT_SKILLS}
 * @param defaultSkill the skill of a model no family covers
 */
@ConfigurationProperties("tokenwise.simulator.models")
public record ModelProperties(
    @DefaultValue({
          "gpt-5",
          "gpt-5-2025-08-07",
          "gpt-5-mini",
          "gpt-5-mini-2025-08-07",
          "gpt-5-nano",
          "gpt-5-nano-2025-08-07",
          "gpt-4.1",
          "gpt-4.1-2025-04-14",
          "gpt-4.1-mini",
          "gpt-4.1-mini-2025-04-14",
          "gpt-4o-mini",
          "gpt-4o-mini-2024-07-18"
        })
        List<String> openai,
    @DefaultValue({
          "claude-opus-4-5",
          "claude-opus-4-5-20251101",
          "claude-sonnet-4-5",
          "claude-sonnet-4-5-20250929",
          "claude-haiku-4-5",
          "claude-haiku-4-5-20251001"
        })
        List<String> anthropic,
    @DefaultValue({"gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite"})
        List<String> gemini,
    @DefaultValue("true") boolean resolveSnapshots,
    Map<String, Double> skills,
    @DefaultValue("0.42") double defaultSkill) {

  /**
   * Skills calibrated on the simulator's typical prompts (see {@code QualityCalibrationTests}) so
   * that small models are right on about 65-75% of them and frontier models on about 85-90%.
   */
  public static final Map<String, Double> DEFAULT_SKILLS =
      Map.ofEntries(
          Map.entry("gpt-5", 0.545),
          Map.entry("gpt-5-mini", 0.435),
          Map.entry("gpt-5-nano", 0.395),
          Map.entry("gpt-4.1", 0.48),
          Map.entry("gpt-4.1-mini", 0.42),
          Map.entry("gpt-4o-mini", 0.395),
          Map.entry("claude-opus", 0.555),
          Map.entry("claude-sonnet", 0.535),
          Map.entry("claude-haiku", 0.425),
          Map.entry("gemini-2.5-pro", 0.525),
          Map.entry("gemini-2.5-flash", 0.435),
          Map.entry("gemini-2.5-flash-lite", 0.39));

  public ModelProperties {
    openai = List.copyOf(openai);
    anthropic = List.copyOf(anthropic);
    gemini = List.copyOf(gemini);
    Map<String, Double> merged = new LinkedHashMap<>(DEFAULT_SKILLS);
    if (skills != null) {
      merged.putAll(skills);
    }
    skills = Map.copyOf(merged);
  }
}
