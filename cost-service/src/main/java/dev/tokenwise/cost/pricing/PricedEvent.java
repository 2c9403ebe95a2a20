package dev.tokenwise.cost.pricing;

import dev.tokenwise.common.usage.UsageEvent;

/**
 * A usage event with its cost, as stored.
 *
 * @param uncappedOutputEstimate the route's uncapped output length the output-cap saving was
 *     estimated against, or null when none was
 */
public record PricedEvent(UsageEvent event, EventCost cost, Long uncappedOutputEstimate) {

  public PricedEvent(UsageEvent event, EventCost cost) {
    this(event, cost, null);
  }
}
