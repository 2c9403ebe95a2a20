package dev.tokenwise.router.embeddings;

import static org.springframework.web.reactive.function.server.RequestPredicates.POST;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import dev.tokenwise.common.metrics.BoundedTags;
import dev.tokenwise.common.tokens.TokenEstimator;
import dev.tokenwise.common.translate.NormalizedUsage;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.router.budget.Budgets;
import dev.tokenwise.router.chat.ChatProperties;
import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.provider.Formats;
import dev.tokenwise.router.provider.OpenAiProviderClient;
import dev.tokenwise.router.provider.ProviderKind;
import dev.tokenwise.router.request.Overhead;
import dev.tokenwise.router.request.PublicApiRequestFilter;
import dev.tokenwise.router.request.TokenwiseHeaders;
import dev.tokenwise.router.tenant.Tenant;
import dev.tokenwise.router.tenant.TokenRateLimits;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import dev.tokenwise.router.usage.CostEstimator;
import dev.tokenwise.router.usage.UsageEvents;
import dev.tokenwise.router.usage.UsagePublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/embeddings}: authenticated, size-limited, checked for {@code model} and {@code
 * input}, admitted by the key's token limit and the tenant's budget (the input's estimated tokens),
 * then passed to the OpenAI-compatible provider byte for byte; one usage event per answer.
 */
@Configuration(proxyBeanMethods = false)
class EmbeddingsHandler {

  @Bean
  RouterFunction<ServerResponse> embeddingsRoute(
      VirtualKeyAuthenticator authenticator,
      OpenAiProviderClient openai,
      Formats formats,
      UsagePublisher usage,
      CostEstimator costs,
      Overhead overhead,
      ChatProperties properties,
      JsonMapper json,
      BoundedTags tags,
      TokenRateLimits tokenLimits,
      Budgets budgets) {
    int limit = (int) Math.min(Integer.MAX_VALUE - 8, properties.maxBodySize().toBytes());
    return route(
        POST("/v1/embeddings"),
        request -> {
          long started = System.nanoTime();
          Tenant tenant;
          try {
            tenant = authenticator.authenticate(request.headers().asHttpHeaders());
          } catch (OpenAiApiException e) {
            return Mono.error(e);
          }
          return body(request, limit)
              .flatMap(
                  bytes -> {
                    String model = validate(json, bytes);
                    tenant.checkModel(model);
                    String route = properties.defaultRoute().name();
                    PublicApiRequestFilter.describe(request.exchange(), route, tags.model(model));
                    UsageEvents.Request facts =
                        new UsageEvents.Request(
                            PublicApiRequestFilter.requestId(request.exchange()),
                            tenant.id(),
                            tenant.app(),
                            null,
                            route,
                            model,
                            null,
                            null,
                            started);
                    // the key's token limit, then the tenant's budget, as for chat requests; an
                    // embedding has no output, so the charge is the input alone
                    Mono<Void> admitted =
                        Mono.fromCallable(
                                () -> inputTokens(model, json.readTree(bytes).get("input")))
                            .subscribeOn(Schedulers.parallel())
                            .flatMap(
                                tokens ->
                                    tokenLimits.admit(
                                        request.exchange(),
                                        tenant,
                                        facts.requestId(),
                                        tokens,
                                        budgets.reserveInputOnly(
                                            request.exchange(), tenant, facts, tokens)));
                    return admitted.then(
                        Mono.defer(
                            () ->
                                answer(
                                    openai, formats, usage, costs, overhead, json, bytes, model,
                                    route, facts, started)));
                  });
        });
  }

  private static Mono<ServerResponse> answer(
      OpenAiProviderClient openai,
      Formats formats,
      UsagePublisher usage,
      CostEstimator costs,
      Overhead overhead,
      JsonMapper json,
      byte[] bytes,
      String model,
      String route,
      UsageEvents.Request facts,
      long started) {
    long callStarted = System.nanoTime();
    return openai
        .post("/embeddings", bytes)
        .flatMap(
            reply -> {
              long providerNanos = System.nanoTime() - callStarted;
              boolean ok = reply.status().is2xxSuccessful();
              NormalizedUsage tokens = NormalizedUsage.ZERO;
              if (ok) {
                try {
                  tokens = UsageEvents.openAiUsage(json, json.readTree(reply.body()).get("usage"));
                } catch (JacksonException e) {
                  tokens = NormalizedUsage.ZERO;
                }
              }
              UsageEvent event =
                  UsageEvents.answered(
                      facts,
                      model,
                      ProviderKind.OPENAI.providerName(),
                      UsageEvent.Mode.SYNC,
                      tokens,
                      ok ? UsageEvent.Status.OK : UsageEvent.Status.ERROR,
                      null);
              usage.publish(event);
              return ServerResponse.status(reply.status())
                  .contentType(MediaType.APPLICATION_JSON)
                  .headers(
                      headers -> {
                        headers.set(TokenwiseHeaders.ROUTE, route);
                        headers.set(TokenwiseHeaders.MODEL, model);
                        headers.set(TokenwiseHeaders.CACHE, "bypass");
                        costs
                            .estimateUsd(event)
                            .ifPresent(
                                usd -> headers.set(TokenwiseHeaders.COST_USD, usd.toPlainString()));
                        overhead.record(headers, started, providerNanos);
                      })
                  .bodyValue(ok ? reply.body() : formats.openAiError(reply));
            })
        // no answer (the provider unreachable): an error event still settles the
        // token charge and the budget reservation
        .doOnError(
            e ->
                usage.publish(
                    UsageEvents.answered(
                        facts,
                        model,
                        ProviderKind.OPENAI.providerName(),
                        UsageEvent.Mode.SYNC,
                        NormalizedUsage.ZERO,
                        UsageEvent.Status.ERROR,
                        null)));
  }

  /**
   * The tokens of an embeddings {@code input} by common's estimator: each string counted, each
   * token id (OpenAI also takes pre-tokenised input: an array of ids, or an array of such arrays)
   * one token.
   */
  static long inputTokens(String model, JsonNode input) {
    if (input == null) {
      return 0;
    }
    if (input.isString()) {
      return TokenEstimator.shared().countText(model, input.asString());
    }
    if (input.isNumber()) {
      return 1;
    }
    long tokens = 0;
    if (input.isArray()) {
      for (JsonNode item : input) {
        tokens += inputTokens(model, item);
      }
    }
    return tokens;
  }

  private static Mono<byte[]> body(ServerRequest request, int limit) {
    if (request.headers().contentLength().orElse(-1) > limit) {
      return Mono.error(OpenAiApiException.bodyTooLarge(limit));
    }
    return DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()), limit)
        .onErrorMap(DataBufferLimitException.class, e -> OpenAiApiException.bodyTooLarge(limit))
        .map(
            buffer -> {
              try {
                byte[] bytes = new byte[buffer.readableByteCount()];
                buffer.read(bytes);
                return bytes;
              } finally {
                DataBufferUtils.release(buffer);
              }
            })
        .switchIfEmpty(
            Mono.error(
                () ->
                    OpenAiApiException.invalidRequest(
                        "The request body is empty; expected a JSON object.",
                        null,
                        "invalid_json")));
  }

  /** The model named by a well-formed embeddings request; a 400 naming the field otherwise. */
  static String validate(JsonMapper json, byte[] bytes) {
    JsonNode tree;
    try {
      tree = json.readTree(bytes);
    } catch (JacksonException e) {
      throw OpenAiApiException.invalidRequest(
          "We could not parse the JSON body of your request.", null, "invalid_json");
    }
    if (tree == null || !tree.isObject()) {
      throw OpenAiApiException.invalidRequest(
          "The request body must be a JSON object.", null, "invalid_type");
    }
    JsonNode model = tree.get("model");
    if (model == null || !model.isString() || model.asString().isBlank()) {
      throw OpenAiApiException.invalidRequest(
          "'model' is required and must be a non-empty string.", "model", "invalid_value");
    }
    JsonNode input = tree.get("input");
    if (input == null || !(input.isString() || input.isArray())) {
      throw OpenAiApiException.invalidRequest(
          "'input' is required and must be a string or an array.", "input", "invalid_value");
    }
    return model.asString();
  }
}
