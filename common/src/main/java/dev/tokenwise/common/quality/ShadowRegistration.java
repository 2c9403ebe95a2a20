package dev.tokenwise.common.quality;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * cost-service's {@code POST /api/quality/shadow-requests}: the router registers a sampled request
 * it answered cheaply (from cache, or on the cheap tier) before batch-service replays it against
 * the route's reference model and delivers the result, signed, to {@code
 * /api/quality/shadow-results/{shadowId}}. The call carries the router's service token for {@code
 * tenant}.
 *
 * @param shadowId the router's id for this replay (a UUID; it names the webhook path)
 * @param requestId the client request that was answered
 * @param reason {@code cache-exact}, {@code cache-semantic} or {@code routed-down}
 * @param servedModel the model that answered (or the cached answer's)
 * @param referenceModel the route's reference model the request is replayed against
 * @param servedAnswer the answer the client got
 * @param jobId batch-service's job id for the replay; only a delivery of that job is accepted
 */
public record ShadowRegistration(
    String shadowId,
    String requestId,
    String tenant,
    String route,
    String reason,
    String servedModel,
    String referenceModel,
    String servedAnswer,
    String jobId) {

  /** The answer: 201 when registered, 200 when the same id was registered before. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Registered(String shadowId, String status) {}
}
