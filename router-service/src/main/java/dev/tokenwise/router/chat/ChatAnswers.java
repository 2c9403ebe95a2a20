package dev.tokenwise.router.chat;

import dev.tokenwise.common.openai.OpenAiError;
import dev.tokenwise.common.translate.NormalizedUsage;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.router.cache.CacheLookup;
import dev.tokenwise.router.provider.OpenAiProviderClient;
import dev.tokenwise.router.provider.ProviderReply;
import dev.tokenwise.router.request.Overhead;
import dev.tokenwise.router.request.TokenwiseHeaders;
import dev.tokenwise.router.usage.CostEstimator;
import dev.tokenwise.router.usage.UsageEvents;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** How the chat endpoint answers: whole JSON bodies with Tokenwise headers, provider errors. */
@Component
class ChatAnswers {

  private final CostEstimator costs;
  private final JsonMapper json;
  private final Overhead overhead;

  ChatAnswers(CostEstimator costs, JsonMapper json, Overhead overhead) {
    this.costs = costs;
    this.json = json;
    this.overhead = overhead;
  }

  /** An answer no provider was asked for (a cache hit): all of its time is overhead. */
  Mono<ServerResponse> answer(
      HttpStatusCode status,
      byte[] body,
      UsageEvents.Request facts,
      CacheLookup.Result cacheResult,
      UsageEvent event) {
    return answer(status, body, facts, cacheResult, event, 0);
  }

  /**
   * A whole JSON answer with the Tokenwise headers; the cost header when it can be priced, the
   * overhead header from the time the providers took.
   */
  Mono<ServerResponse> answer(
      HttpStatusCode status,
      byte[] body,
      UsageEvents.Request facts,
      CacheLookup.Result cacheResult,
      UsageEvent event,
      long providerNanos) {
    return ServerResponse.status(status)
        .contentType(MediaType.APPLICATION_JSON)
        .headers(headers -> describe(headers, facts, cacheResult, event, providerNanos))
        .bodyValue(body);
  }

  /**
   * A cache hit for a {@code "stream": true} request: the stored answer as a whole event stream
   * ({@link CachedCompletionStream}), with the same headers as a JSON answer.
   */
  Mono<ServerResponse> answerStream(
      byte[] events, UsageEvents.Request facts, CacheLookup.Result cacheResult, UsageEvent event) {
    return ServerResponse.ok()
        .contentType(MediaType.TEXT_EVENT_STREAM)
        .headers(headers -> describe(headers, facts, cacheResult, event, 0))
        .body(Mono.just(DefaultDataBufferFactory.sharedInstance.wrap(events)), DataBuffer.class);
  }

  private void describe(
      HttpHeaders headers,
      UsageEvents.Request facts,
      CacheLookup.Result cacheResult,
      UsageEvent event,
      long providerNanos) {
    headers.set(TokenwiseHeaders.ROUTE, facts.route());
    headers.set(TokenwiseHeaders.MODEL, event.servedModel());
    headers.set(TokenwiseHeaders.CACHE, cacheResult.header());
    costs
        .estimateUsd(event)
        .ifPresent(usd -> headers.set(TokenwiseHeaders.COST_USD, usd.toPlainString()));
    overhead.record(headers, facts.startedNanos(), providerNanos);
  }

  /** The usage event of a request the provider failed or refused: no tokens, status error. */
  UsageEvent failed(UsageEvents.Request facts, UsageEvent.Mode mode) {
    return UsageEvents.answered(
        facts,
        facts.requestedModel(),
        OpenAiProviderClient.PROVIDER,
        mode,
        NormalizedUsage.ZERO,
        UsageEvent.Status.ERROR,
        null);
  }

  /** The provider's error body when it is OpenAI-shaped, else an envelope saying what came. */
  byte[] providerError(ProviderReply reply) {
    try {
      JsonNode body = json.readTree(reply.body());
      if (body.path("error").isObject()) {
        return reply.body();
      }
    } catch (JacksonException e) {
      // not JSON: wrapped below
    }
    String type =
        reply.status().is4xxClientError() ? OpenAiError.INVALID_REQUEST : OpenAiError.SERVER;
    return json.writeValueAsBytes(
        OpenAiError.of(
            "The provider answered with HTTP status " + reply.status().value() + ".",
            type,
            null,
            "upstream_error"));
  }
}
