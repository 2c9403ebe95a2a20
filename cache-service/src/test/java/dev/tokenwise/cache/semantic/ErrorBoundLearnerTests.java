package dev.tokenwise.cache.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.cache.semantic.ErrorBoundLearner.State;
import dev.tokenwise.cache.semantic.ErrorBoundLearner.Verdict;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ErrorBoundLearnerTests {

  private static final double BOUND = 0.01;
  private static final SemanticCacheProperties.ErrorBound SETTINGS =
      new SemanticCacheProperties.ErrorBound(
          0.99, 0.80, 0.005, 20, 2000, Duration.ofSeconds(1), Duration.ofHours(1));

  private final ErrorBoundLearner learner = new ErrorBoundLearner(SETTINGS);

  /** A route's verdict history: the newest first, at most the window. */
  private final Deque<Verdict> window = new ArrayDeque<>();

  private State state = learner.initial();

  @Test
  void aNewRouteAcceptsOnlyTheStrictestSimilarityUntilItsVerdictsProveTheBound() {
    assertThat(state.threshold()).isEqualTo(0.99);
    // At 1%, no disagreement in 298 verdicts still leaves an upper bound over 1%.
    for (int i = 0; i < 298; i++) {
      verdict(0.99, false);
    }
    assertThat(state.threshold()).isEqualTo(0.99);
    verdict(0.99, false);
    assertThat(state.threshold()).isEqualTo(0.985);
    assertThat(learner.initial().threshold()).isEqualTo(0.99);
  }

  @Test
  void eachWiderLevelIsEarnedByAgreeingVerdictsOnHitsServedAtTheLevelAbove() {
    for (int i = 0; i < 299; i++) {
      verdict(state.threshold(), false);
    }
    assertThat(state.threshold()).isEqualTo(0.985);
    // The verdicts taken at 0.99 say nothing about hits between 0.985 and 0.99.
    for (int i = 0; i < 298; i++) {
      verdict(state.threshold(), false);
    }
    assertThat(state.threshold()).isEqualTo(0.985);
    verdict(state.threshold(), false);
    assertThat(state.threshold()).isEqualTo(0.98);
    for (int i = 0; i < 299 * 3; i++) {
      verdict(state.threshold(), false);
    }
    assertThat(state.threshold()).isEqualTo(0.965);
  }

  @Test
  void aBadVerdictAtTheCurrentLevelTightensAtOnce() {
    for (int i = 0; i < 299 * 4; i++) {
      verdict(state.threshold(), false);
    }
    assertThat(state.threshold()).isEqualTo(0.97);
    verdict(0.972, true);
    // Past the bad verdict's similarity, to the widest level whose evidence keeps the bound.
    assertThat(state.threshold()).isEqualTo(0.975);
    assertThat(ErrorBoundLearner.upperBound(List.copyOf(window), state.threshold()))
        .isLessThanOrEqualTo(BOUND);
  }

  @Test
  void aBadVerdictNoLevelAboveCanAbsorbSendsTheRouteBackToTheStartAndKeepsItThere() {
    for (int i = 0; i < 299; i++) {
      verdict(0.99, false);
    }
    assertThat(state.threshold()).isEqualTo(0.985);
    verdict(0.995, true);
    assertThat(state.threshold()).isEqualTo(0.99);
    // One wrong in 300 is over 1% at 95% confidence: more agreeing verdicts are needed first.
    for (int i = 0; i < 100; i++) {
      verdict(0.99, false);
    }
    assertThat(state.threshold()).isEqualTo(0.99);
  }

  @Test
  void staysWithinTheBoundWhereAnswersGoWrongBelowSomeSimilarity() {
    // A route whose hits below 0.95 are wrong one time in five, and right above it; hits fall
    // evenly between the threshold and 1, and every one gets a verdict.
    Random random = new Random(7);
    double widest = 1;
    long hits = 0;
    long wrong = 0;
    for (int i = 0; i < 60_000; i++) {
      double threshold = state.threshold();
      double similarity = threshold + random.nextDouble() * (1 - threshold);
      boolean bad = similarity < 0.95 && random.nextDouble() < 0.2;
      verdict(similarity, bad);
      widest = Math.min(widest, state.threshold());
      if (i >= 10_000) {
        hits++;
        wrong += bad ? 1 : 0;
      }
    }
    // It widened to the edge of the safe region and not far past it: at 0.945 the hits below 0.95
    // are a tenth of all and 2% go wrong, at 0.94 3.3%.
    assertThat(widest).isLessThanOrEqualTo(0.95).isGreaterThanOrEqualTo(0.94);
    assertThat((double) wrong / hits).isLessThanOrEqualTo(BOUND);
  }

  private void verdict(double similarity, boolean wrong) {
    window.addFirst(new Verdict(similarity, state.threshold(), wrong));
    while (window.size() > SETTINGS.window()) {
      window.removeLast();
    }
    state = learner.next(state, new ArrayList<>(window), BOUND);
  }
}
