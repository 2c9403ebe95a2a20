package dev.tokenwise.cost.quality;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.stereotype.Component;

/** Regression rate per route for other reports (the weekly report). */
@Component
public class RegressionRates {

  private final QualityStore store;
  private final QualityProperties properties;

  RegressionRates(QualityStore store, QualityProperties properties) {
    this.store = store;
    this.properties = properties;
  }

  /** Bad / evaluated per route for verdicts received in {@code [from, to)}. */
  public Map<String, Double> byRoute(Instant from, Instant to, String tenant, String route) {
    Map<String, Double> rates = new LinkedHashMap<>();
    store.stats(from, to, tenant, route).forEach((r, s) -> rates.put(r, s.rate()));
    return rates;
  }

  /** {evaluated, bad} per route for verdicts received in {@code [from, to)}. */
  public Map<String, long[]> counts(Instant from, Instant to, String tenant, String route) {
    Map<String, long[]> counts = new LinkedHashMap<>();
    store
        .stats(from, to, tenant, route)
        .forEach((r, s) -> counts.put(r, new long[] {s.evaluated(), s.bad()}));
    return counts;
  }

  public double budget(String route) {
    return properties.budget(route);
  }
}
