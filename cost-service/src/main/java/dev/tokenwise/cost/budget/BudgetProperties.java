package dev.tokenwise.cost.budget;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Tenant spend: cost-service's own per-month spend keys, and the settlements it sends the router.
 *
 * @param enabled whether cost-service's own spend keys are written at all
 * @param settlements whether a spend settlement is appended for every stored event (the router's
 *     budgets release reservations on them; off only where no router enforces budgets)
 * @param settlementStreamMaxLength the settlement stream is trimmed to about this many entries,
 *     each up to 500 settlements (one per stored event at low traffic); the router acknowledges
 *     within seconds, so the length only bounds a router that is down
 * @param refreshInterval how often every tenant's spend for the current month is recomputed from
 *     the rollups and written over the key (corrects increments lost to a Redis outage, and
 *     re-pricing)
 * @param keyTtl how long a month's key lives after its last write
 */
@ConfigurationProperties("tokenwise.cost.budget")
record BudgetProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("true") boolean settlements,
    @DefaultValue("100000") long settlementStreamMaxLength,
    @DefaultValue("1m") Duration refreshInterval,
    @DefaultValue("62d") Duration keyTtl) {}
