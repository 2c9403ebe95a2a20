package dev.tokenwise.cost.ingest;

import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.cost.budget.SpendSettlements;
import dev.tokenwise.cost.budget.TenantSpend;
import dev.tokenwise.cost.pricing.PricedEvent;
import dev.tokenwise.cost.pricing.UsagePricer;
import dev.tokenwise.cost.rollup.UncappedOutput;
import java.util.List;
import org.springframework.stereotype.Service;

/**
 * The one path every usage event takes into storage, whether it came from the stream or over HTTP:
 * price it with the catalog in force, store it once (its rollup delta in the same transaction),
 * count what was new, add its cost to the tenant's monthly spend in Redis, and settle it for the
 * router's budgets.
 */
@Service
class UsageIngester {

  private final UsagePricer pricer;
  private final UsageEventStore store;
  private final IngestMetrics metrics;
  private final TenantSpend spend;
  private final UncappedOutput uncappedOutput;
  private final SpendSettlements settlements;

  UsageIngester(
      UsagePricer pricer,
      UsageEventStore store,
      IngestMetrics metrics,
      TenantSpend spend,
      UncappedOutput uncappedOutput,
      SpendSettlements settlements) {
    this.pricer = pricer;
    this.store = store;
    this.metrics = metrics;
    this.spend = spend;
    this.uncappedOutput = uncappedOutput;
    this.settlements = settlements;
  }

  /** Stores the events not seen before; returns how many were new. */
  int ingest(List<UsageEvent> events) {
    List<PricedEvent> priced =
        events.stream()
            .map(
                event -> {
                  Long estimate = uncappedOutput.estimateFor(event);
                  return new PricedEvent(event, pricer.price(event, estimate), estimate);
                })
            .toList();
    List<PricedEvent> stored = store.store(priced);
    // Counted after the commit, and only for new events, so a redelivery never counts twice.
    metrics.stored(stored);
    spend.added(stored);
    metrics.duplicates(events.size() - stored.size());
    // Every event, duplicates included: a batch redelivered after a crash between the commit and
    // here must still settle (the router dedupes on the request id).
    settlements.settled(priced);
    return stored.size();
  }
}
