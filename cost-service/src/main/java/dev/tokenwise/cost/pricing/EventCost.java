package dev.tokenwise.cost.pricing;

import dev.tokenwise.common.pricing.CostBreakdown;
import dev.tokenwise.common.pricing.CostBreakdown.Tactic;
import java.math.BigDecimal;
import java.util.Objects;

/**
 * What one usage event cost, as cost-service stores it: common's {@link CostBreakdown}, or why the
 * event could not be priced (its model is in no catalog version). An unpriced event is kept with
 * null money, never dropped and never counted as free.
 *
 * @param breakdown the priced cost, or null when unpriced
 * @param catalogVersion the catalog version that priced it (or that was in force and lacked the
 *     model)
 * @param unpricedReason why there is no breakdown, or null
 * @param provider the provider as a bounded metric tag value: the catalog's name, else {@code
 *     other}
 * @param model the served model as a bounded metric tag value: the catalog's canonical id, else
 *     {@code other}
 */
public record EventCost(
    CostBreakdown breakdown,
    String catalogVersion,
    String unpricedReason,
    String provider,
    String model) {

  public EventCost {
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(model, "model");
    if ((breakdown == null) == (unpricedReason == null)) {
      throw new IllegalArgumentException("either a breakdown or an unpriced reason");
    }
  }

  public boolean priced() {
    return breakdown != null;
  }

  public BigDecimal costUsd() {
    return priced() ? breakdown.actual() : null;
  }

  public BigDecimal baselineUsd() {
    return priced() ? breakdown.baseline() : null;
  }

  /** The tactic's saving, possibly negative; null when unpriced. */
  public BigDecimal savingsUsd(Tactic tactic) {
    return priced() ? breakdown.savings().of(tactic) : null;
  }
}
