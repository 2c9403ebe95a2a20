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
 * @param recordSpend whether the router adds each answer's estimated cost to the shared spend key;
 *     off when cost-service keeps the key current (it does in the suite), on for a router alone
 * @param defaultMaxOutputTokens the output a request without a limit is reserved for
 * @param unpricedReserveUsd reserved for a model no price catalog knows
 * @param reservationTtl how long an idle tenant's in-flight reservations outlive a crashed replica
 * @param redisTimeout past it the check fails open (the request goes on unreserved)
 */
@ConfigurationProperties("tokenwise.router.budgets")
public record BudgetProperties(
    @DefaultValue Map<String, Caps> tenants,
    @DefaultValue("false") boolean recordSpend,
    @DefaultValue("4096") long defaultMaxOutputTokens,
    @DefaultValue("0.01") BigDecimal unpricedReserveUsd,
    @DefaultValue("15m") Duration reservationTtl,
    @DefaultValue("1s") Duration redisTimeout) {

  /**
   * @param hardUsd spend at which requests are refused ({@code budget_exceeded}); null for none
   * @param softUsd spend past which answers carry {@code Tokenwise-Budget-Warning}; null for none
   */
  public record Caps(BigDecimal hardUsd, BigDecimal softUsd) {}
}
