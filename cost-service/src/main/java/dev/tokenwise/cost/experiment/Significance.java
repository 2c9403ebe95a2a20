package dev.tokenwise.cost.experiment;

import java.math.BigDecimal;
import java.math.MathContext;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * Two-sided tests of a difference between two arms. The regression rate is a proportion of
 * evaluated requests: the pooled two-proportion z-test. Cost per request is a mean over requests
 * whose variances differ between arms (a cheap model's costs spread less): Welch's t-test with the
 * Welch–Satterthwaite degrees of freedom, computed from each arm's count, sum and sum of squares.
 * Both are large-sample tests; with a handful of verdicts per arm their p-values are indicative.
 */
final class Significance {

  private static final MathContext EXACT = MathContext.DECIMAL128;
  private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);

  private Significance() {}

  /**
   * The p-value of "arm a's and arm b's regression rates are equal"; null when either arm has no
   * evaluated request. When both rates are 0 (or both 1) there is no evidence of a difference: 1.
   */
  static Double twoProportions(long badA, long evaluatedA, long badB, long evaluatedB) {
    if (evaluatedA == 0 || evaluatedB == 0) {
      return null;
    }
    double pa = (double) badA / evaluatedA;
    double pb = (double) badB / evaluatedB;
    double pooled = (double) (badA + badB) / (evaluatedA + evaluatedB);
    double se = Math.sqrt(pooled * (1 - pooled) * (1.0 / evaluatedA + 1.0 / evaluatedB));
    if (se == 0) {
      return 1.0;
    }
    double z = Math.abs(pb - pa) / se;
    return Math.min(1.0, 2 * NORMAL.cumulativeProbability(-z));
  }

  /**
   * The p-value of "arm a's and arm b's mean costs are equal"; null when either arm has fewer than
   * two values. When neither arm varies, identical means give 1 and different means give 0.
   */
  static Double welch(Moments a, Moments b) {
    if (a.count() < 2 || b.count() < 2) {
      return null;
    }
    double va = a.variance() / a.count();
    double vb = b.variance() / b.count();
    double se2 = va + vb;
    double difference = Math.abs(b.mean() - a.mean());
    if (se2 == 0) {
      return difference == 0 ? 1.0 : 0.0;
    }
    double t = difference / Math.sqrt(se2);
    double df = se2 * se2 / (va * va / (a.count() - 1) + vb * vb / (b.count() - 1));
    return Math.min(1.0, 2 * new TDistribution(null, df).cumulativeProbability(-t));
  }

  /** Count, sum and sum of squares of one arm's values, as the database adds them up. */
  record Moments(long count, BigDecimal sum, BigDecimal sumOfSquares) {

    double mean() {
      return count == 0 ? Double.NaN : sum.divide(BigDecimal.valueOf(count), EXACT).doubleValue();
    }

    /**
     * The sample variance, subtracting in exact decimals so that costs of 1e-4 USD, whose squares
     * are 1e-8, do not cancel away in floating point.
     */
    double variance() {
      if (count < 2) {
        return Double.NaN;
      }
      BigDecimal n = BigDecimal.valueOf(count);
      BigDecimal squaredDeviations =
          sumOfSquares.subtract(sum.multiply(sum, EXACT).divide(n, EXACT), EXACT);
      return Math.max(0, squaredDeviations.divide(n.subtract(BigDecimal.ONE), EXACT).doubleValue());
    }
  }
}
