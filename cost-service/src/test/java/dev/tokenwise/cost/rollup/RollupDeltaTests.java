package dev.tokenwise.cost.rollup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RollupDeltaTests {

  @Test
  void aSparseHistogramAddsItsCountsToItsBuckets() {
    long[] hist = new long[TokenHistogram.BUCKETS];
    hist[3] = 1;

    RollupDelta.addSparse(hist, "{0,3,87}", "{2,10,12345678901}");
    RollupDelta.addSparse(hist, "{}", "{}");

    assertThat(hist[0]).isEqualTo(2);
    assertThat(hist[3]).isEqualTo(11);
    assertThat(hist[87]).isEqualTo(12_345_678_901L);
    assertThat(java.util.Arrays.stream(hist).sum()).isEqualTo(2 + 11 + 12_345_678_901L);
  }
}
