package dev.tokenwise.cache.semantic;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleUnaryOperator;

/**
 * For routes whose error bound is per lookup ({@code bound.rate-of: lookups}): the similarity of
 * the best candidate of each of a route's latest lookups on this replica (a hit's own similarity; a
 * miss's nearest entry's, before guards, so that a level's share is never under-counted; none: no
 * candidate), from which {@link #of} gives the share of lookups a threshold would answer. Each
 * replica counts its own lookups: behind a load balancer they sample the same traffic. In memory
 * only; a restarted replica starts again from no lookups.
 */
final class LookupShares {

  /** Routes tracked per replica, as {@link ErrorBounds}. */
  private static final int MAX_ROUTES = 1024;

  /** Fewer lookups than this tell too little: every lookup is then counted as a hit (share 1). */
  static final int MIN_LOOKUPS = 100;

  private final int window;
  private final Map<String, Ring> routes = new ConcurrentHashMap<>();

  LookupShares(int window) {
    this.window = window;
  }

  /** Records one lookup's best candidate similarity ({@link Double#NaN}: no candidate). */
  void record(String route, double similarity) {
    Ring ring = routes.get(route);
    if (ring == null) {
      if (routes.size() >= MAX_ROUTES) {
        return;
      }
      ring = routes.computeIfAbsent(route, r -> new Ring(window));
    }
    ring.add(Double.isNaN(similarity) ? -1f : (float) similarity);
  }

  /**
   * The route's share of lookups whose best candidate has at least the given similarity, over the
   * latest lookups as they are now; 1 for every threshold while fewer than {@value #MIN_LOOKUPS}
   * are known.
   */
  DoubleUnaryOperator of(String route) {
    Ring ring = routes.get(route);
    float[] recent = ring == null ? new float[0] : ring.snapshot();
    if (recent.length < MIN_LOOKUPS) {
      return threshold -> 1;
    }
    java.util.Arrays.sort(recent);
    return threshold -> {
      // The first index at or above the threshold (with a hair of tolerance, as the ladder's).
      float at = (float) (threshold - 1e-9);
      int low = 0;
      int high = recent.length;
      while (low < high) {
        int mid = (low + high) >>> 1;
        if (recent[mid] < at) {
          low = mid + 1;
        } else {
          high = mid;
        }
      }
      return (double) (recent.length - low) / recent.length;
    };
  }

  /** The latest values, overwriting the oldest. */
  private static final class Ring {
    private final float[] values;
    private int next;
    private int size;

    Ring(int capacity) {
      this.values = new float[capacity];
    }

    synchronized void add(float value) {
      values[next] = value;
      next = (next + 1) % values.length;
      size = Math.min(size + 1, values.length);
    }

    synchronized float[] snapshot() {
      float[] copy = new float[size];
      System.arraycopy(values, 0, copy, 0, size);
      return copy;
    }
  }
}
