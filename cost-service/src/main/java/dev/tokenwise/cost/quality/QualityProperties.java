package dev.tokenwise.cost.quality;

import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Regression budgets and how verdicts are judged.
 *
 * @param window trailing window over which a route's regression rate is computed for its advice
 * @param minEvaluated fewest evaluated requests in the window before a route can be told to tighten
 *     (a single bad verdict on a quiet route is not a regression rate)
 * @param similarityThreshold a shadow evaluation that sends only a similarity (0..1) counts as bad
 *     below this
 * @param defaultRegressionBudget budget of a route not listed under {@code routes}
 * @param routes per-route settings, e.g. {@code
 *     tokenwise.cost.quality.routes.support.regression-budget=0.02}
 * @param refreshInterval how often every route's advice is recomputed (the window slides) and
 *     feedback that arrived before its usage event is matched to its route
 */
@ConfigurationProperties("tokenwise.cost.quality")
public record QualityProperties(
    @DefaultValue("7d") Duration window,
    @DefaultValue("20") int minEvaluated,
    @DefaultValue("0.85") double similarityThreshold,
    @DefaultValue("0.05") double defaultRegressionBudget,
    Map<String, Route> routes,
    @DefaultValue("1m") Duration refreshInterval) {

  public QualityProperties {
    routes = routes == null ? Map.of() : Map.copyOf(routes);
    if (minEvaluated < 1) {
      throw new IllegalArgumentException("min-evaluated must be at least 1");
    }
  }

  /** The regression budget of {@code route}: its own, else the default. */
  public double budget(String route) {
    Route settings = routes.get(route);
    return settings == null || settings.regressionBudget() == null
        ? defaultRegressionBudget
        : settings.regressionBudget();
  }

  /**
   * @param regressionBudget highest acceptable share of bad verdicts, 0..1
   */
  public record Route(Double regressionBudget) {}
}
