package dev.tokenwise.cost.ingest;

import dev.tokenwise.common.metrics.BoundedTags;
import dev.tokenwise.common.metrics.MetricNames;
import dev.tokenwise.common.metrics.MetricTags;
import dev.tokenwise.common.metrics.RefusedStreamEntries;
import dev.tokenwise.common.pricing.CostBreakdown.Tactic;
import dev.tokenwise.common.pricing.ModelPrice;
import dev.tokenwise.common.pricing.PriceCatalogs;
import dev.tokenwise.common.security.StreamSignatures;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.common.usage.UsageStream;
import dev.tokenwise.cost.pricing.EventCost;
import dev.tokenwise.cost.pricing.PricedEvent;
import dev.tokenwise.cost.rollup.RouteTags;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * Ingest-time meters, named and tagged as common's {@link MetricNames} defines them, so that each
 * of the five metrics can be read from Prometheus per route: money counters and the request counter
 * carry route, provider, model and mode (cost per request by route and model; cache hit rate by
 * route from the modes), the GenAI token-usage histogram carries route and the request and response
 * models (tokens per request by route). Tags are bounded: provider and model as the catalog knows
 * them ({@code other} otherwise), the first {@code max-routes} routes; never a tenant, user or
 * request id.
 *
 * <p>A failed request ({@link UsageEvent#unanswered()}: no answer and no usage, e.g. refused before
 * any provider call) counts only as {@code tokenwise_cost_requests_total{outcome="failed"}}: no
 * money, no tokens. An answered request whose model the catalog lacks counts as {@code
 * outcome="unpriced"} with its tokens and no money (never as free). Negative savings are counted
 * apart ({@value MetricNames#SAVINGS_NEGATIVE}), so net savings in Prometheus match the REST
 * reports.
 *
 * <p>{@link MetricNames#USAGE_EVENTS} outcomes here: {@code ingested} (stored and priced), {@code
 * unpriced} (stored, model unknown to the catalog), {@code duplicate} (already stored), {@code
 * dead-lettered} (moved to the dead-letter stream). An entry refused for its signature is also
 * counted in {@link MetricNames#STREAM_ENTRIES_REFUSED} with its reason.
 */
@Component
class IngestMetrics {

  static final String INGESTED = "ingested";
  static final String UNPRICED = "unpriced";
  static final String DUPLICATE = "duplicate";
  static final String DEAD_LETTERED = "dead-lettered";

  /** OpenTelemetry GenAI's advised bucket boundaries for {@code gen_ai.client.token.usage}. */
  private static final double[] TOKEN_BUCKETS = {
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864
  };

  private static final PriceCatalogs CATALOGS = PriceCatalogs.bundled();

  private final MeterRegistry registry;
  private final RouteTags routes;
  private final Map<TokenKey, DistributionSummary[]> tokenSummaries = new ConcurrentHashMap<>();

  IngestMetrics(MeterRegistry registry, RouteTags routes) {
    this.registry = registry;
    this.routes = routes;
  }

  /** What one batch adds per tag set. */
  private record Key(String route, String provider, String model, String mode) {}

  private record TokenKey(
      String route, String provider, String requestModel, String responseModel) {}

  /**
   * New events were stored; counted after their transaction committed. Sums are taken per tag set
   * first, so a batch costs one counter increment per (route, provider, model, mode) rather than
   * several meter look-ups per event; token histograms record each event.
   */
  void stored(List<PricedEvent> events) {
    long ingested = 0;
    long unpriced = 0;
    Map<Key, double[]> sums = new HashMap<>();
    Map<Key, long[]> requests = new HashMap<>();
    int tactics = Tactic.values().length;
    for (PricedEvent priced : events) {
      EventCost cost = priced.cost();
      UsageEvent event = priced.event();
      Key key =
          new Key(
              routes.tag(event.route()),
              cost.provider(),
              cost.model(),
              BoundedTags.mode(event.mode()));
      long[] outcomes = requests.computeIfAbsent(key, k -> new long[3]);
      if (!cost.priced()) {
        unpriced++;
      } else {
        ingested++;
      }
      if (event.unanswered()) {
        outcomes[2]++;
        continue;
      }
      tokens(key, event);
      if (!cost.priced()) {
        outcomes[1]++;
        continue;
      }
      outcomes[0]++;
      double[] sum = sums.computeIfAbsent(key, k -> new double[2 + 2 * tactics]);
      sum[0] += cost.costUsd().doubleValue();
      sum[1] += cost.baselineUsd().doubleValue();
      for (Tactic tactic : Tactic.values()) {
        BigDecimal saved = cost.savingsUsd(tactic);
        // A counter only rises: what a tactic cost on this event (a cache write not read yet) is
        // counted apart, so Prometheus' net savings equal the reports'.
        if (saved.signum() > 0) {
          sum[2 + tactic.ordinal()] += saved.doubleValue();
        } else if (saved.signum() < 0) {
          sum[2 + tactics + tactic.ordinal()] -= saved.doubleValue();
        }
      }
    }
    if (ingested > 0) {
      events(INGESTED).increment(ingested);
    }
    if (unpriced > 0) {
      events(UNPRICED).increment(unpriced);
    }
    requests.forEach(
        (key, counts) -> {
          String[] outcomes = {"answered", "unpriced", "failed"};
          for (int i = 0; i < outcomes.length; i++) {
            if (counts[i] > 0) {
              Counter.builder(MetricNames.COST_REQUESTS)
                  .description("Requests recorded by cost-service, by outcome")
                  .tags(tags(key))
                  .tag(MetricTags.OUTCOME, outcomes[i])
                  .register(registry)
                  .increment(counts[i]);
            }
          }
        });
    sums.forEach(
        (key, sum) -> {
          Tags tags = tags(key);
          money(MetricNames.COST, "Provider-billed cost of answered requests", tags)
              .increment(sum[0]);
          money(
                  MetricNames.COST_BASELINE,
                  "What the same requests would have cost without Tokenwise",
                  tags)
              .increment(sum[1]);
          for (Tactic tactic : Tactic.values()) {
            Tags tacticTags = tags.and(MetricTags.TACTIC, BoundedTags.tactic(tactic));
            if (sum[2 + tactic.ordinal()] > 0) {
              money(MetricNames.SAVINGS, "Savings against the baseline, by cost tactic", tacticTags)
                  .increment(sum[2 + tactic.ordinal()]);
            }
            if (sum[2 + tactics + tactic.ordinal()] > 0) {
              money(
                      MetricNames.SAVINGS_NEGATIVE,
                      "What a cost tactic cost above the baseline (negative savings, as a positive"
                          + " amount)",
                      tacticTags)
                  .increment(sum[2 + tactics + tactic.ordinal()]);
            }
          }
        });
  }

  private void tokens(Key key, UsageEvent event) {
    String response = key.model();
    String requested =
        event.requestedModel() == null
            ? response
            : CATALOGS
                .current()
                .find(event.requestedModel())
                .map(ModelPrice::model)
                .orElse(BoundedTags.OTHER);
    DistributionSummary[] summaries =
        tokenSummaries.computeIfAbsent(
            new TokenKey(key.route(), key.provider(), requested, response),
            k -> new DistributionSummary[] {tokenSummary(k, "input"), tokenSummary(k, "output")});
    summaries[0].record(event.inputTokens());
    summaries[1].record(event.outputTokens());
  }

  private DistributionSummary tokenSummary(TokenKey key, String type) {
    return DistributionSummary.builder(MetricNames.TOKEN_USAGE)
        .description("Tokens per request (OpenTelemetry GenAI), by token type and route")
        .serviceLevelObjectives(TOKEN_BUCKETS)
        .tag(MetricTags.TOKEN_TYPE, type)
        .tag(MetricTags.OPERATION, MetricTags.OPERATION_CHAT)
        .tag(MetricTags.PROVIDER_NAME, key.provider())
        .tag(MetricTags.REQUEST_MODEL, key.requestModel())
        .tag(MetricTags.RESPONSE_MODEL, key.responseModel())
        .tag(MetricTags.ROUTE, key.route())
        .register(registry);
  }

  private static Tags tags(Key key) {
    return Tags.of(
        MetricTags.ROUTE, key.route(),
        MetricTags.PROVIDER, key.provider(),
        MetricTags.MODEL, key.model(),
        MetricTags.MODE, key.mode());
  }

  void duplicates(int count) {
    if (count > 0) {
      events(DUPLICATE).increment(count);
    }
  }

  void deadLettered() {
    events(DEAD_LETTERED).increment();
  }

  /**
   * An entry refused for its signature (dead-lettered too, and counted as such): {@link
   * MetricNames#STREAM_ENTRIES_REFUSED} by reason.
   */
  void refused(StreamSignatures.Verification verification) {
    RefusedStreamEntries.count(registry, UsageStream.KEY, verification);
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
