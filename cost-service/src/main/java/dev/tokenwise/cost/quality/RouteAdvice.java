package dev.tokenwise.cost.quality;

import java.time.Duration;
import java.time.Instant;

/**
 * What cost-service tells the router about one route; the JSON value of the route's field in the
 * Redis hash {@value RouteAdvisor#ADVICE_KEY} and an element of {@code GET /api/quality/routes}.
 *
 * @param tighten whether the route is over its regression budget: the router should send more of
 *     its traffic to the stronger tier (its reference model) and answer less from the cache
 * @param regressionRate bad / evaluated over {@code window}; null when nothing was evaluated
 * @param budget the route's regression budget
 * @param evaluated distinct requests with a verdict in the window
 * @param bad those judged bad
 * @param reason one sentence saying why, for the router's log
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
