package dev.tokenwise.simulator.billing;

import java.math.BigDecimal;

/**
 * A difference between what a client saw and what the provider's reports say, injected on purpose.
 *
 * @param kind what differs
 * @param provider {@code openai} or {@code anthropic}
 * @param model the model it applies to (a family matches its dated snapshots), null for any
 * @param factor for {@link Kind#PRICE_CHANGE}: the provider's price over the list price
 * @param remaining for the counted kinds, how many more requests it applies to
 */
public record Discrepancy(
    Kind kind, String provider, String model, BigDecimal factor, int remaining) {

  public enum Kind {
    /**
     * The next matching request is billed twice: the second stands for a request the provider
     * served whose usage event never reached Tokenwise.
     */
    DROPPED_REQUEST("dropped-request"),
    /** From now on the model is billed at {@code factor} times the list price. */
    PRICE_CHANGE("price-change"),
    /** The next matching batch line is billed twice. */
    DUPLICATED_BATCH_LINE("duplicated-batch-line"),
    /** From now on 5-minute cache writes are billed (and reported) as 1-hour writes. */
    CACHE_WRITE_TIER("cache-write-tier");

    private final String token;

    Kind(String token) {
      this.token = token;
    }

    public String token() {
      return token;
    }

    /** Whether it applies to a number of requests rather than from now on. */
    public boolean counted() {
      return this == DROPPED_REQUEST || this == DUPLICATED_BATCH_LINE;
    }

    public static Kind fromToken(String token) {
      for (Kind kind : values()) {
        if (kind.token.equals(token)) {
          return kind;
        }
      }
      return null;
    }
  }

  boolean matches(String provider, String served) {
    return this.provider.equals(provider)
        && (model == null || served.equals(model) || served.startsWith(model + "-"));
  }

  Discrepancy used() {
    return new Discrepancy(kind, provider, model, factor, remaining - 1);
  }
}
