package dev.tokenwise.cache.semantic;

import java.util.List;
import java.util.function.DoubleUnaryOperator;

/**
 * How a route with a {@code maxFalseHitRate} moves its acceptance threshold after each verdict
 * (shadow re-ask or client feedback on a semantic hit). Pure: the verdict window and the previous
 * state in, the next state out; {@link ErrorBounds} keeps both in Redis.
 *
 * <p>The threshold walks a ladder from {@code startThreshold} (the strictest similarity a new route
 * accepts) down to {@code floor} in steps of {@code step}. Each verdict carries the similarity of
 * the hit it judged and the threshold in force when that hit was served. A level L is judged by its
 * <em>evidence</em>: the verdicts on hits with similarity ≥ L that were served while the threshold
 * was ≤ L — a fair sample of the hits the route serves at L (verdicts taken while the threshold was
 * stricter over-represent the most similar, safest hits, and would let the route widen past what
 * its edge can bear). After a verdict:
 *
 * <ul>
 *   <li>if the current level's evidence holds a wrong verdict and its Clopper–Pearson 95% upper
 *       bound is over the bound, the threshold goes at once to the widest level above whose
 *       evidence is clean or within the bound, or back to the start;
 *   <li>else, once {@code verdictsPerStep} verdicts have arrived since the last change, it widens
 *       by one step if the current level's upper bound is within the bound and the level one step
 *       wider has no evidence against it;
 *   <li>else it stays.
 * </ul>
 *
 * So each new level is earned by enough agreeing verdicts served at the level above it (at 1%, 299
 * with no disagreement), and one bad verdict that lifts the upper bound over the budget tightens
 * past that verdict's similarity at once. The guarantee is about the window's verdicts; it assumes
 * they sample the route's hits fairly (a fixed shadow rate does).
 */
final class ErrorBoundLearner {

  /**
   * One verdict.
   *
   * @param similarity the similarity of the hit it judged
   * @param served the threshold in force when that hit was served
   * @param wrong whether the cached answer was wrong
   */
  record Verdict(double similarity, double served, boolean wrong) {}

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
    return next(from, window, bound, PER_HIT);
  }

  /**
   * A wider level whose evidence is against it is tried again after this many steps' worth of
   * verdicts at the current level: its evidence grows only while it is served, so without a retry
   * one early wrong verdict there would hold the route back until the window forgets it.
   */
  static final int RETRY_STEPS = 5;

  /** Every hit counts whole: the bound is on wrong answers among hits. */
  static final DoubleUnaryOperator PER_HIT = threshold -> 1;

  /**
   * As {@link #next(State, List, double)}, with the bound on wrong answers per lookup: a level's
   * upper bound among its hits is weighed by {@code share}, the share of the route's lookups whose
   * best candidate has at least that similarity (the share of lookups the level would answer).
   */
  State next(State from, List<Verdict> window, double bound, DoubleUnaryOperator share) {
    int level = levelOf(from.threshold());
    int since = from.sinceChange() + 1;
    if (level > 0 && harmful(window, threshold(level), bound, share)) {
      for (int tighter = level - 1; tighter > 0; tighter--) {
        // The widest level above the current one whose evidence does not break the bound.
        if (!harmful(window, threshold(tighter), bound, share)) {
          return new State(threshold(tighter), 0);
        }
      }
      return new State(threshold(0), 0);
    }
    if (since >= settings.verdictsPerStep()
        && level < levels
        && upperBound(window, threshold(level)) * share.applyAsDouble(threshold(level)) <= bound
        && (!harmful(window, threshold(level + 1), bound, share)
            || since >= RETRY_STEPS * settings.verdictsPerStep())) {
      return new State(threshold(level + 1), 0);
    }
    return new State(threshold(level), since);
  }

  /**
   * The Clopper–Pearson 95% upper bound of the false-hit rate at {@code threshold}, from its
   * evidence (1 with none).
   */
  static double upperBound(List<Verdict> window, double threshold) {
    long[] counts = evidence(window, threshold);
    return FalseHitBound.upper(counts[1], counts[0]);
  }

  /** Whether the level's evidence shows a wrong answer and does not keep the bound. */
  private static boolean harmful(
      List<Verdict> window, double threshold, double bound, DoubleUnaryOperator share) {
    long[] counts = evidence(window, threshold);
    return counts[1] > 0
        && FalseHitBound.upper(counts[1], counts[0]) * share.applyAsDouble(threshold) > bound;
  }

  /** {verdicts, wrong ones} on hits at or above {@code threshold} served at or below it. */
  private static long[] evidence(List<Verdict> window, double threshold) {
    long n = 0;
    long wrong = 0;
    // A hair of tolerance: values recorded at exactly a ladder level count at that level.
    double level = threshold - 1e-9;
    double servedAtMost = threshold + 1e-9;
    for (Verdict verdict : window) {
      if (verdict.similarity() >= level && verdict.served() <= servedAtMost) {
        n++;
        if (verdict.wrong()) {
          wrong++;
        }
      }
    }
    return new long[] {n, wrong};
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
