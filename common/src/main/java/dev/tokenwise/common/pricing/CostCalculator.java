package dev.tokenwise.common.pricing;

import dev.tokenwise.common.pricing.CostBreakdown.Savings;
import dev.tokenwise.common.usage.UsageEvent;
import java.math.BigDecimal;
import java.util.Objects;

/**
 * Prices a usage event and attributes its savings, by the rules below. Pure and thread-safe.
 *
 * <p>With I input tokens (cache reads C and writes W5/W1 included), U = I - C - W5 - W1 uncached,
 * and O output tokens (reasoning included: {@code reasoningTokens} is a subset of O, never added):
 *
 * <ul>
 *   <li>baseline = I x input + O x output at the <em>requested</em> model's synchronous price (the
 *       long-context tier when I exceeds its threshold).
 *   <li>A cache hit ({@code cache-exact}, {@code cache-semantic}) bills nothing; the whole baseline
 *       is the cache saving (embeddings run locally: no per-request provider charge).
 *   <li>Otherwise, at the <em>served</em> model's prices: full = I x input + O x output; cached = U
 *       x input + C x cachedInput + W5 x cacheWrite5m + W1 x cacheWrite1h + O x output. routing =
 *       baseline - full; promptCaching = full - cached (= C x (input - cachedInput) - W x (write -
 *       input)); batch = cached x batchDiscount in batch mode (the discount stacks with
 *       prompt-cache rates); actual = cached - batch.
 *   <li>outputCap, only when the caller supplies the route's measured uncapped output length E and
 *       the event shows Tokenwise lowered the cap: (min(E, requestedMaxTokens) - O) x the requested
 *       model's output price, floored at 0, added to the baseline and flagged as estimated.
 * </ul>
 *
 * <p>Arithmetic is exact {@link BigDecimal}; results are rounded once, to {@link
 * CostBreakdown#SCALE} decimals, and any rounding residue goes to the largest saving so that the
 * parts add up to baseline - actual exactly.
 */
public final class CostCalculator {

  private CostCalculator() {}

  /**
   * Prices {@code event} without an output-cap estimate.
   *
   * @throws UnknownModelException when the catalog cannot price the requested or served model
   */
  public static CostBreakdown price(UsageEvent event, PriceCatalog catalog) {
    return price(event, catalog, null);
  }

  /**
   * Prices {@code event}; {@code estimatedUncappedOutputTokens} (nullable) is the route's measured
   * output length without Tokenwise's cap, used only for the estimated output-cap saving.
   *
   * @throws UnknownModelException when the catalog cannot price the requested or served model
   */
  public static CostBreakdown price(
      UsageEvent event, PriceCatalog catalog, Long estimatedUncappedOutputTokens) {
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(catalog, "catalog");
    long input = event.inputTokens();
    long cached = event.cachedInputTokens();
    long write5m = event.cacheWriteTokens().ttl5m();
    long write1h = event.cacheWriteTokens().ttl1h();
    long uncached = input - cached - write5m - write1h;
    long output = event.outputTokens();

    ModelPrice requested = catalog.require(baselineModel(event));
    Rates req = requested.ratesFor(input);
    BigDecimal baselineTokens = cost(input, req.input()).add(cost(output, req.output()));

    if (event.mode().isCacheHit()) {
      ModelPrice served =
          event.servedModel() == null
              ? requested
              : catalog.find(event.servedModel()).orElse(requested);
      return round(
          BigDecimal.ZERO,
          baselineTokens,
          new Savings(baselineTokens, zero(), zero(), zero(), zero()),
          catalog.version(),
          requested.model(),
          served.model(),
          false);
    }

    BigDecimal outputCap = BigDecimal.ZERO;
    boolean estimated = false;
    if (estimatedUncappedOutputTokens != null && capLowered(event)) {
      long uncapped = estimatedUncappedOutputTokens;
      if (event.requestedMaxTokens() != null) {
        uncapped = Math.min(uncapped, event.requestedMaxTokens());
      }
      outputCap = cost(Math.max(uncapped - output, 0), req.output());
      estimated = true;
    }

    ModelPrice served =
        event.servedModel() == null ? requested : catalog.require(event.servedModel());
    Rates srv = served.ratesFor(input);
    BigDecimal servedFull = cost(input, srv.input()).add(cost(output, srv.output()));
    BigDecimal servedCached =
        cost(uncached, srv.input())
            .add(cost(cached, srv.cachedInput()))
            .add(cost(write5m, srv.cacheWrite5m()))
            .add(cost(write1h, srv.cacheWrite1h()))
            .add(cost(output, srv.output()));
    BigDecimal batch =
        event.mode() == UsageEvent.Mode.BATCH
            ? servedCached.multiply(served.batchDiscount())
            : BigDecimal.ZERO;
    BigDecimal actual = servedCached.subtract(batch);
    Savings savings =
        new Savings(
            zero(),
            baselineTokens.subtract(servedFull),
            servedFull.subtract(servedCached),
            batch,
            outputCap);
    return round(
        actual,
        baselineTokens.add(outputCap),
        savings,
        catalog.version(),
        requested.model(),
        served.model(),
        estimated);
  }

  /** The model the baseline is priced at: the requested one, else the served one. */
  static String baselineModel(UsageEvent event) {
    String model = event.requestedModel() != null ? event.requestedModel() : event.servedModel();
    if (model == null) {
      throw new IllegalArgumentException("usage event " + event.eventId() + " names no model");
    }
    return model;
  }

  /** Tokenwise applied a cap, tighter than the client's own (or the client set none). */
  private static boolean capLowered(UsageEvent event) {
    Long applied = event.appliedMaxTokens();
    Long asked = event.requestedMaxTokens();
    return applied != null && (asked == null || applied < asked);
  }

  /** tokens x USD-per-million, exactly. */
  private static BigDecimal cost(long tokens, BigDecimal perMillion) {
    return BigDecimal.valueOf(tokens).multiply(perMillion).movePointLeft(6);
  }

  private static BigDecimal zero() {
    return BigDecimal.ZERO;
  }

  private static CostBreakdown round(
      BigDecimal actual,
      BigDecimal baseline,
      Savings exact,
      String version,
      String requestedModel,
      String servedModel,
      boolean estimated) {
    BigDecimal a = scale(actual);
    BigDecimal b = scale(baseline);
    BigDecimal[] parts = {
      scale(exact.cache()),
      scale(exact.routing()),
      scale(exact.promptCaching()),
      scale(exact.batch()),
      scale(exact.outputCap())
    };
    BigDecimal residue = b.subtract(a);
    int largest = 0;
    for (int i = 0; i < parts.length; i++) {
      residue = residue.subtract(parts[i]);
      if (parts[i].abs().compareTo(parts[largest].abs()) > 0) {
        largest = i;
      }
    }
    parts[largest] = parts[largest].add(residue);
    return new CostBreakdown(
        a,
        b,
        new Savings(parts[0], parts[1], parts[2], parts[3], parts[4]),
        version,
        requestedModel,
        servedModel,
        estimated);
  }

  private static BigDecimal scale(BigDecimal value) {
    return value.setScale(CostBreakdown.SCALE, CostBreakdown.ROUNDING);
  }
}
