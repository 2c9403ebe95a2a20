package dev.tokenwise.cache.semantic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

class LookupSharesTests {

  private final LookupShares shares = new LookupShares(1000);

  @Test
  void tooFewLookupsCountEveryLookupAsAHit() {
    for (int i = 0; i < LookupShares.MIN_LOOKUPS - 1; i++) {
      shares.record("r", 0.5);
    }
    assertThat(shares.of("r").applyAsDouble(0.99)).isEqualTo(1.0);
    assertThat(shares.of("unknown").applyAsDouble(0.99)).isEqualTo(1.0);
  }

  @Test
  void theShareOfLookupsWhoseBestCandidateReachesAThreshold() {
    // 1,000 lookups: a tenth at 0.99, a tenth at 0.95, the rest far away or with no candidate.
    for (int i = 0; i < 1000; i++) {
      shares.record("r", i < 100 ? 0.99 : i < 200 ? 0.95 : i < 600 ? 0.4 : Double.NaN);
    }
    DoubleUnaryOperator share = shares.of("r");
    assertThat(share.applyAsDouble(0.99)).isCloseTo(0.1, within(1e-9));
    assertThat(share.applyAsDouble(0.96)).isCloseTo(0.1, within(1e-9));
    assertThat(share.applyAsDouble(0.95)).isCloseTo(0.2, within(1e-9));
    assertThat(share.applyAsDouble(0.0)).isCloseTo(0.6, within(1e-9));
    // Another route's lookups are its own.
    assertThat(shares.of("other").applyAsDouble(0.5)).isEqualTo(1.0);
  }

  @Test
  void onlyTheLatestLookupsCount() {
    for (int i = 0; i < 1000; i++) {
      shares.record("r", 0.99);
    }
    for (int i = 0; i < 750; i++) {
      shares.record("r", 0.5);
    }
    assertThat(shares.of("r").applyAsDouble(0.99)).isCloseTo(0.25, within(1e-9));
  }
}
