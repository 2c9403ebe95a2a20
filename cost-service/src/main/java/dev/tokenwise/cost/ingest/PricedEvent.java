package dev.tokenwise.cost.ingest;

import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.cost.pricing.EventCost;

/** A usage event with its cost, as stored. */
record PricedEvent(UsageEvent event, EventCost cost) {}
