package dev.tokenwise.cost.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tokenwise.cost.experiment.Significance.Moments;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** p-values checked against SciPy 1.17 ({@code stats.ttest_ind(equal_var=False)}, {@code norm}). */
class SignificanceTests {

  @Test
  void twoProportionZTestMatchesTheNormalTail() {
    // 10 of 100 against 30 of 100: pooled 0.2, z = 3.5355, 2 x norm.cdf(-z) = 0.000406952
    assertThat(Significance.twoProportions(10, 100, 30, 100)).isCloseTo(0.000406952, within(1e-8));
    assertThat(Significance.twoProportions(10, 100, 10, 100)).isEqualTo(1.0);
    assertThat(Significance.twoProportions(0, 50, 0, 70)).isEqualTo(1.0);
    assertThat(Significance.twoProportions(0, 0, 3, 10)).isNull();
  }

  @Test
  void welchTestMatchesScipy() {
    // [1, 2, 3, 4, 5] against [2, 4, 6, 8, 10]: t = 1.8974, df = 5.88, p = 0.107531195
    Moments a = moments(1, 2, 3, 4, 5);
    Moments b = moments(2, 4, 6, 8, 10);
    assertThat(Significance.welch(a, b)).isCloseTo(0.107531195, within(1e-8));
    assertThat(Significance.welch(b, a)).isCloseTo(0.107531195, within(1e-8));
  }

  @Test
  void welchOnTinyCostsDoesNotLoseTheVarianceToRounding() {
    // Costs around 1e-4 USD differ in the 8th decimal; their squares are around 1e-8.
    Moments a = moments(0.00010001, 0.00010003, 0.00010002, 0.00010004);
    Moments b = moments(0.00010001, 0.00010003, 0.00010002, 0.00010004);
    assertThat(a.variance()).isGreaterThan(0);
    assertThat(Significance.welch(a, b)).isEqualTo(1.0);
  }

  @Test
  void welchWithoutSpreadOrWithoutEnoughValues() {
    assertThat(Significance.welch(moments(2, 2, 2), moments(2, 2))).isEqualTo(1.0);
    assertThat(Significance.welch(moments(2, 2, 2), moments(3, 3))).isEqualTo(0.0);
    assertThat(Significance.welch(moments(2), moments(3, 4))).isNull();
  }

  private static Moments moments(double... values) {
    BigDecimal sum = BigDecimal.ZERO;
    BigDecimal squares = BigDecimal.ZERO;
    for (double v : values) {
      BigDecimal d = new BigDecimal(Double.toString(v));
      sum = sum.add(d);
      squares = squares.add(d.multiply(d));
    }
    return new Moments(values.length, sum, squares);
  }
}
