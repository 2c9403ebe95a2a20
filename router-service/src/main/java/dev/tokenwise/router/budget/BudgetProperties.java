package dev.tokenwise.router.budget;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Monthly budgets per tenant ({@code tokenwise.router.budgets.*}).
 *
 * @param tenants caps by tenant id ({@code tenants.acme.hard-usd=100})
 * @param whenRedisDown what a request of a tenant with a budget gets when Redis cannot be asked,
 *     unless its caps say otherwise: {@code open} lets it through unreserved, {@code closed}
 *     refuses it with 503 {@code budget_unavailable}
 * @param defaultMaxOutputTokens the output an uncapped request is reserved for, for a model not in
 *     {@code maxOutputTokens}; the price catalog lists no output limits, so this ceiling is
 *     configuration (an uncapped answer longer than it can pass the cap by the difference)
 * @param maxOutputTokens the output ceiling per model id ({@code max-output-tokens.gpt-5=128000}),
 *     for uncapped requests
 * @param inputMargin the prompt estimate (common's token estimator, which counts with OpenAI's
 *     tokenizers) is multiplied by this for the reservation, for providers whose tokenizers count
 *     more
 * @param mediaPartTokens input tokens reserved for each image, audio or file part of a prompt,
 *     which the estimate (text only) does not count: 4,096 covers an image at any provider's
 *     largest size; a long recording or a many-page file can cost more
 * @param unpricedReserveUsd reserved per call for a model no price catalog knows
 * @param reservationTimeout how long a reservation waits for its settlement from cost-service (a
 *     replica died mid-request, cost-service is down) before it is counted as spent at its reserved
 *     amount, until a late settlement replaces that with the actual cost: longer than the slowest
 *     request plus cost-service's ingest lag
 * @param deferredReservationTimeout the same for a deferred request, whose settlement comes only
 *     once batch-service has gathered it into a provider batch and the batch has answered (a
 *     provider's batch window is 24 hours)
 * @param settledRetention how long a settled request id is remembered, so a redelivered settlement
 *     is not counted twice
 * @param spendTtl how long a month's spend key lives after its last settlement
 * @param redisTimeout past it Redis counts as unreachable for the check
 * @param settlements how the settlement stream is consumed
 */
@ConfigurationProperties("tokenwise.router.budgets")
public record BudgetProperties(
    @DefaultValue Map<String, Caps> tenants,
    @DefaultValue("open") FailureMode whenRedisDown,
    @DefaultValue("32768") long defaultMaxOutputTokens,
    @DefaultValue Map<String, Long> maxOutputTokens,
    @DefaultValue("1.2") BigDecimal inputMargin,
    @DefaultValue("4096") long mediaPartTokens,
    @DefaultValue("0.01") BigDecimal unpricedReserveUsd,
    @DefaultValue("15m") Duration reservationTimeout,
    @DefaultValue("26h") Duration deferredReservationTimeout,
    @DefaultValue("7d") Duration settledRetention,
    @DefaultValue("62d") Duration spendTtl,
    @DefaultValue("1s") Duration redisTimeout,
    @DefaultValue Settlements settlements) {

  /**
   * @param hardUsd spend at which requests are refused ({@code budget_exceeded}); null for none
   * @param softUsd spend past which answers carry {@code Tokenwise-Budget-Warning}; null for none
   * @param whenRedisDown this tenant's {@link FailureMode}; null for the default
   */
  public record Caps(BigDecimal hardUsd, BigDecimal softUsd, FailureMode whenRedisDown) {}

  /** Whether a budget check that cannot reach Redis lets the request through. */
  public enum FailureMode {
    OPEN,
    CLOSED
  }

  /**
   * @param enabled whether this replica consumes settlements (every replica should; off only for a
   *     router whose budgets are not enforced)
   * @param consumerName this replica's name in the consumer group; blank for the host name plus a
   *     random suffix (a restarted replica is a new consumer, and takes over what the old one left
   *     pending after {@code claimMinIdle})
   * @param batchSize entries read at once
   * @param block how long one read waits for new entries
   * @param claimMinIdle entries another consumer has held unacknowledged this long are taken over
   * @param claimInterval how often abandoned entries are looked for
   * @param retryBackoff the first pause after a failure (doubling up to a minute)
   */
  public record Settlements(
      @DefaultValue("true") boolean enabled,
      String consumerName,
      @DefaultValue("100") int batchSize,
      @DefaultValue("2s") Duration block,
      @DefaultValue("1m") Duration claimMinIdle,
      @DefaultValue("30s") Duration claimInterval,
      @DefaultValue("500ms") Duration retryBackoff) {}
}
