package dev.tokenwise.router.routing;

import java.util.Arrays;

/**
 * The learned scores of a route's recent requests, so that a strong share means that share of the
 * route's own traffic: a model's score percentiles come from its training prompts, which a route's
 * traffic need not resemble (the shipped model sends about 40% of the quality loop's questions to
 * the strong tier at a strong share of 10%). Holds the last {@value #CAPACITY} scores of one model
 * version; the percentiles are re-read every {@value #REFRESH} scores. Until {@value #MIN_SCORES}
 * scores are in, the model's own percentiles apply. Thread-safe; a score costs one synchronized
 * array write, and one sort of {@value #CAPACITY} values every {@value #REFRESH} scores.
 */
final class TrafficScores {

  static final int CAPACITY = 1024;
  static final int REFRESH = 64;
  static final int MIN_SCORES = 100;

  private final String version;
  private final double[] ring = new double[CAPACITY];
  private long count;
  private volatile double[] sorted;

  TrafficScores(String version) {
    this.version = version;
  }

  String version() {
    return version;
  }

  void add(double score) {
    double[] snapshot = null;
    synchronized (ring) {
      ring[(int) (count % CAPACITY)] = score;
      count++;
      if (count >= MIN_SCORES && count % REFRESH == 0) {
        snapshot = Arrays.copyOf(ring, (int) Math.min(count, CAPACITY));
      }
    }
    if (snapshot != null) {
      Arrays.sort(snapshot);
      sorted = snapshot;
    }
  }

  /**
   * The score above which about {@code strongShare} of the recent requests fall, or NaN while too
   * few are in.
   */
  double thresholdFor(double strongShare) {
    double[] s = sorted;
    if (s == null) {
      return Double.NaN;
    }
    double position = Math.max(0, Math.min(1, 1 - strongShare)) * (s.length - 1);
    int low = (int) Math.floor(position);
    int high = Math.min(s.length - 1, low + 1);
    return s[low] + (position - low) * (s[high] - s[low]);
  }
}
