package dev.tokenwise.common.pricing;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * What one usage event cost, what it would have cost without Tokenwise, and which tactic saved the
 * difference ({@link CostCalculator} states the attribution rules). All amounts are USD, rounded
 * once to {@link #SCALE} decimals; {@code baseline - actual} equals {@code savings.total()}
 * exactly.
 *
 * @param actual what the provider bills for the event
 * @param baseline the requested model, every input token uncached, synchronous price (plus the
 *     estimated uncapped output when {@code outputCapEstimated})
 * @param savings baseline minus actual, by tactic; a part may be negative (a cache write that did
 *     not pay back, a route to a dearer model)
 * @param catalogVersion the price catalog version that priced the event
 * @param requestedModel the canonical id of the model the baseline was priced at
 * @param servedModel the canonical id of the model that answered (the requested one for cache hits
 *     that name none)
 * @param outputCapEstimated whether {@code savings.outputCap()} (and so the baseline) contains an
 *     estimate rather than billed tokens
 */
public record CostBreakdown(
    BigDecimal actual,
    BigDecimal baseline,
    Savings savings,
    String catalogVersion,
    String requestedModel,
    String servedModel,
    boolean outputCapEstimated) {

  /**
   * Decimal places of every amount: 10 (1e-10 USD) holds the exact product of any bundled price (at
   * most 4 decimals per million tokens, halved for batch) with a token count, so rounding only ever
   * bites on overridden prices.
   */
  public static final int SCALE = 10;

  /** Banker's rounding: no drift when many events are summed. */
  public static final RoundingMode ROUNDING = RoundingMode.HALF_EVEN;

  public CostBreakdown {
    Objects.requireNonNull(actual, "actual");
    Objects.requireNonNull(baseline, "baseline");
    Objects.requireNonNull(savings, "savings");
    Objects.requireNonNull(catalogVersion, "catalogVersion");
  }

  /** Everything Tokenwise saved on this event: {@code baseline - actual}. */
  public BigDecimal totalSavings() {
    return baseline.subtract(actual);
  }

  /** Savings by tactic. */
  public record Savings(
      BigDecimal cache,
      BigDecimal routing,
      BigDecimal promptCaching,
      BigDecimal batch,
      BigDecimal outputCap) {

    public Savings {
      Objects.requireNonNull(cache, "cache");
      Objects.requireNonNull(routing, "routing");
      Objects.requireNonNull(promptCaching, "promptCaching");
      Objects.requireNonNull(batch, "batch");
      Objects.requireNonNull(outputCap, "outputCap");
    }

    public BigDecimal total() {
      return cache.add(routing).add(promptCaching).add(batch).add(outputCap);
    }

    public BigDecimal of(Tactic tactic) {
      return switch (tactic) {
        case CACHE -> cache;
        case ROUTING -> routing;
        case PROMPT_CACHING -> promptCaching;
        case BATCH -> batch;
        case OUTPUT_CAP -> outputCap;
      };
    }

    /** Every tactic's saving, in {@link Tactic} order. */
    public Map<Tactic, BigDecimal> byTactic() {
      Map<Tactic, BigDecimal> map = new EnumMap<>(Tactic.class);
      for (Tactic tactic : Tactic.values()) {
        map.put(tactic, of(tactic));
      }
      return map;
    }
  }

  /** The five cost tactics, with the value used for the {@code tactic} metric tag. */
  public enum Tactic {
    CACHE("cache"),
    ROUTING("routing"),
    PROMPT_CACHING("prompt-caching"),
    BATCH("batch"),
    OUTPUT_CAP("output-cap");

    private final String tagValue;

    Tactic(String tagValue) {
      this.tagValue = tagValue;
    }

    public String tagValue() {
      return tagValue;
    }
  }
}
