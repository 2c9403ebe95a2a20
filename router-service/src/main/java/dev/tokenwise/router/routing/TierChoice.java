package dev.tokenwise.router.routing;

/**
 * The model a request is served by and why.
 *
 * @param tier index into the route's tiers (0 = cheapest), or -1 when the route has none
 * @param reason {@code client}, {@code alias-fast}, {@code alias-smart}, {@code heuristic}, {@code
 *     learned}, {@code cheapest}, or {@code warm-cache} (kept at the model whose prompt cache is
 *     warm); {@code heuristic+tightened} and {@code learned+tightened} when quality advice moved
 *     the threshold; {@code learned+explored} when exploration drew the tier at random
 * @param score the classifier's score, NaN when none ran
 * @param input what the learned classifier saw, null for every other choice
 */
public record TierChoice(String model, int tier, String reason, double score, RoutingInput input) {

  public TierChoice(String model, int tier, String reason, double score) {
    this(model, tier, reason, score, null);
  }

  /** The routing model's version that chose, null when no learned model did. */
  public String routerVersion() {
    return input == null ? null : input.routerVersion();
  }

  /** The {@code Tokenwise-Tier} header value, e.g. {@code 0 (learned 0.12)}. */
  public String header() {
    if (tier < 0) {
      return "none";
    }
    return Double.isNaN(score)
        ? tier + " (" + reason + ")"
        : String.format(java.util.Locale.ROOT, "%d (%s %.3f)", tier, reason, score);
  }
}
