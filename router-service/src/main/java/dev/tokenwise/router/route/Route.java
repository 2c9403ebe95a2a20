package dev.tokenwise.router.route;

import java.util.List;

/**
 * The route one request takes.
 *
 * @param matchedBy why: {@code header}, {@code model}, {@code tenant}, {@code app} or {@code
 *     default}
 */
public record Route(String name, RouteProperties.Definition definition, String matchedBy) {

  public static final String ALIAS_PREFIX = "tokenwise/";
  public static final String AUTO = "tokenwise/auto";
  public static final String FAST = "tokenwise/fast";
  public static final String SMART = "tokenwise/smart";

  public List<String> tiers() {
    return definition.tiers();
  }

  /** The same route serving {@code tiers} instead of its own (an experiment arm's). */
  public Route withTiers(List<String> tiers) {
    return new Route(name, definition.withTiers(tiers), matchedBy);
  }

  public static boolean isAlias(String model) {
    return model != null && model.startsWith(ALIAS_PREFIX);
  }

  /**
   * The savings baseline: the configured reference, else the client's model, else the strongest
   * tier.
   */
  public String referenceModel(String clientModel) {
    if (definition.referenceModel() != null && !definition.referenceModel().isBlank()) {
      return definition.referenceModel();
    }
    if (!isAlias(clientModel) || tiers().isEmpty()) {
      return clientModel;
    }
    return tiers().get(tiers().size() - 1);
  }
}
