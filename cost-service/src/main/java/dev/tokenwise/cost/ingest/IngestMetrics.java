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

  /** A new event was stored; counted after its transaction committed. */
  void stored(PricedEvent priced) {
    EventCost cost = priced.cost();
    events(cost.priced() ? INGESTED : UNPRICED).increment();
    if (!cost.priced()) {
      return;
    }
    Tags tags =
        Tags.of(
            MetricTags.PROVIDER, cost.provider(),
            MetricTags.MODEL, cost.model(),
            MetricTags.MODE, BoundedTags.mode(priced.event().mode()));
    money(MetricNames.COST, "Provider-billed cost of answered requests", tags)
        .increment(cost.costUsd().doubleValue());
    money(
            MetricNames.COST_BASELINE,
            "What the same requests would have cost without Tokenwise",
            tags)
        .increment(cost.baselineUsd().doubleValue());
    for (Tactic tactic : Tactic.values()) {
      BigDecimal saved = cost.savingsUsd(tactic);
      // A counter only rises: a tactic that cost money on this event (a cache write not read yet)
      // shows in the savings reports, which are computed from storage, not here.
      if (saved.signum() > 0) {
        money(
                MetricNames.SAVINGS,
                "Savings against the baseline, by cost tactic",
                tags.and(MetricTags.TACTIC, BoundedTags.tactic(tactic)))
            .increment(saved.doubleValue());
      }
    }
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
