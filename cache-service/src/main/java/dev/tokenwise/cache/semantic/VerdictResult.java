package dev.tokenwise.cache.semantic;

/**
 * What became of a verdict on a semantic hit ({@link SemanticCache#shadowReport}).
 *
 * @param applied true when this delivery recorded it; false when a verdict with the same id had
 *     been recorded already (a redelivery, or the same verdict by stream and by HTTP)
 * @param learnedThreshold the route's learned threshold after it, or null when the route learns
 *     none (or the verdict was a duplicate)
 */
public record VerdictResult(boolean applied, Double learnedThreshold) {

  /** A verdict whose id was recorded before. */
  public static final VerdictResult DUPLICATE = new VerdictResult(false, null);

  static VerdictResult applied(Double learnedThreshold) {
    return new VerdictResult(true, learnedThreshold);
  }
}
