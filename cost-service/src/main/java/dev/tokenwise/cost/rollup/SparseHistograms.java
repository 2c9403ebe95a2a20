package dev.tokenwise.cost.rollup;

import java.util.Arrays;

/**
 * A batch's histogram deltas as sparse pairs, flat over its rollup rows: the 1-based position
 * (bucket + 1, as PostgreSQL subscripts arrays) of every non-zero bucket and its count, row after
 * row. {@code add_hist_sparse} (V10) adds one row's slice to a stored histogram.
 */
final class SparseHistograms {

  private Integer[] positions;
  private Long[] counts;
  private int size;

  SparseHistograms(int rows) {
    // Most rows of a batch gain one or two buckets.
    int capacity = Math.max(16, rows * 2);
    positions = new Integer[capacity];
    counts = new Long[capacity];
  }

  /** Appends the non-zero buckets of one row's dense delta. */
  void add(long[] dense) {
    for (int b = 0; b < dense.length; b++) {
      if (dense[b] != 0) {
        if (size == positions.length) {
          positions = Arrays.copyOf(positions, size * 2);
          counts = Arrays.copyOf(counts, size * 2);
        }
        positions[size] = b + 1;
        counts[size] = dense[b];
        size++;
      }
    }
  }

  /** Pairs appended so far: the next row's slice starts at {@code size() + 1}. */
  int size() {
    return size;
  }

  Integer[] positions() {
    return Arrays.copyOf(positions, size);
  }

  Long[] counts() {
    return Arrays.copyOf(counts, size);
  }
}
