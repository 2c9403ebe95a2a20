package dev.tokenwise.cost.ingest;

import dev.tokenwise.common.metrics.BoundedTags;
import dev.tokenwise.common.metrics.MetricNames;
import dev.tokenwise.common.metrics.MetricTags;
import dev.tokenwise.common.pricing.CostBreakdown.Tactic;
import dev.tokenwise.cost.pricing.EventCost;
import dev.tokenwise.cost.pricing.PricedEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Ingest-time meters, named and tagged as common's {@link MetricNames} defines them. Money counters
 * carry only bounded tags: provider and model as the catalog knows them ({@code other} otherwise)
 * and the mode; never a tenant, user or request id.
 *
 * <p>{@link MetricNames#USAGE_EVENTS} outcomes here: {@code ingested} (stored and priced), {@code
 * unpriced} (stored, model unknown to the catalog), {@code duplicate} (already stored), {@code
 * dead-lettered} (moved to the dead-letter stream).
 */
@Component
class IngestMetrics {

  static final String INGESTED = "ingested";
  static final String UNPRICED = "unpriced";
  static final String DUPLICATE = "duplicate";
  static final String DEAD_LETTERED = "dead-lettered";

  private final MeterRegistry registry;

  IngestMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * New events were stored; counted after their transaction committed. Sums are taken per tag set
   * first, so a batch costs one counter increment per (provider, model, mode) rather than several
   * meter look-ups per event.
   */
  void stored(List<PricedEvent> events) {
    long ingested = 0;
    long unpriced = 0;
    Map<Tags, double[]> sums = new HashMap<>();
    for (PricedEvent priced : events) {
      EventCost cost = priced.cost();
      if (!cost.priced()) {
        unpriced++;
        continue;
      }
      ingested++;
      Tags tags =
          Tags.of(
              MetricTags.PROVIDER, cost.provider(),
              MetricTags.MODEL, cost.model(),
              MetricTags.MODE, BoundedTags.mode(priced.event().mode()));
      double[] sum = sums.computeIfAbsent(tags, t -> new double[2 + Tactic.values().length]);
      sum[0] += cost.costUsd().doubleValue();
      sum[1] += cost.baselineUsd().doubleValue();
      for (Tactic tactic : Tactic.values()) {
        BigDecimal saved = cost.savingsUsd(tactic);
        // A counter only rises: a tactic that cost money on this event (a cache write not read
        // yet) shows in the savings reports, which are computed from storage, not here.
        if (saved.signum() > 0) {
          sum[2 + tactic.ordinal()] += saved.doubleValue();
        }
      }
    }
    if (ingested > 0) {
      events(INGESTED).increment(ingested);
    }
    if (unpriced > 0) {
      events(UNPRICED).increment(unpriced);
    }
    sums.forEach(
        (tags, sum) -> {
          money(MetricNames.COST, "Provider-billed cost of answered requests", tags)
              .increment(sum[0]);
          money(
                  MetricNames.COST_BASELINE,
                  "What the same requests would have cost without Tokenwise",
                  tags)
              .increment(sum[1]);
          for (Tactic tactic : Tactic.values()) {
            if (sum[2 + tactic.ordinal()] > 0) {
              money(
                      MetricNames.SAVINGS,
                      "Savings against the baseline, by cost tactic",
                      tags.and(MetricTags.TACTIC, BoundedTags.tactic(tactic)))
                  .increment(sum[2 + tactic.ordinal()]);
            }
          }
        });
  }

  void duplicates(int count) {
    if (count > 0) {
      events(DUPLICATE).increment(count);
    }
  }

  void deadLettered() {
    events(DEAD_LETTERED).increment();
  }

  private Counter money(String name, String description, Tags tags) {
    return Counter.builder(name)
        .description(description + ", in USD")
        .baseUnit(MetricTags.UNIT_USD)
        .tags(tags)
        .register(registry);
  }

  private Counter events(String outcome) {
    return Counter.builder(MetricNames.USAGE_EVENTS)
        .description("Usage events received by cost-service, by outcome")
        .tag(MetricTags.OUTCOME, outcome)
        .register(registry);
  }
}
