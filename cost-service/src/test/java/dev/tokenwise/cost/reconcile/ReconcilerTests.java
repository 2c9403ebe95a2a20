package dev.tokenwise.cost.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

/** The cause a difference is attributed to, from the numbers alone. */
class ReconcilerTests {

  private final Reconciler reconciler =
      new Reconciler(
          null,
          null,
          null,
          new ReconciliationProperties(
              null, null, new BigDecimal("0.001"), "0 30 1 * * *", 2, Duration.ofSeconds(30)),
          new SimpleMeterRegistry());

  private static Totals totals(
      long requests, long input, long w5, long w1, long output, String usd) {
    return new Totals(
        "claude-sonnet-4-5",
        "standard",
        requests,
        input,
        0,
        w5,
        w1,
        output,
        new BigDecimal(usd),
        0);
  }

  private Reconciliation compare(Totals mine, Totals reported) {
    return reconciler.compare(
        "anthropic", LocalDate.parse("2026-12-05"), mine, reported, Instant.EPOCH);
  }

  @Test
  void agreementWithinTheToleranceIsOk() {
    Reconciliation r =
        compare(totals(10, 10_000, 0, 0, 1000, "1.0000"), totals(10, 10_000, 0, 0, 1000, "1.0009"));
    assertThat(r.status()).isEqualTo("ok");
    assertThat(r.cause()).isNull();
  }

  @Test
  void moreReportedThanRecordedIsMissingEvents() {
    Reconciliation r =
        compare(totals(10, 10_000, 0, 0, 1000, "1.0"), totals(11, 11_000, 0, 0, 1100, "1.1"));
    assertThat(r.cause()).isEqualTo(Reconciliation.Cause.MISSING_EVENTS);
    assertThat(r.detail()).contains("1 requests");
  }

  @Test
  void moreRecordedThanReportedIsUnreportedUsage() {
    Reconciliation r =
        compare(totals(11, 11_000, 0, 0, 1100, "1.1"), totals(10, 10_000, 0, 0, 1000, "1.0"));
    assertThat(r.cause()).isEqualTo(Reconciliation.Cause.UNREPORTED_USAGE);
  }

  @Test
  void sameTokensDifferentCostIsThePriceCatalog() {
    Reconciliation r =
        compare(totals(10, 10_000, 0, 0, 1000, "1.0"), totals(10, 10_000, 0, 0, 1000, "1.1"));
    assertThat(r.cause()).isEqualTo(Reconciliation.Cause.PRICE_CATALOG);
    assertThat(r.costDrift()).isEqualByComparingTo("-0.09090909090909091");
  }

  @Test
  void sameTokensWithCacheWritesInAnotherTierIsTheCacheWriteTier() {
    Reconciliation r =
        compare(totals(10, 10_000, 4000, 0, 1000, "1.0"), totals(10, 10_000, 0, 4000, 1000, "1.2"));
    assertThat(r.cause()).isEqualTo(Reconciliation.Cause.CACHE_WRITE_TIER);
  }

  @Test
  void aProviderThatReportedNothingForRecordedUsageIsUnreportedUsage() {
    Reconciliation r =
        compare(totals(1, 1000, 0, 0, 100, "0.01"), Totals.empty("claude-sonnet-4-5", "standard"));
    assertThat(r.tokenDrift()).isNull();
    assertThat(r.cause()).isEqualTo(Reconciliation.Cause.UNREPORTED_USAGE);
  }
}
