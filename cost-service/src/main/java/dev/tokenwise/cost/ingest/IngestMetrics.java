package dev.tokenwise.cost.ingest;

import dev.tokenwise.common.pricing.CostBreakdown.Tactic;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.cost.pricing.EventCost;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import org.springframework.stereotype.Component;

/**
 * Ingest-time meters. Money counters carry only bounded tags: provider and model as the catalog
 * knows them ({@code other} otherwise) and the mode; never a tenant, user or request id.
 */
@Component
class IngestMetrics {

  static final String COST = "tokenwise.cost";
  static final String SAVINGS = "tokenwise.savings";
  static final String EVENTS = "tokenwise.usage.events";
  static final String DEAD_LETTERS = "tokenwise.usage.dead.letters";

  private final MeterRegistry registry;

  IngestMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  void stored(PricedEvent priced) {
    UsageEvent event = priced.event();
    EventCost cost = priced.cost();
    String provider = cost.provider();
    String model = cost.model();
    String mode = UsageWire.mode(event.mode());
    events(cost.priced() ? "stored" : "unpriced").increment();
    if (!cost.priced()) {
      return;
    }
    Counter.builder(COST)
        .description("Cost of answered requests in USD, as priced by the catalog")
        .baseUnit("usd")
        .tags("provider", provider, "model", model, "mode", mode)
        .register(registry)
        .increment(cost.costUsd().doubleValue());
    for (Tactic tactic : Tactic.values()) {
      BigDecimal saved = cost.savingsUsd(tactic);
      // A counter only rises: a tactic that cost money on this event (a cache write not read yet)
      // shows in the savings reports, which are computed from storage, not here.
      if (saved.signum() > 0) {
        Counter.builder(SAVINGS)
            .description("Savings against the baseline in USD, by cost tactic")
            .baseUnit("usd")
            .tags("tactic", tactic.tagValue(), "provider", provider, "model", model, "mode", mode)
            .register(registry)
            .increment(saved.doubleValue());
      }
    }
  }

  void duplicates(int count) {
    if (count > 0) {
      events("duplicate").increment(count);
    }
  }

  /** An entry moved to the dead-letter stream; {@code cause} is one of a fixed few words. */
  void deadLettered(String cause) {
    Counter.builder(DEAD_LETTERS)
        .description("Usage stream entries moved to the dead-letter stream")
        .tag("cause", cause)
        .register(registry)
        .increment();
  }

  private Counter events(String outcome) {
    return Counter.builder(EVENTS)
        .description("Usage events received, by outcome (stored, unpriced, duplicate)")
        .tag("outcome", outcome)
        .register(registry);
  }
}
