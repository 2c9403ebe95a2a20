package dev.tokenwise.common.quality;

import java.time.Instant;

/**
 * One verdict on a request that has a {@link RoutingSample}: an element of cost-service's {@code
 * GET /api/quality/routing-verdicts}, which the router's retraining job reads. A request with both
 * client feedback and a shadow evaluation appears twice, once per {@code source}.
 *
 * @param source {@code feedback} (the client's verdict on the answer it got) or {@code shadow} (the
 *     served answer compared with the route's reference model's answer to the same request)
 * @param bad whether the verdict was bad
 * @param receivedAt when cost-service received the verdict
 */
public record RoutingVerdict(
    String requestId,
    String tenant,
    String route,
    String routerVersion,
    int servedTier,
    boolean explored,
    double propensity,
    String embedding,
    double[] features,
    String source,
    boolean bad,
    Instant receivedAt) {}
