package dev.tokenwise.router.outputcap;

import dev.tokenwise.router.route.RouteProperties;
import java.util.regex.Pattern;
import tools.jackson.databind.node.ObjectNode;

/**
 * Applies a route's output cap to an OpenAI chat request: injects the default when the client set
 * none, clamps a larger one to the maximum. OpenAI reasoning models (o-series, GPT-5 family) accept
 * only {@code max_completion_tokens}; other models get {@code max_tokens} unless the client already
 * used {@code max_completion_tokens}.
 */
public final class OutputCaps {

  private static final Pattern REASONING_MODEL = Pattern.compile("^(openai/)?(o\\d|gpt-5)");

  private OutputCaps() {}

  /** What the cap did; both null when there is no cap on either side. */
  public record Applied(Long requested, Long applied, String action) {}

  public static Applied apply(ObjectNode request, RouteProperties.Output output, String model) {
    Long requested = requested(request);
    Long applied = requested;
    String action = "none";
    if (requested == null && output.defaultMaxTokens() != null) {
      applied = output.defaultMaxTokens();
      action = "injected";
    }
    if (applied != null && output.maxTokens() != null && applied > output.maxTokens()) {
      applied = output.maxTokens();
      action = requested == null ? "injected" : "clamped";
    }
    boolean reasoning = model != null && REASONING_MODEL.matcher(model).find();
    if (applied != null && !action.equals("none")) {
      boolean completionField = reasoning || request.has("max_completion_tokens");
      request.remove("max_tokens");
      request.remove("max_completion_tokens");
      request.put(completionField ? "max_completion_tokens" : "max_tokens", applied);
    }
    return new Applied(requested, applied, action);
  }

  /**
   * Sets an output limit on a request that has none, in the field the model accepts (as {@link
   * #apply} does).
   */
  public static void limit(ObjectNode request, String model, long maxTokens) {
    boolean reasoning = model != null && REASONING_MODEL.matcher(model).find();
    request.put(reasoning ? "max_completion_tokens" : "max_tokens", maxTokens);
  }

  static Long requested(ObjectNode request) {
    if (request.path("max_completion_tokens").isNumber()) {
      return request.path("max_completion_tokens").asLong();
    }
    if (request.path("max_tokens").isNumber()) {
      return request.path("max_tokens").asLong();
    }
    return null;
  }
}
