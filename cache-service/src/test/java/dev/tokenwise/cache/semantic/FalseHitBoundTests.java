package dev.tokenwise.cache.semantic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class FalseHitBoundTests {

  @Test
  void matchesTheClopperPearsonTableValues() {
    // No false hit in n checks: the bound is 1 − 0.05^(1/n) (the "rule of three" ≈ 3/n).
    assertThat(FalseHitBound.upper(0, 300)).isCloseTo(1 - Math.pow(0.05, 1.0 / 300), within(1e-6));
    // 1 of 100, one-sided 95%: 0.0466 (Clopper and Pearson 1934; scipy beta.ppf(0.95, 2, 99)).
    assertThat(FalseHitBound.upper(1, 100)).isCloseTo(0.0466, within(1e-4));
    // 10 of 1,000: 0.0169.
    assertThat(FalseHitBound.upper(10, 1000)).isCloseTo(0.0169, within(1e-4));
  }

  @Test
  void nothingCheckedMeansNothingKnown() {
    assertThat(FalseHitBound.upper(0, 0)).isEqualTo(1.0);
    assertThat(FalseHitBound.upper(5, 5)).isEqualTo(1.0);
  }

  @Test
  void theBoundTightensAsChecksAccumulateAtTheSameRate() {
    assertThat(FalseHitBound.upper(10, 1000)).isLessThan(FalseHitBound.upper(1, 100));
    assertThat(FalseHitBound.upper(1, 100)).isGreaterThan(0.01);
  }
}
