package dev.tokenwise.router.route;

import dev.tokenwise.router.outputcap.OutputCaps;
import dev.tokenwise.router.promptcache.PromptCacheShaper;
import dev.tokenwise.router.routing.TierChoice;
import org.springframework.http.HttpHeaders;
import tools.jackson.databind.node.ObjectNode;

/**
 * Everything the router decided for one request before calling a provider.
 *
 * @param request the OpenAI-shaped body to send (model, cap, schema, cache key and fix applied)
 * @param referenceModel the savings baseline (the usage event's requested model)
 * @param schemaInjected whether the route's schema was set as {@code response_format}
 * @param deferred whether the request goes to batch-service instead of a provider
 * @param experiment the route experiment's arm that serves the request, or null
 */
public record RoutePlan(
    Route route,
    TierChoice tier,
    String referenceModel,
    ObjectNode request,
    OutputCaps.Applied cap,
    boolean schemaInjected,
    PromptCacheShaper.Shaping shaping,
    boolean deferred,
    Assignment experiment) {

  public static final String TIER_HEADER = "Tokenwise-Tier";
  public static final String PROMPT_CACHE_HEADER = "Tokenwise-Prompt-Cache";
  public static final String LINT_HEADER = "Tokenwise-Prompt-Lint";
  public static final String OUTPUT_CAP_HEADER = "Tokenwise-Output-Cap";
  public static final String MODE_HEADER = "Tokenwise-Mode";

  /** {@code <experiment>/<arm>} on answers of a route with an experiment. */
  public static final String EXPERIMENT_HEADER = "Tokenwise-Experiment";

  /** The experiment a request took part in and the arm that served it. */
  public record Assignment(String experiment, String arm) {

    public String header() {
      return experiment + "/" + arm;
    }
  }

  public String servedModel() {
    return tier.model();
  }

  /** The decision headers (route and model headers are set by the chat answer). */
  public void describe(HttpHeaders headers, String promptCacheAction) {
    headers.set(TIER_HEADER, tier.header());
    headers.set(
        PROMPT_CACHE_HEADER, promptCacheAction != null ? promptCacheAction : shaping.header());
    if (shaping.lintHeader() != null) {
      headers.set(LINT_HEADER, shaping.lintHeader());
    }
    if (cap.applied() != null) {
      headers.set(OUTPUT_CAP_HEADER, cap.applied() + " (" + cap.action() + ")");
    }
    if (experiment != null) {
      headers.set(EXPERIMENT_HEADER, experiment.header());
    }
  }
}
