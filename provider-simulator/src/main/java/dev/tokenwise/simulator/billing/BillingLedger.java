package dev.tokenwise.simulator.billing;

import dev.tokenwise.common.pricing.ModelPrice;
import dev.tokenwise.common.pricing.PriceCatalogs;
import dev.tokenwise.common.pricing.Rates;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Every request the simulator answered and billed, aggregated per minute (memory stays bounded
 * under load), priced at the list prices of common's bundled catalog in force at that moment (the
 * simulator's stand-in for the provider's price list), with the batch discount, and any injected
 * {@link Discrepancy}. The providers' admin reports are built from it. Requests answered with a
 * fault (an error status, a cut stream) are not billed.
 */
@Component
public class BillingLedger {

  /**
   * Set by the simulator's batch runner on the synchronous call that answers a batch line, so the
   * line is billed at the batch price.
   */
  public static final String BATCH_HEADER = "x-simulator-billing";

  private static final Logger log = LoggerFactory.getLogger(BillingLedger.class);

  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

  /** Minutes older than this are forgotten (the reports' longest page is 31 days). */
  private static final Duration KEEP = Duration.ofDays(32);

  /** One aggregate per minute, provider, key, model, tier and context window. */
  private record Key(
      Instant minute,
      String provider,
      String apiKeyId,
      String model,
      boolean batch,
      boolean longContext) {}

  private final Map<Key, BilledRequest> minutes = new HashMap<>();
  private Instant evicted = Instant.EPOCH;
  private final List<Discrepancy> discrepancies = new ArrayList<>();
  private final PriceCatalogs prices;
  private final Clock clock;

  @Autowired
  public BillingLedger() {
    this(PriceCatalogs.bundled(), Clock.systemUTC());
  }

  BillingLedger(PriceCatalogs prices, Clock clock) {
    this.prices = prices;
    this.clock = clock;
  }

  /** The provider's id for an inference key: a digest, never the key. */
  public static String apiKeyId(String prefix, String key) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest((key == null ? "" : key).getBytes(StandardCharsets.UTF_8));
      return prefix + HexFormat.of().formatHex(digest, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Bills one answered request.
   *
   * @param uncachedInput input tokens neither read from nor written to the prompt cache
   */
  public void bill(
      String provider,
      String apiKeyId,
      String model,
      boolean batch,
      long uncachedInput,
      long cachedInput,
      long write5m,
      long write1h,
      long output) {
    Instant now = clock.instant();
    synchronized (this) {
      BigDecimal factor = BigDecimal.ONE;
      int copies = 1;
      for (int i = 0; i < discrepancies.size(); i++) {
        Discrepancy d = discrepancies.get(i);
        if (!d.matches(provider, model)) {
          continue;
        }
        switch (d.kind()) {
          case PRICE_CHANGE -> factor = factor.multiply(d.factor());
          case CACHE_WRITE_TIER -> {
            write1h += write5m;
            write5m = 0;
          }
          case DROPPED_REQUEST, DUPLICATED_BATCH_LINE -> {
            if (d.remaining() > 0
                && batch == (d.kind() == Discrepancy.Kind.DUPLICATED_BATCH_LINE)) {
              copies++;
              discrepancies.set(i, d.used());
            }
          }
        }
      }
      discrepancies.removeIf(d -> d.kind().counted() && d.remaining() <= 0);
      BilledRequest line =
          price(
              now.truncatedTo(ChronoUnit.MINUTES),
              provider,
              apiKeyId,
              model,
              batch,
              factor,
              uncachedInput,
              cachedInput,
              write5m,
              write1h,
              output);
      for (int c = 0; c < copies; c++) {
        minutes.merge(
            new Key(line.at(), provider, apiKeyId, model, batch, line.longContext()),
            line,
            BilledRequest::plus);
      }
      if (now.minus(KEEP).isAfter(evicted.plus(Duration.ofHours(1)))) {
        Instant oldest = now.minus(KEEP);
        minutes.keySet().removeIf(k -> k.minute().isBefore(oldest));
        evicted = oldest;
      }
    }
  }

  private BilledRequest price(
      Instant now,
      String provider,
      String apiKeyId,
      String model,
      boolean batch,
      BigDecimal factor,
      long uncached,
      long cached,
      long write5m,
      long write1h,
      long output) {
    Optional<ModelPrice> price = prices.inForceAt(now).find(model);
    if (price.isEmpty()) {
      log.warn("No list price for {}: billed at 0", model);
    }
    Rates rates = price.map(p -> p.ratesFor(uncached + cached + write5m + write1h)).orElse(null);
    BigDecimal multiplier =
        batch && price.isPresent()
            ? factor.multiply(BigDecimal.ONE.subtract(price.get().batchDiscount()))
            : factor;
    return new BilledRequest(
        now,
        provider,
        apiKeyId,
        model,
        batch,
        uncached + cached + write5m + write1h > 200_000,
        1,
        uncached,
        cached,
        write5m,
        write1h,
        output,
        cost(uncached, rates == null ? null : rates.input(), multiplier),
        cost(cached, rates == null ? null : rates.cachedInput(), multiplier),
        cost(write5m, rates == null ? null : rates.cacheWrite5m(), multiplier),
        cost(write1h, rates == null ? null : rates.cacheWrite1h(), multiplier),
        cost(output, rates == null ? null : rates.output(), multiplier));
  }

  private static BigDecimal cost(long tokens, BigDecimal perMillion, BigDecimal multiplier) {
    if (perMillion == null || tokens == 0) {
      return BigDecimal.ZERO;
    }
    return perMillion.multiply(BigDecimal.valueOf(tokens)).multiply(multiplier).divide(MILLION);
  }

  /** One provider's per-minute aggregates in {@code [from, to)}, oldest first. */
  public synchronized List<BilledRequest> lines(String provider, Instant from, Instant to) {
    List<BilledRequest> out = new ArrayList<>();
    for (Map.Entry<Key, BilledRequest> entry : minutes.entrySet()) {
      Key key = entry.getKey();
      if (key.provider().equals(provider)
          && !key.minute().isBefore(from)
          && key.minute().isBefore(to)) {
        out.add(entry.getValue());
      }
    }
    out.sort(java.util.Comparator.comparing(BilledRequest::at));
    return out;
  }

  public synchronized void inject(Discrepancy discrepancy) {
    discrepancies.add(discrepancy);
  }

  public synchronized List<Discrepancy> discrepancies() {
    return List.copyOf(discrepancies);
  }

  /** Forgets every line and discrepancy. */
  public synchronized void reset() {
    minutes.clear();
    discrepancies.clear();
  }
}
