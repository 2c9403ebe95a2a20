package dev.tokenwise.simulator.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/** Looks up a requested model for one provider and names the model a response reports. */
@Component
public class ModelCatalog {

  /**
   * Snapshot suffixes as the providers write them: OpenAI {@code -2025-08-07}, Anthropic {@code
   * -20250929}.
   */
  private static final Pattern SNAPSHOT_SUFFIX = Pattern.compile("-(\\d{4}-\\d{2}-\\d{2}|\\d{8})");

  /** The providers whose models the simulator serves. */
  public enum Provider {
    OPENAI,
    ANTHROPIC,
    GEMINI
  }

  /**
   * A model's skill: how hard a prompt it answers right (see {@code quality.QualityWorld}).
   *
   * @param family the configured family (id prefix) the skill belongs to, or the model id itself
   *     when no family covers it
   * @param value the skill, on the scale of a prompt's difficulty
   */
  public record Skill(String family, double value) {}

  private final Map<Provider, Map<String, String>> servedAs = new LinkedHashMap<>();
  private final Map<String, Double> skills;
  private final double defaultSkill;

  public ModelCatalog(ModelProperties properties) {
    skills = properties.skills();
    defaultSkill = properties.defaultSkill();
    servedAs.put(Provider.OPENAI, index(properties.openai(), properties.resolveSnapshots()));
    servedAs.put(Provider.ANTHROPIC, index(properties.anthropic(), properties.resolveSnapshots()));
    servedAs.put(Provider.GEMINI, index(properties.gemini(), properties.resolveSnapshots()));
  }

  /**
   * The model id a response names for {@code requested}, or empty when the provider has no such
   * model.
   */
  public Optional<String> resolve(Provider provider, String requested) {
    return Optional.ofNullable(servedAs.get(provider).get(requested));
  }

  /** Every model id the provider knows, aliases and snapshots, in configuration order. */
  public List<String> ids(Provider provider) {
    return List.copyOf(servedAs.get(provider).keySet());
  }

  /** Whether any provider serves {@code model}. */
  public boolean knows(String model) {
    return servedAs.values().stream().anyMatch(ids -> ids.containsKey(model));
  }

  /**
   * The skill of {@code model}: that of the longest configured family it belongs to ({@code
   * gpt-5-mini-2025-08-07} is {@code gpt-5-mini}, not {@code gpt-5}), else the default.
   */
  public Skill skill(String model) {
    String family = null;
    for (String candidate : skills.keySet()) {
      boolean member =
          model.equals(candidate)
              || (model.startsWith(candidate) && model.charAt(candidate.length()) == '-');
      if (member && (family == null || candidate.length() > family.length())) {
        family = candidate;
      }
    }
    return family == null ? new Skill(model, defaultSkill) : new Skill(family, skills.get(family));
  }

  private static Map<String, String> index(List<String> ids, boolean resolveSnapshots) {
    Map<String, String> index = new LinkedHashMap<>();
    for (String id : ids) {
      index.put(id, resolveSnapshots ? snapshotOf(id, ids) : id);
    }
    return index;
  }

  private static String snapshotOf(String alias, List<String> ids) {
    for (String candidate : ids) {
      if (candidate.startsWith(alias)
          && SNAPSHOT_SUFFIX.matcher(candidate.substring(alias.length())).matches()) {
        return candidate;
      }
    }
    return alias;
  }
}
