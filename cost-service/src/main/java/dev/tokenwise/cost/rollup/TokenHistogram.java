package dev.tokenwise.cost.rollup;

/**
 * Fixed logarithmic buckets for tokens per request, so percentiles can be read from rollups that
 * were summed across hours, tenants and models (histograms add; percentiles do not).
 *
 * <p>Bucket 0 holds requests with 0 tokens; bucket {@code i >= 1} holds {@code [2^((i-1)/4),
 * 2^(i/4))} tokens; the last bucket also holds everything larger (about 3.4 million tokens and up).
 * Each bucket spans a factor of 2^(1/4) = 1.19, so a percentile read as the geometric middle of its
 * bucket is within about 9% of the true value (plus the usual rank error of reading a percentile
 * off any histogram). Means are exact: they come from the token sums, not from here.
 */
public final class TokenHistogram {

  /** Buckets per histogram: 0 plus 87 quarter-powers of two. */
  public static final int BUCKETS = 88;

  private static final double STEPS_PER_DOUBLING = 4.0;

  private TokenHistogram() {}

  /** The bucket that counts a request with {@code tokens} tokens. */
  public static int bucket(long tokens) {
    if (tokens <= 0) {
      return 0;
    }
    // floor(4 * log2(tokens)) + 1, computed without drifting on exact powers of two.
    int i = (int) Math.floor(STEPS_PER_DOUBLING * Math.log(tokens) / Math.log(2) + 1e-9) + 1;
    while (i > 1 && lower(i) > tokens) {
      i--;
    }
    while (i < BUCKETS - 1 && upper(i) <= tokens) {
      i++;
    }
    return Math.min(i, BUCKETS - 1);
  }

  /** Smallest token count in bucket {@code i} (0 for bucket 0). */
  public static double lower(int i) {
    return i == 0 ? 0 : Math.pow(2, (i - 1) / STEPS_PER_DOUBLING);
  }

  /** Bound above bucket {@code i}'s token counts. */
  public static double upper(int i) {
    return i == 0 ? 1 : Math.pow(2, i / STEPS_PER_DOUBLING);
  }

  /**
   * The {@code q}-quantile ({@code 0 < q <= 1}) of the counted requests: the geometric middle of
   * the bucket holding the request of rank ceil(q x n); null when nothing was counted.
   */
  public static Double quantile(long[] counts, double q) {
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    if (total == 0) {
      return null;
    }
    long rank = Math.max(1, (long) Math.ceil(q * total));
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return i == 0 ? 0.0 : Math.sqrt(lower(i) * upper(i));
      }
    }
    return Math.sqrt(lower(counts.length - 1) * upper(counts.length - 1));
  }
}
