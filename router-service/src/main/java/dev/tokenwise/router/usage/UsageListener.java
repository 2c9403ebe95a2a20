package dev.tokenwise.router.usage;

import dev.tokenwise.common.usage.UsageEvent;

/**
 * Hears of each usage event as {@link UsagePublisher} publishes it, on the publishing thread,
 * before it reaches Redis (the token rate limit books the tokens an answer used). A direct call
 * rather than a Spring application event: the event multicaster's per-event type resolution showed
 * in the router's CPU profile. Implementations must be quick and must not throw.
 */
public interface UsageListener {

  void onUsage(UsageEvent event);
}
