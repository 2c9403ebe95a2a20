package dev.tokenwise.router.routing.learning;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ExplorationTests {

  @Test
  void exploresAboutTheConfiguredShareAndReportsThePropensity() {
    Exploration exploration = new Exploration(0.05, 1);
    int explored = 0;
    for (int i = 0; i < 20_000; i++) {
      Exploration.Decision d = exploration.decide("req-" + i, i % 2);
      if (d.explored()) {
        explored++;
        assertThat(d.tier()).isEqualTo(1 - i % 2);
        assertThat(d.propensity()).isEqualTo(0.05);
      } else {
        assertThat(d.tier()).isEqualTo(i % 2);
        assertThat(d.propensity()).isEqualTo(0.95);
      }
    }
    assertThat(explored / 20_000.0).isBetween(0.045, 0.055);
  }

  @Test
  void theSameRequestIsRoutedTheSameWay() {
    Exploration one = new Exploration(0.3, 9);
    Exploration other = new Exploration(0.3, 9);
    for (int i = 0; i < 200; i++) {
      assertThat(other.decide("id-" + i, 0)).isEqualTo(one.decide("id-" + i, 0));
    }
  }

  @Test
  void rateZeroNeverExplores() {
    Exploration off = new Exploration(0, 1);
    for (int i = 0; i < 1000; i++) {
      Exploration.Decision d = off.decide("req-" + i, 1);
      assertThat(d.explored()).isFalse();
      assertThat(d.propensity()).isEqualTo(1.0);
    }
  }
}
