package dev.tokenwise.common.quality;

import java.time.Duration;
import java.time.Instant;

/**
 * What cost-service tells the router about one route: an element of cost-service's {@code GET
 * /api/quality/routes}, which the router polls (a service reads only its own Redis keys; facts
 * cross between services over an API or an event).
 *
 * @param route the route name
 * @param tighten whether the route is over its regression budget: the router should send more of
 *     its traffic to the stronger tier (its reference model) and answer less from the cache, and
 *     log {@code reason}
 * @param regressionRate bad / evaluated requests over {@code window}; null when none was evaluated
 * @param budget the route's regression budget (highest acceptable rate)
 * @param evaluated distinct requests with a verdict in the window
 * @param bad those judged bad
 * @param window the trailing window the rate covers
 * @param reason one sentence saying why, for logs
 * @param updatedAt when cost-service computed this advice
 */
public record RouteAdvice(
    String route,
    boolean tighten,
    Double regressionRate,
    double budget,
    long evaluated,
    long bad,
    Duration window,
    String reason,
    Instant updatedAt) {}
