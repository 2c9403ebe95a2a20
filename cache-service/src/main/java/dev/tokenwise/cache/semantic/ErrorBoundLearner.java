package dev.tokenwise.cache.semantic;

import java.util.List;

/**
 * How a route with a {@code maxFalseHitRate} moves its acceptance threshold after each verdict
 * (shadow re-ask or client feedback on a semantic hit). Pure: the verdict window and the previous
 * state in, the next state out; {@link ErrorBounds} keeps both in Redis.
 *
 * <p>The threshold walks a ladder from {@code startThreshold} (the strictest similarity a new route
 * accepts) down to {@code floor} in steps of {@code step}. The false-hit rate at a level is judged
 * by the verdicts at or above it: the level is <em>safe</em> while the Clopper–Pearson 95% upper
 * bound of wrong verdicts among them is within the bound. After a verdict:
 *
 * <ul>
 *   <li>if the current level is no longer safe (below the start), the threshold goes at once to the
 *       widest safe level above it, or back to the start when none is;
 *   <li>else, once {@code verdictsPerStep} verdicts have arrived since the last change, it widens
 *       by one step if the level one step wider is safe;
 *   <li>else it stays.
 * </ul>
 *
 * So a new route widens only after its verdicts alone prove the bound (at 1%, 299 agreeing verdicts
 * and no disagreement), then by one step per {@code verdictsPerStep} verdicts; one bad verdict that
 * lifts the upper bound over the budget tightens it past that verdict's similarity at once.
 */
final class ErrorBoundLearner {

  /** One verdict: the similarity of the hit it judged, and whether the cached answer was wrong. */
  record Verdict(double similarity, boolean wrong) {}

  /** The learned threshold and how many verdicts have arrived since it last changed. */
  record State(double threshold, int sinceChange) {}

  private final SemanticCacheProperties.ErrorBound settings;
  private final int levels;

  ErrorBoundLearner(SemanticCacheProperties.ErrorBound settings) {
    this.settings = settings;
    this.levels =
        (int) Math.floor((settings.startThreshold() - settings.floor()) / settings.step() + 1e-9);
  }

  /** The state of a route that has had no verdict yet: the start threshold. */
  State initial() {
    return new State(settings.startThreshold(), 0);
  }

  /**
   * The state after {@code window} (every verdict kept, the newest included) moved {@code from}.
   */
  State next(State from, List<Verdict> window, double bound) {
    int level = levelOf(from.threshold());
    int since = from.sinceChange() + 1;
    if (level > 0 && !safe(window, threshold(level), bound)) {
      for (int tighter = level - 1; tighter > 0; tighter--) {
        // The widest level above the current one whose verdicts still keep the bound.
        if (safe(window, threshold(tighter), bound)) {
          return new State(threshold(tighter), 0);
        }
      }
      return new State(threshold(0), 0);
    }
    if (since >= settings.verdictsPerStep()
        && level < levels
        && safe(window, threshold(level + 1), bound)) {
      return new State(threshold(level + 1), 0);
    }
    return new State(threshold(level), since);
  }

  /** The Clopper–Pearson 95% upper bound of the false-hit rate among verdicts at {@code level}. */
  static double upperBound(List<Verdict> window, double threshold) {
    long n = 0;
    long wrong = 0;
    for (Verdict verdict : window) {
      // A hair of tolerance: a verdict recorded at exactly a ladder level counts at that level.
      if (verdict.similarity() >= threshold - 1e-9) {
        n++;
        if (verdict.wrong()) {
          wrong++;
        }
      }
    }
    return FalseHitBound.upper(wrong, n);
  }

  private static boolean safe(List<Verdict> window, double threshold, double bound) {
    return upperBound(window, threshold) <= bound;
  }

  /** Ladder position of {@code threshold}: 0 at the start, {@link #levels} at the floor. */
  private int levelOf(double threshold) {
    long level = Math.round((settings.startThreshold() - threshold) / settings.step());
    return (int) Math.max(0, Math.min(levels, level));
  }

  private double threshold(int level) {
    // Rounded to the step's precision so the published value reads 0.955, not 0.9550000000000001.
    return Math.round((settings.startThreshold() - level * settings.step()) * 1e6) / 1e6;
  }
}
