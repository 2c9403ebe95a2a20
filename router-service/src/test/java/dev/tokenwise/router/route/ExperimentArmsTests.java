package dev.tokenwise.router.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Arm assignment: deterministic, sticky to its key, and split by the arms' weights. */
class ExperimentArmsTests {

  private static RouteProperties.Experiment experiment(
      String name, RouteProperties.Sticky sticky, double... weights) {
    List<RouteProperties.Arm> arms = new java.util.ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      arms.add(new RouteProperties.Arm("arm" + i, weights[i], "gpt-5-mini", null, null));
    }
    return new RouteProperties.Experiment(name, sticky, arms);
  }

  @Test
  void theSameKeyGetsTheSameArmEveryTime() {
    RouteProperties.Experiment e = experiment("x", RouteProperties.Sticky.END_USER, 1, 1, 1);
    for (int user = 0; user < 200; user++) {
      ExperimentArms.Keys keys = new ExperimentArms.Keys("user-" + user, null, "req-a");
      String first = ExperimentArms.assign(e, "acme", keys).name();
      for (int again = 0; again < 3; again++) {
        ExperimentArms.Keys later = new ExperimentArms.Keys("user-" + user, null, "req-" + again);
        assertThat(ExperimentArms.assign(e, "acme", later).name()).isEqualTo(first);
      }
    }
  }

  @Test
  void theAssignmentIsAPureFunctionOfNameAndKey() {
    // pinned: a change of hash or bucket order would move every running experiment's users
    assertThat(ExperimentArms.position("x", "request:r1"))
        .isEqualTo(ExperimentArms.position("x", "request:r1"))
        .isNotEqualTo(ExperimentArms.position("y", "request:r1"))
        .isBetween(0.0, 1.0);
  }

  @Test
  void conversationStickinessFollowsTheConversationNotTheUser() {
    RouteProperties.Experiment e = experiment("c", RouteProperties.Sticky.CONVERSATION, 1, 1);
    int moved = 0;
    for (int i = 0; i < 200; i++) {
      String arm =
          ExperimentArms.assign(e, "acme", new ExperimentArms.Keys("u1", "conv-" + i, "r" + i))
              .name();
      String sameConversation =
          ExperimentArms.assign(
                  e, "acme", new ExperimentArms.Keys("u" + i, "conv-" + i, "other-" + i))
              .name();
      assertThat(sameConversation).isEqualTo(arm);
      if (!arm.equals(
          ExperimentArms.assign(e, "acme", new ExperimentArms.Keys("u1", "conv-0", "r")).name())) {
        moved++;
      }
    }
    assertThat(moved).as("one user's conversations land on both arms").isPositive();
  }

  @Test
  void aMissingStickyKeyFallsBackToTheRequestId() {
    RouteProperties.Experiment e = experiment("m", RouteProperties.Sticky.END_USER, 1, 1);
    assertThat(ExperimentArms.stickyKey(e, "acme", new ExperimentArms.Keys(null, "c", "req-9")))
        .isEqualTo("request:req-9");
    assertThat(ExperimentArms.stickyKey(e, "acme", new ExperimentArms.Keys("bob", "c", "req-9")))
        .isEqualTo("user:acme\u0000bob");
    RouteProperties.Experiment perRequest = experiment("m", RouteProperties.Sticky.REQUEST, 1, 1);
    assertThat(
            ExperimentArms.stickyKey(perRequest, "acme", new ExperimentArms.Keys("bob", "c", "r")))
        .isEqualTo("request:r");
  }

  @Test
  void usersOfTwoTenantsWithTheSameIdAreAssignedIndependently() {
    RouteProperties.Experiment e = experiment("t", RouteProperties.Sticky.END_USER, 1, 1);
    assertThat(ExperimentArms.stickyKey(e, "a", new ExperimentArms.Keys("u", null, "r")))
        .isNotEqualTo(ExperimentArms.stickyKey(e, "b", new ExperimentArms.Keys("u", null, "r")));
  }

  @Test
  void trafficSplitsByWeightWithinTolerance() {
    RouteProperties.Experiment e = experiment("w", RouteProperties.Sticky.END_USER, 1, 3, 6);
    Map<String, Integer> counts = new HashMap<>();
    int users = 100_000;
    for (int user = 0; user < users; user++) {
      counts.merge(
          ExperimentArms.assign(e, "acme", new ExperimentArms.Keys("u" + user, null, null)).name(),
          1,
          Integer::sum);
    }
    // binomial standard deviation at 100k draws is at most 0.16%; 1% is > 6 sigma
    assertThat(counts.get("arm0") / (double) users).isCloseTo(0.1, within(0.01));
    assertThat(counts.get("arm1") / (double) users).isCloseTo(0.3, within(0.01));
    assertThat(counts.get("arm2") / (double) users).isCloseTo(0.6, within(0.01));
  }

  @Test
  void bucketsFollowTheConfiguredOrder() {
    List<RouteProperties.Arm> arms = experiment("o", RouteProperties.Sticky.REQUEST, 1, 1).arms();
    assertThat(ExperimentArms.pick(arms, 0.0).name()).isEqualTo("arm0");
    assertThat(ExperimentArms.pick(arms, 0.4999).name()).isEqualTo("arm0");
    assertThat(ExperimentArms.pick(arms, 0.5).name()).isEqualTo("arm1");
    assertThat(ExperimentArms.pick(arms, 0.9999999).name()).isEqualTo("arm1");
  }
}
