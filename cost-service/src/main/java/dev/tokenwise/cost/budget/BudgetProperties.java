package dev.tokenwise.cost.budget;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How tenant spend is published to Redis.
 *
 * @param enabled whether spend keys are written at all
 * @param refreshInterval how often every tenant's spend for the current month is recomputed from
 *     the rollups and written over the key (corrects increments lost to a Redis outage, and
 *     re-pricing)
 * @param keyTtl how long a month's key lives after its last write
 */
@ConfigurationProperties("tokenwise.cost.budget")
record BudgetProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("1m") Duration refreshInterval,
    @DefaultValue("62d") Duration keyTtl) {}
