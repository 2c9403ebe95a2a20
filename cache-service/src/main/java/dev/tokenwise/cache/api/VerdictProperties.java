package dev.tokenwise.cache.api;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How this replica takes verdicts from the verdict stream ({@code tokenwise.cache.verdicts.*};
 * README, "Delivering verdicts").
 *
 * @param enabled whether this replica consumes the verdict stream at all
 * @param consumerName this replica's name in the consumer group; blank: the host name with a random
 *     suffix
 * @param batchSize entries read (or taken over) at a time
 * @param block how long one read waits for new entries; below {@code spring.data.redis.timeout}
 * @param claimMinIdle how long an entry stays pending on another consumer (dead, or failing to
 *     record it) before this one takes it over
 * @param claimInterval how often this replica looks for such entries
 * @param retryBackoff the first pause after a failure (Redis down, a verdict not recorded), doubled
 *     on each failure in a row up to {@code maxRetryBackoff}; then the entries still pending are
 *     read again
 * @param maxRetryBackoff the longest pause between retries
 * @param remember how long a verdict id is remembered as recorded: a redelivery (or the same
 *     verdict posted over HTTP too) within it counts once
 */
@ConfigurationProperties("tokenwise.cache.verdicts")
public record VerdictProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("") String consumerName,
    @DefaultValue("100") int batchSize,
    @DefaultValue("500ms") Duration block,
    @DefaultValue("30s") Duration claimMinIdle,
    @DefaultValue("10s") Duration claimInterval,
    @DefaultValue("500ms") Duration retryBackoff,
    @DefaultValue("30s") Duration maxRetryBackoff,
    @DefaultValue("1d") Duration remember) {

  public VerdictProperties {
    if (batchSize < 1) {
      throw new IllegalArgumentException("tokenwise.cache.verdicts.batch-size must be positive");
    }
    positive("block", block);
    positive("claim-min-idle", claimMinIdle);
    positive("claim-interval", claimInterval);
    positive("retry-backoff", retryBackoff);
    positive("max-retry-backoff", maxRetryBackoff);
    positive("remember", remember);
  }

  private static void positive(String name, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException("tokenwise.cache.verdicts." + name + " must be positive");
    }
  }
}
