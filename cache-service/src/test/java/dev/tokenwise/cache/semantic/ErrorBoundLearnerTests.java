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
          0.99, 0.80, 0.005, 20, 2000, Duration.ofSeconds(1), Duration.ofHours(1), 2000);

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

  @Test
  void aWiderLevelWhoseEvidenceIsAgainstItIsTriedAgainAfterFiveStepsOfVerdicts() {
    for (int i = 0; i < 299; i++) {
      verdict(0.99, false);
    }
    assertThat(state.threshold()).isEqualTo(0.985);
    // The first hit served at 0.985 is wrong: back to 0.99 at once.
    verdict(0.986, true);
    assertThat(state.threshold()).isEqualTo(0.99);
    // Its evidence can grow only while 0.985 is served: after five steps' worth of verdicts at
    // 0.99 (100) the route tries it again, rather than waiting for the window to forget it.
    for (int i = 0; i < 5 * SETTINGS.verdictsPerStep() - 1; i++) {
      verdict(0.995, false);
    }
    assertThat(state.threshold()).isEqualTo(0.99);
    verdict(0.995, false);
    assertThat(state.threshold()).isEqualTo(0.985);
    // Where it meets its old evidence again: with one wrong in two it goes back at the next
    // verdict.
    verdict(0.987, false);
    assertThat(state.threshold()).isEqualTo(0.99);
  }

  @Test
  void perLookupALevelsWrongHitsWeighByTheShareOfLookupsItAnswers() {
    // One wrong hit in twenty: per hit its upper bound (about 22%) keeps the route at the start.
    for (int i = 0; i < 19; i++) {
      verdict(0.99, false);
    }
    verdict(0.99, true);
    for (int i = 0; i < 40; i++) {
      verdict(0.99, false);
    }
    assertThat(state.threshold()).isEqualTo(0.99);

    // Per lookup, where the level answers 2% of lookups, the same verdicts bound the route's wrong
    // answers at about 0.4% of its lookups: it widens after its twenty verdicts.
    state = learner.initial();
    window.clear();
    java.util.function.DoubleUnaryOperator twoPercent = threshold -> 0.02;
    for (int i = 0; i < 19; i++) {
      verdict(0.99, false, twoPercent);
    }
    verdict(0.99, true, twoPercent);
    assertThat(state.threshold()).isEqualTo(0.985);
  }

  @Test
  void perLookupALevelWhoseWrongHitsBreakTheBoundStillTightensAtOnce() {
    java.util.function.DoubleUnaryOperator share = threshold -> threshold >= 0.985 ? 0.02 : 0.3;
    for (int i = 0; i < 20; i++) {
      verdict(0.99, false, share);
    }
    assertThat(state.threshold()).isEqualTo(0.985);
    // At 0.985 the route answers 30% of lookups: three wrong hits in ten (upper bound about 65%,
    // about 20% of lookups) break a 1% bound, and the route goes back to 0.99.
    for (int i = 0; i < 7; i++) {
      verdict(0.986, false, share);
    }
    for (int i = 0; i < 3; i++) {
      verdict(0.986, true, share);
    }
    assertThat(state.threshold()).isEqualTo(0.99);
  }

  @Test
  void perLookupWithEveryLookupAHitDecidesAsPerHit() {
    Random random = new Random(5);
    ErrorBoundLearner.State perHit = learner.initial();
    ErrorBoundLearner.State perLookup = learner.initial();
    List<Verdict> history = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      double similarity = perHit.threshold() + random.nextDouble() * (1 - perHit.threshold());
      history.add(0, new Verdict(similarity, perHit.threshold(), random.nextDouble() < 0.003));
      perHit = learner.next(perHit, history, BOUND);
      perLookup = learner.next(perLookup, history, BOUND, threshold -> 1);
      assertThat(perLookup).isEqualTo(perHit);
    }
  }

  private void verdict(double similarity, boolean wrong) {
    verdict(similarity, wrong, ErrorBoundLearner.PER_HIT);
  }

  private void verdict(
      double similarity, boolean wrong, java.util.function.DoubleUnaryOperator share) {
    window.addFirst(new Verdict(similarity, state.threshold(), wrong));
    while (window.size() > SETTINGS.window()) {
      window.removeLast();
    }
    state = learner.next(state, new ArrayList<>(window), BOUND, share);
  }
}
