package dev.tokenwise.router.routing;

/**
 * A difficulty score in [0, 1] from surface signals, in microseconds: long prompts, many turns,
 * code, arithmetic, reasoning verbs, tools and a requested schema each push towards the strong
 * tier. The weights are hand-set; the learned scorer is the one measured against real outcomes.
 */
public final class HeuristicScorer {

  /** The score of one request; higher means the strong tier is more likely to be needed. */
  public double score(PromptSignals signals) {
    double z = -2.0;
    z += 0.45 * Math.log1p(signals.totalChars() / 200.0);
    z += 0.15 * Math.min(signals.turns(), 10);
    z += signals.hasCode() ? 0.8 : 0;
    z += signals.hasMath() ? 0.9 : 0;
    z += signals.hasReasoningVerb() ? 0.5 : 0;
    z += 0.08 * Math.min(signals.numbers(), 10);
    z += signals.tools() ? 0.6 : 0;
    z += signals.schema() ? 0.3 : 0;
    return 1 / (1 + Math.exp(-z));
  }
}
