package dev.tokenwise.cost.pricing;

import dev.tokenwise.common.usage.UsageEvent;

/** A usage event with its cost, as stored. */
public record PricedEvent(UsageEvent event, EventCost cost) {}
