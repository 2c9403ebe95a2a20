package dev.tokenwise.common.batch;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.JsonNode;

/**
 * batch-service's deferred intake, {@code POST /internal/deferred}: the router hands over a routed
 * request (a client's {@code Tokenwise-Mode: deferred}, or a shadow replay) and gets a job id. The
 * router sends {@link Submission}; batch-service answers {@link Accepted} (202), or a problem
 * naming the member that is wrong. The call carries the router's service token for {@code tenant}.
 */
public final class DeferredApi {

  public static final String PATH = "/internal/deferred";

  private DeferredApi() {}

  /**
   * A deferred request.
   *
   * @param provider {@code openai} or {@code anthropic}
   * @param model the routed model, set into {@code body}
   * @param endpoint the provider path, when not the format's default
   * @param clientFormat {@code openai} or {@code anthropic}: the format of {@code body} and of the
   *     result
   * @param body the client's request
   * @param deadline ISO-8601 instant by which to answer, or null
   * @param webhookUrl where to deliver the result, or null (checked against internal addresses)
   * @param requestId the router's request id, carried into the usage event
   * @param cachePolicy the response-cache policy the router would send for this route
   * @param user the end user as the router hashed it, or null
   * @param conversation the router's conversation id, or null
   * @param experiment the route's experiment the request took part in, or null
   * @param arm the experiment arm it was assigned to, or null
   * @param routerVersion the learned routing model's version that chose its tier, or null
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Submission(
      String tenant,
      String app,
      String route,
      String provider,
      String model,
      String endpoint,
      String clientFormat,
      JsonNode body,
      String deadline,
      String webhookUrl,
      String requestId,
      JsonNode cachePolicy,
      String user,
      String conversation,
      String experiment,
      String arm,
      String routerVersion) {}

  /** 202: the job, queued; {@code statusUrl} is {@code /v1/jobs/{id}}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Accepted(String id, String status, String statusUrl) {}
}
