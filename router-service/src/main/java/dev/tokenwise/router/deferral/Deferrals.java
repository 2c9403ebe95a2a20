package dev.tokenwise.router.deferral;

import dev.tokenwise.common.batch.DeferredApi;
import dev.tokenwise.common.openai.OpenAiError;
import dev.tokenwise.router.cache.CacheClient;
import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.route.RoutePlan;
import dev.tokenwise.router.tenant.Tenant;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import dev.tokenwise.router.usage.UsageEvents;
import java.net.URI;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Hands deferred requests to batch-service and reads their jobs back. The router remembers in Redis
 * which tenant owns each job id, so {@code GET /v1/jobs/{id}} answers only the tenant that
 * submitted it (others get the same 404 as an unknown id).
 */
@Component
public class Deferrals {

  static final String OWNER_KEY = "tokenwise:router:job:";

  private final BatchServiceClient batch;
  private final ReactiveStringRedisTemplate redis;
  private final VirtualKeyAuthenticator authenticator;
  private final DeferralProperties properties;
  private final JsonMapper json;
  private final CacheClient cache;

  Deferrals(
      BatchServiceClient batch,
      ReactiveStringRedisTemplate redis,
      VirtualKeyAuthenticator authenticator,
      DeferralProperties properties,
      JsonMapper json,
      CacheClient cache) {
    this.cache = cache;
    this.batch = batch;
    this.redis = redis;
    this.authenticator = authenticator;
    this.properties = properties;
    this.json = json;
  }

  /**
   * 202 with the job id and {@code Location: /v1/jobs/{id}}, or the reason batch-service refused.
   *
   * @param whenRefused runs before the error when batch-service answered with a refusal (the
   *     request will not run, so a budget reservation can be dropped)
   */
  public Mono<ServerResponse> defer(
      Tenant tenant,
      RoutePlan plan,
      UsageEvents.Request facts,
      String provider,
      Mono<Void> whenRefused) {
    ObjectNode body = plan.request().deepCopy();
    body.remove("stream");
    body.remove("stream_options");
    DeferredApi.Submission submission =
        new DeferredApi.Submission(
            tenant.id(),
            tenant.app(),
            plan.route().name(),
            provider,
            plan.servedModel(),
            null,
            "openai",
            body,
            null,
            null,
            facts.requestId(),
            // keyed like the router's own lookups, so a deferred answer and a synchronous one
            // share entries
            cache.policy(plan.servedModel(), plan.route().definition().cache()),
            facts.hashedEndUser(),
            facts.conversationId(),
            facts.experiment(),
            facts.arm(),
            facts.routerVersion());
    return batch
        .submit(submission)
        .onErrorMap(
            e -> !(e instanceof OpenAiApiException),
            e ->
                OpenAiApiException.upstreamUnavailable(
                    HttpStatus.SERVICE_UNAVAILABLE,
                    "The batch service did not take the deferred request; retry later."))
        .flatMap(
            reply -> {
              if (!reply.status().is2xxSuccessful()) {
                return whenRefused.then(Mono.error(refused(reply)));
              }
              DeferredApi.Accepted accepted =
                  json.readValue(reply.body(), DeferredApi.Accepted.class);
              String id = accepted.id() == null ? "" : accepted.id();
              if (id.isEmpty()) {
                return Mono.error(
                    OpenAiApiException.upstreamUnavailable(
                        HttpStatus.BAD_GATEWAY, "The batch service answered without a job id."));
              }
              ObjectNode answer = json.createObjectNode();
              answer.put("id", id);
              answer.put("object", "tokenwise.job");
              answer.put("status", "queued");
              answer.put("route", plan.route().name());
              answer.put("model", plan.servedModel());
              return redis
                  .opsForValue()
                  .set(OWNER_KEY + id, tenant.id(), properties.jobOwnership())
                  .timeout(properties.timeout())
                  .onErrorReturn(false)
                  .then(
                      ServerResponse.status(HttpStatus.ACCEPTED)
                          .location(URI.create("/v1/jobs/" + id))
                          .header("Tokenwise-Route", plan.route().name())
                          .header("Tokenwise-Model", plan.servedModel())
                          .header(RoutePlan.MODE_HEADER, "deferred")
                          .contentType(MediaType.APPLICATION_JSON)
                          .bodyValue(json.writeValueAsBytes(answer)));
            });
  }

  /** {@code GET /v1/jobs/{id}}: batch-service's job view, for the tenant that owns it. */
  Mono<ServerResponse> job(ServerRequest request) {
    Tenant tenant;
    try {
      tenant = authenticator.authenticate(request.headers().asHttpHeaders());
    } catch (OpenAiApiException e) {
      return Mono.error(e);
    }
    String id = request.pathVariable("id");
    return redis
        .opsForValue()
        .get(OWNER_KEY + id)
        .timeout(properties.timeout())
        .onErrorResume(e -> Mono.empty())
        .filter(tenant.id()::equals)
        .switchIfEmpty(Mono.error(notFound(id)))
        .flatMap(owner -> batch.job(id, owner))
        .onErrorMap(
            e -> !(e instanceof OpenAiApiException),
            e ->
                OpenAiApiException.upstreamUnavailable(
                    HttpStatus.SERVICE_UNAVAILABLE,
                    "The batch service did not answer; retry later."))
        .flatMap(
            reply ->
                reply.status().value() == 404
                    ? Mono.error(notFound(id))
                    : ServerResponse.status(reply.status())
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(reply.body()));
  }

  private OpenAiApiException refused(BatchServiceClient.Reply reply) {
    String detail = "The batch service refused the deferred request.";
    try {
      JsonNode problem = json.readTree(reply.body());
      if (problem.path("detail").isString()) {
        detail = problem.path("detail").asString();
      }
    } catch (JacksonException e) {
      // not a problem document: the generic message stands
    }
    return reply.status().is4xxClientError()
        ? OpenAiApiException.invalidRequest(detail, null, "deferral_rejected")
        : OpenAiApiException.upstreamUnavailable(HttpStatus.BAD_GATEWAY, detail);
  }

  private static OpenAiApiException notFound(String id) {
    return new OpenAiApiException(
        HttpStatus.NOT_FOUND,
        "No job with id '" + id + "'.",
        OpenAiError.INVALID_REQUEST,
        "id",
        "job_not_found");
  }
}
