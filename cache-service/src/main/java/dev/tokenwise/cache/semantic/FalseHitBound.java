package dev.tokenwise.cache.semantic;

/**
 * The exact (Clopper–Pearson) one-sided upper confidence bound of a false-hit rate from {@code k}
 * false hits among {@code n} checked hits: the largest rate p at which seeing {@code k} or fewer is
 * still as likely as {@code 1 − confidence}, i.e. P(X ≤ k | n, p) = 1 − confidence. With no checked
 * hits nothing is known and the bound is 1. Pure.
 */
final class FalseHitBound {

  /** The confidence the bound is published at. */
  static final double CONFIDENCE = 0.95;

  private FalseHitBound() {}

  static double upper(long k, long n) {
    return upper(k, n, CONFIDENCE);
  }

  static double upper(long k, long n, double confidence) {
    if (n <= 0 || k >= n) {
      return 1;
    }
    double alpha = 1 - confidence;
    double low = (double) k / n;
    double high = 1;
    // The binomial CDF at k falls as p rises: bisect for the p where it crosses alpha.
    for (int i = 0; i < 60; i++) {
      double mid = (low + high) / 2;
      if (binomialCdf(k, n, mid) > alpha) {
        low = mid;
      } else {
        high = mid;
      }
    }
    return high;
  }

  /** P(X ≤ k) for X ~ Binomial(n, p), summed in log space. */
  static double binomialCdf(long k, long n, double p) {
    if (p <= 0) {
      return 1;
    }
    if (p >= 1) {
      return k >= n ? 1 : 0;
    }
    double logP = Math.log(p);
    double logQ = Math.log1p(-p);
    // log C(n, 0) = 0; each next term multiplies by (n - i) / (i + 1).
    double logCoefficient = 0;
    double sum = 0;
    for (long i = 0; i <= k; i++) {
      if (i > 0) {
        logCoefficient += Math.log((double) (n - i + 1)) - Math.log((double) i);
      }
      sum += Math.exp(logCoefficient + i * logP + (n - i) * logQ);
    }
    return Math.min(1, sum);
  }
}
