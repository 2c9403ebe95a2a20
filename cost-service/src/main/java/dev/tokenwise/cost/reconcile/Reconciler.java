package dev.tokenwise.cost.reconcile;

import dev.tokenwise.common.metrics.MetricNames;
import dev.tokenwise.common.metrics.MetricTags;
import dev.tokenwise.cost.reconcile.Reconciliation.Cause;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Compares one provider's day as recorded with the provider's report, per model and tier, names the
 * likely cause of a difference, stores the result and publishes the latest cost drift as the
 * {@value MetricNames#RECONCILIATION_DRIFT} gauge.
 */
@Component
class Reconciler {

  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
  private static final MathContext RATIO = MathContext.DECIMAL64;

  private final RecordedUsage recorded;
  private final ProviderReports reports;
  private final ReconciliationStore store;
  private final ReconciliationProperties properties;
  private final MeterRegistry meters;
  private final Clock clock;
  private final Map<String, AtomicReference<Double>> gauges = new ConcurrentHashMap<>();

  @Autowired
  Reconciler(
      RecordedUsage recorded,
      ProviderReports reports,
      ReconciliationStore store,
      ReconciliationProperties properties,
      MeterRegistry meters) {
    this(recorded, reports, store, properties, meters, Clock.systemUTC());
  }

  Reconciler(
      RecordedUsage recorded,
      ProviderReports reports,
      ReconciliationStore store,
      ReconciliationProperties properties,
      MeterRegistry meters,
      Clock clock) {
    this.recorded = recorded;
    this.reports = reports;
    this.store = store;
    this.properties = properties;
    this.meters = meters;
    this.clock = clock;
  }

  boolean enabled(String provider) {
    ReconciliationProperties.Account account = properties.account(provider);
    return account != null && account.enabled();
  }

  /** Reconciles {@code provider}'s {@code day}; the provider must be enabled. */
  List<Reconciliation> reconcile(String provider, LocalDate day) {
    Map<String, Totals> ours = recorded.day(provider, day);
    Map<String, Totals> theirs = reports.day(provider, day);
    Set<String> keys = new LinkedHashSet<>(theirs.keySet());
    keys.addAll(ours.keySet());
    Instant now = clock.instant();
    List<Reconciliation> out = new ArrayList<>();
    for (String key : keys) {
      Totals any = theirs.containsKey(key) ? theirs.get(key) : ours.get(key);
      Totals mine = ours.getOrDefault(key, Totals.empty(any.model(), any.tier()));
      Totals reported = theirs.getOrDefault(key, Totals.empty(any.model(), any.tier()));
      out.add(compare(provider, day, mine, reported, now));
    }
    store.save(out);
    for (Reconciliation r : out) {
      gauge(r);
      if (r.status().equals("drift")) {
        log.warn(
            "Reconciliation {} {} {} {}: {} ({})",
            provider,
            day,
            r.model(),
            r.tier(),
            r.cause() == null ? "drift" : r.cause().code(),
            r.detail());
      }
    }
    return out;
  }

  Reconciliation compare(
      String provider, LocalDate day, Totals mine, Totals reported, Instant now) {
    BigDecimal tolerance = properties.tolerance();
    BigDecimal tokenDrift =
        drift(BigDecimal.valueOf(mine.tokens()), BigDecimal.valueOf(reported.tokens()));
    BigDecimal costDrift = drift(mine.costUsd(), reported.costUsd());
    boolean tokensAgree = agree(mine.tokens(), reported.tokens(), tokenDrift, tolerance);
    boolean costAgrees =
        costDrift == null
            ? mine.costUsd().signum() == 0
            : costDrift.abs().compareTo(tolerance) <= 0;
    Cause cause = null;
    String detail;
    if (!tokensAgree) {
      if (reported.tokens() > mine.tokens()) {
        cause = Cause.MISSING_EVENTS;
        detail =
            String.format(
                "the provider reports %d tokens%s more than Tokenwise recorded%s",
                reported.tokens() - mine.tokens(),
                requestsMore(mine, reported),
                mine.tier().equals("batch")
                    ? " in the batch tier: batch results never recorded, or a batch line billed twice"
                    : ": usage events lost on the way, or requests sent around the gateway");
      } else {
        cause = Cause.UNREPORTED_USAGE;
        detail =
            String.format(
                "Tokenwise recorded %d tokens more than the provider reports: an event recorded"
                    + " twice, or the provider's report is not complete yet",
                mine.tokens() - reported.tokens());
      }
    } else if (!costAgrees) {
      long writes = mine.write5mTokens() + mine.write1hTokens();
      boolean splitDiffers =
          writes > 0
              && writes == reported.write5mTokens() + reported.write1hTokens()
              && mine.write1hTokens() != reported.write1hTokens();
      if (mine.unpriced() > 0) {
        cause = Cause.UNPRICED_EVENTS;
        detail = mine.unpriced() + " events could not be priced (the catalog lacks the model)";
      } else if (splitDiffers) {
        cause = Cause.CACHE_WRITE_TIER;
        detail =
            String.format(
                "cache writes recorded as %d (5m) + %d (1h), billed as %d (5m) + %d (1h)",
                mine.write5mTokens(),
                mine.write1hTokens(),
                reported.write5mTokens(),
                reported.write1hTokens());
      } else {
        cause = Cause.PRICE_CATALOG;
        detail =
            String.format(
                "same tokens, the provider billed %s USD where the catalog gives %s USD (x%s):"
                    + " the price catalog is out of date for this model",
                reported.costUsd().stripTrailingZeros().toPlainString(),
                mine.costUsd().stripTrailingZeros().toPlainString(),
                mine.costUsd().signum() == 0
                    ? "?"
                    : reported
                        .costUsd()
                        .divide(mine.costUsd(), new MathContext(4))
                        .toPlainString());
      }
    } else {
      detail = "within " + tolerance.movePointRight(2).stripTrailingZeros().toPlainString() + "%";
    }
    return new Reconciliation(
        provider,
        day,
        mine.model(),
        mine.tier(),
        mine,
        reported,
        tokenDrift,
        costDrift,
        cause == null ? "ok" : "drift",
        cause,
        detail,
        now);
  }

  private static String requestsMore(Totals mine, Totals reported) {
    if (reported.requests() == null || mine.requests() == null) {
      return "";
    }
    long more = reported.requests() - mine.requests();
    return more > 0 ? " and " + more + " requests" : "";
  }

  private static boolean agree(long mine, long reported, BigDecimal drift, BigDecimal tolerance) {
    if (drift == null) {
      return mine == 0;
    }
    return drift.abs().compareTo(tolerance) <= 0;
  }

  private static BigDecimal drift(BigDecimal mine, BigDecimal reported) {
    if (reported.signum() == 0) {
      return null;
    }
    return mine.subtract(reported).divide(reported, RATIO);
  }

  private void gauge(Reconciliation r) {
    String key = r.provider() + "\u0000" + r.model() + "\u0000" + r.tier();
    double value =
        r.costDrift() != null
            ? r.costDrift().doubleValue()
            : r.recorded().costUsd().signum() == 0 ? 0 : 1;
    gauges
        .computeIfAbsent(
            key,
            k -> {
              AtomicReference<Double> holder = new AtomicReference<>(0.0);
              Gauge.builder(MetricNames.RECONCILIATION_DRIFT, holder, AtomicReference::get)
                  .description(
                      "Latest reconciled day's cost drift against the provider's report:"
                          + " (recorded - reported) / reported")
                  .tag(MetricTags.PROVIDER, r.provider())
                  .tag(MetricTags.MODEL, Models.known(r.model()) ? r.model() : "other")
                  .tag("tier", r.tier())
                  .register(meters);
              return holder;
            })
        .set(value);
  }
}
