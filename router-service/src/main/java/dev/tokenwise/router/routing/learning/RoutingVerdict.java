package dev.tokenwise.router.routing.learning;

import java.util.Objects;

/**
 * What was learned about one routed request: the learned router's input for it and whether the
 * answer was good. A feedback verdict knows only the served tier's outcome; a shadow evaluation,
 * which also asked the other tier (the cheap answer judged against the reference model's), knows
 * both. The served tier's outcome is always known: when {@code cheapGood} or {@code strongGood} is
 * null for the served tier it is taken from {@code servedGood}.
 *
 * @param embedding the prompt's unit-length sentence embedding, as the router computed it
 * @param features the prompt's raw {@link dev.tokenwise.router.routing.PromptFeatures} values
 *     (unscaled: each model scales them with its own means and scales)
 * @param servedTier 0 for the cheap tier, 1 for the strong one
 * @param servedGood whether the served answer was judged good
 * @param cheapGood the cheap tier's outcome, null when unknown
 * @param strongGood the strong tier's outcome, null when unknown
 * @param source where the verdict came from: {@code shadow}, {@code feedback}, …
 * @param at when it was given, epoch milliseconds (the held-out check keeps the most recent back)
 * @param explored the served tier was picked at random by {@link Exploration}, not by the model
 * @param propensity the probability with which the served tier was picked for this request, in (0,
 *     1] ({@link Exploration.Decision#propensity()}); 1 when the tier was not up to chance
 */
public record RoutingVerdict(
    float[] embedding,
    double[] features,
    int servedTier,
    boolean servedGood,
    Boolean cheapGood,
    Boolean strongGood,
    String source,
    long at,
    boolean explored,
    double propensity) {

  public static final String SHADOW = "shadow";
  public static final String FEEDBACK = "feedback";

  public RoutingVerdict {
    Objects.requireNonNull(embedding, "embedding");
    Objects.requireNonNull(features, "features");
    if (servedTier != 0 && servedTier != 1) {
      throw new IllegalArgumentException("servedTier must be 0 (cheap) or 1 (strong)");
    }
    if (!(propensity > 0 && propensity <= 1)) {
      throw new IllegalArgumentException("propensity must be in (0, 1]: " + propensity);
    }
    if (servedTier == 0) {
      cheapGood = served(cheapGood, servedGood);
    } else {
      strongGood = served(strongGood, servedGood);
    }
  }

  private static Boolean served(Boolean given, boolean servedGood) {
    if (given != null && given != servedGood) {
      throw new IllegalArgumentException("the served tier's outcome contradicts servedGood");
    }
    return servedGood;
  }

  /** A client's verdict on the answer it got: only the served tier's outcome is known. */
  public static RoutingVerdict feedback(
      float[] embedding,
      double[] features,
      int servedTier,
      boolean servedGood,
      long at,
      boolean explored,
      double propensity) {
    return new RoutingVerdict(
        embedding,
        features,
        servedTier,
        servedGood,
        null,
        null,
        FEEDBACK,
        at,
        explored,
        propensity);
  }

  /** A shadow evaluation of a request: both tiers' outcomes are known. */
  public static RoutingVerdict shadow(
      float[] embedding,
      double[] features,
      int servedTier,
      boolean cheapGood,
      boolean strongGood,
      long at,
      boolean explored,
      double propensity) {
    return new RoutingVerdict(
        embedding,
        features,
        servedTier,
        servedTier == 0 ? cheapGood : strongGood,
        cheapGood,
        strongGood,
        SHADOW,
        at,
        explored,
        propensity);
  }

  /** Both tiers' outcomes are known, so the strong tier's gain on this request is too. */
  public boolean knowsBoth() {
    return cheapGood != null && strongGood != null;
  }
}
