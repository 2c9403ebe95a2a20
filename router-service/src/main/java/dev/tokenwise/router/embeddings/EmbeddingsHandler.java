package dev.tokenwise.router.embeddings;

import static org.springframework.web.reactive.function.server.RequestPredicates.POST;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import dev.tokenwise.common.metrics.BoundedTags;
import dev.tokenwise.common.translate.NormalizedUsage;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.router.chat.ChatProperties;
import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.provider.Formats;
import dev.tokenwise.router.provider.OpenAiProviderClient;
import dev.tokenwise.router.provider.ProviderKind;
import dev.tokenwise.router.request.Overhead;
import dev.tokenwise.router.request.PublicApiRequestFilter;
import dev.tokenwise.router.request.TokenwiseHeaders;
import dev.tokenwise.router.tenant.Tenant;
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
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/embeddings}: authenticated, size-limited, checked for {@code model} and {@code
 * input}, then passed to the OpenAI-compatible provider byte for byte; one usage event per answer.
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
      BoundedTags tags) {
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
                                  tokens =
                                      UsageEvents.openAiUsage(
                                          json, json.readTree(reply.body()).get("usage"));
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
                                                usd ->
                                                    headers.set(
                                                        TokenwiseHeaders.COST_USD,
                                                        usd.toPlainString()));
                                        overhead.record(headers, started, providerNanos);
                                      })
                                  .bodyValue(ok ? reply.body() : formats.openAiError(reply));
                            });
                  });
        });
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
