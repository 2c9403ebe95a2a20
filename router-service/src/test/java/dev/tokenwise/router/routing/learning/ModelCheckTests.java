package dev.tokenwise.router.routing.learning;

import static dev.tokenwise.router.routing.learning.SyntheticVerdicts.model;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.router.routing.LinearRouterModel;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelCheckTests {

  private final SyntheticVerdicts data = new SyntheticVerdicts(7);
  private final ModelCheck check = new ModelCheck(new ModelCheck.Settings(0.2, 100, 100, 0.005));
  private final LinearRouterModel truth = model(data.direction);
  private final LinearRouterModel reversed =
      model(Arrays.stream(data.direction).map(w -> -w).toArray());

  @Test
  void refusesAWorseModelAndPublishesABetterOne() {
    // Served by a router that knows nothing, so the shadow-evaluated (cheap-served) verdicts are a
    // random half of the traffic and the strong tier is better on them.
    List<RoutingVerdict> heldOut = data.served(1500, model(data.gaussian()), 0.5);

    ModelCheck.Decision worse = check.decide(truth, reversed, heldOut);
    ModelCheck.Decision better = check.decide(reversed, truth, heldOut);

    assertThat(worse.metric()).isEqualTo(ModelCheck.APGR);
    assertThat(worse.publish()).isFalse();
    assertThat(better.publish()).isTrue();
    assertThat(better.candidate()).isGreaterThan(0.6);
    assertThat(better.current()).isLessThan(0.4);
  }

  @Test
  void judgesByServedOutcomesWhenFewVerdictsKnowBoth() {
    List<RoutingVerdict> heldOut = data.served(1500, truth, 0.0);

    ModelCheck.Decision worse = check.decide(truth, reversed, heldOut);
    ModelCheck.Decision better = check.decide(reversed, truth, heldOut);

    assertThat(worse.metric()).isEqualTo(ModelCheck.SERVED_AUC);
    assertThat(worse.publish()).isFalse();
    assertThat(better.publish()).isTrue();
  }

  @Test
  void doesNotPublishOnTooFewHeldBackVerdicts() {
    List<RoutingVerdict> heldOut = data.served(50, truth, 0.5);

    ModelCheck.Decision decision = check.decide(reversed, truth, heldOut);

    assertThat(decision.publish()).isFalse();
    assertThat(decision.reason()).contains("only 50 held-back verdicts");
  }

  @Test
  void aConstantModelRecoversAboutHalfTheGap() {
    List<RoutingVerdict> verdicts = data.served(3000, model(data.gaussian()), 1.0);

    assertThat(ModelCheck.apgr(model(new double[8]), verdicts)).isBetween(0.45, 0.55);
  }

  @Test
  void holdsBackTheMostRecentVerdicts() {
    List<RoutingVerdict> verdicts = new java.util.ArrayList<>(data.served(100, truth, 0.1));
    java.util.Collections.reverse(verdicts);

    ModelCheck.Split split = check.split(verdicts);

    assertThat(split.training()).hasSize(80);
    assertThat(split.heldOut()).hasSize(20);
    assertThat(split.heldOut()).allMatch(v -> v.at() >= 80);
  }
}
