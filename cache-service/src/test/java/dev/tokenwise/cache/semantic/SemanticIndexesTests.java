package dev.tokenwise.cache.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SemanticIndexesTests {

  @Test
  void streamIdsOrderByTimeThenSequenceAsNumbers() {
    assertThat(SemanticIndexes.compareEventIds("1700000000000-0", "1700000000000-0")).isZero();
    assertThat(SemanticIndexes.compareEventIds("1700000000000-10", "1700000000000-9")).isPositive();
    assertThat(SemanticIndexes.compareEventIds("999-5", "1000-0")).isNegative();
    assertThat(SemanticIndexes.compareEventIds("0-0", "1-0")).isNegative();
  }
}
