package dev.tokenwise.cache.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class VectorIndexTests {

  private static final String CONTEXT_A = "0".repeat(31) + "a";
  private static final String CONTEXT_B = "0".repeat(31) + "b";

  @Test
  void findsTheNearestEntryOfTheSameContextOnly() {
    Random random = new Random(7);
    try (VectorIndex index = new VectorIndex(32, 16, 100)) {
      float[] target = unit(random);
      index.put(id(1), CONTEXT_A, target, Long.MAX_VALUE);
      index.put(id(2), CONTEXT_B, target, Long.MAX_VALUE);
      for (int i = 3; i < 200; i++) {
        index.put(id(i), CONTEXT_A, unit(random), Long.MAX_VALUE);
      }
      index.refresh();

      var candidates = index.search(CONTEXT_A, target, 3);
      assertThat(candidates.get(0).entryId()).isEqualTo(id(1));
      assertThat(candidates.get(0).approximateSimilarity()).isGreaterThan(0.99);
      assertThat(candidates).extracting(VectorIndex.Candidate::entryId).doesNotContain(id(2));
      assertThat(index.search("0".repeat(31) + "c", target, 3)).isEmpty();
    }
  }

  @Test
  void aBulkLoadBecomesSearchableAtItsEndAsOneSegment() {
    Random random = new Random(13);
    try (VectorIndex index = new VectorIndex(32, 16, 100)) {
      float[] target = unit(random);
      index.beginBulkLoad();
      index.put(id(1), CONTEXT_A, target, Long.MAX_VALUE);
      for (int i = 2; i < 500; i++) {
        index.put(id(i), CONTEXT_A, unit(random), Long.MAX_VALUE);
        if (i % 50 == 0) {
          // What the sweep and local stores do meanwhile; must not cut the load into segments.
          index.refresh();
        }
      }
      assertThat(index.search(CONTEXT_A, target, 1)).isEmpty();

      index.endBulkLoad();
      assertThat(index.size()).isEqualTo(499);
      assertThat(index.segmentCount()).isEqualTo(1);
      assertThat(index.search(CONTEXT_A, target, 1))
          .extracting(VectorIndex.Candidate::entryId)
          .containsExactly(id(1));

      // Back to normal: a later write is visible after a refresh.
      float[] later = unit(random);
      index.put(id(1000), CONTEXT_A, later, Long.MAX_VALUE);
      index.refresh();
      assertThat(index.search(CONTEXT_A, later, 1))
          .extracting(VectorIndex.Candidate::entryId)
          .containsExactly(id(1000));
    }
  }

  @Test
  void deletedAndExpiredEntriesAreGone() {
    Random random = new Random(11);
    try (VectorIndex index = new VectorIndex(32, 16, 100)) {
      float[] kept = unit(random);
      float[] deleted = unit(random);
      float[] expired = unit(random);
      index.put(id(1), CONTEXT_A, kept, Long.MAX_VALUE);
      index.put(id(2), CONTEXT_A, deleted, Long.MAX_VALUE);
      index.put(id(3), CONTEXT_A, expired, 1_000);
      index.delete(id(2));
      index.deleteExpired(2_000);
      index.refresh();

      assertThat(index.size()).isEqualTo(1);
      assertThat(index.search(CONTEXT_A, deleted, 5))
          .extracting(VectorIndex.Candidate::entryId)
          .containsExactly(id(1));
    }
  }

  @Test
  void int8QuantisationKeepsCosineClose() {
    Random random = new Random(3);
    float[] a = unit(random);
    byte[] q = VectorIndex.quantize(a);
    double dot = 0;
    double norm = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * q[i];
      norm += q[i] * q[i];
    }
    assertThat(dot / Math.sqrt(norm)).isGreaterThan(0.999);
  }

  private static String id(int n) {
    return String.format("%032x", n);
  }

  private static float[] unit(Random random) {
    float[] v = new float[32];
    double sum = 0;
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) random.nextGaussian();
      sum += v[i] * v[i];
    }
    for (int i = 0; i < v.length; i++) {
      v[i] /= (float) Math.sqrt(sum);
    }
    return v;
  }
}
