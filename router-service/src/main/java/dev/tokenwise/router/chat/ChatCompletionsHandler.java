package dev.tokenwise.router.chat;

import dev.tokenwise.common.metrics.BoundedTags;
import dev.tokenwise.common.openai.OpenAiError;
import dev.tokenwise.common.tokens.TokenEstimator;
import dev.tokenwise.common.translate.NormalizedUsage;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.router.cache.CacheLookup;
import dev.tokenwise.router.cache.ExactCacheClient;
import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.provider.OpenAiProviderClient;
import dev.tokenwise.router.provider.ProviderErrorReply;
import dev.tokenwise.router.provider.ProviderReply;
import dev.tokenwise.router.request.PublicApiRequestFilter;
import dev.tokenwise.router.request.RequestOutcome;
import dev.tokenwise.router.request.TokenwiseHeaders;
import dev.tokenwise.router.tenant.Tenant;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import dev.tokenwise.router.usage.CostEstimator;
import dev.tokenwise.router.usage.UsageEvents;
import dev.tokenwise.router.usage.UsagePublisher;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/chat/completions}: authenticate, read and validate, look up the exact cache,
 * forward a miss to the provider, answer, then store the answer and emit exactly one usage event.
 * Bad input stops before the cache and produces no event.
 */
@Component
class ChatCompletionsHandler {

  private final VirtualKeyAuthenticator authenticator;
  private final ChatRequestReader reader;
  private final ExactCacheClient cache;
  private final OpenAiProviderClient openai;
  private final UsagePublisher usage;
  private final CostEstimator costs;
  private final ChatProperties properties;
  private final JsonMapper json;
  private final BoundedTags tags;

  ChatCompletionsHandler(
      VirtualKeyAuthenticator authenticator,
      ChatRequestReader reader,
      ExactCacheClient cache,
      OpenAiProviderClient openai,
      UsagePublisher usage,
      CostEstimator costs,
      ChatProperties properties,
      JsonMapper json,
      BoundedTags tags) {
    this.authenticator = authenticator;
    this.reader = reader;
    this.cache = cache;
    this.openai = openai;
    this.usage = usage;
    this.costs = costs;
    this.properties = properties;
    this.json = json;
    this.tags = tags;
  }

  Mono<ServerResponse> handle(ServerRequest request) {
    long started = System.nanoTime();
    Tenant tenant;
    try {
      tenant = authenticator.authenticate(request.headers().asHttpHeaders());
    } catch (OpenAiApiException e) {
      return Mono.error(e);
    }
    return reader.read(request).flatMap(call -> serve(request.exchange(), tenant, call, started));
  }

  private Mono<ServerResponse> serve(
      ServerWebExchange exchange, Tenant tenant, ChatCall call, long started) {
    String route = properties.defaultRoute().name();
    PublicApiRequestFilter.describe(exchange, route, tags.model(call.model()));
    if (call.model().startsWith("claude-")) {
      return Mono.error(
          OpenAiApiException.invalidRequest(
              "The model '"
                  + call.model()
                  + "' is not served on /v1/chat/completions yet; use an OpenAI model.",
              "model",
              "model_not_supported"));
    }
    UsageEvents.Request facts =
        new UsageEvents.Request(
            PublicApiRequestFilter.requestId(exchange),
            tenant.id(),
            tenant.app(),
            call.endUser(),
            route,
            call.model(),
            call.requestedMaxTokens(),
            call.requestedMaxTokens(),
            started);
    if (call.stream()) {
      return streamed(facts, call);
    }
    return cache
        .lookup(tenant.id(), route, call.model(), call.json())
        .flatMap(
            lookup ->
                lookup.isHit()
                    ? fromCache(exchange, facts, lookup)
                    : fromProvider(facts, call, lookup.result()));
  }

  private Mono<ServerResponse> fromCache(
      ServerWebExchange exchange, UsageEvents.Request facts, CacheLookup lookup) {
    JsonNode stored = lookup.response();
    UsageEvent event =
        UsageEvents.answered(
            facts,
            facts.requestedModel(),
            OpenAiProviderClient.PROVIDER,
            UsageEvent.Mode.CACHE_EXACT,
            UsageEvents.openAiUsage(json, stored.get("usage")),
            UsageEvent.Status.OK,
            finishReason(stored));
    usage.publish(event);
    RequestOutcome.mark(exchange, RequestOutcome.CACHE_HIT);
    return answer(HttpStatus.OK, json.writeValueAsBytes(stored), facts, lookup.result(), event);
  }

  private Mono<ServerResponse> fromProvider(
      UsageEvents.Request facts, ChatCall call, CacheLookup.Result cacheResult) {
    return openai
        .chatCompletion(call.raw())
        .doOnError(OpenAiApiException.class, e -> usage.publish(failed(facts)))
        .flatMap(
            reply -> {
              if (!reply.status().is2xxSuccessful()) {
                UsageEvent event = failed(facts);
                usage.publish(event);
                return answer(reply.status(), providerError(reply), facts, cacheResult, event);
              }
              JsonNode completion = parseCompletion(reply);
              if (completion == null) {
                usage.publish(failed(facts));
                return Mono.error(
                    OpenAiApiException.upstreamUnavailable(
                        HttpStatus.BAD_GATEWAY, "The provider's answer was not a JSON object."));
              }
              String finishReason = finishReason(completion);
              UsageEvent event =
                  UsageEvents.answered(
                      facts,
                      facts.requestedModel(),
                      OpenAiProviderClient.PROVIDER,
                      UsageEvent.Mode.SYNC,
                      UsageEvents.openAiUsage(json, completion.get("usage")),
                      UsageEvent.Status.OK,
                      finishReason);
              usage.publish(event);
              if (cacheResult == CacheLookup.Result.MISS
                  && ExactCacheClient.isStorable(finishReason)) {
                cache.storeInBackground(
                    facts.tenant(), facts.route(), facts.requestedModel(), call.json(), completion);
              }
              return answer(HttpStatus.OK, reply.body(), facts, cacheResult, event);
            });
  }

  /**
   * A streamed request bypasses the exact cache (its answer cannot be replayed as a stream yet).
   * The router asks for the usage chunk ({@code stream_options.include_usage}), passes the events
   * through as they arrive, and emits the usage event when the stream ends, fails or the client
   * goes away: exactly one, whichever comes first.
   */
  private Mono<ServerResponse> streamed(UsageEvents.Request facts, ChatCall call) {
    boolean clientWantsUsage =
        call.json().path("stream_options").path("include_usage").asBoolean(false);
    byte[] body = call.raw();
    if (!clientWantsUsage) {
      ObjectNode withUsage = call.json().deepCopy();
      withUsage
          .putObject("stream_options")
          .setAll(optionsOf(call.json()))
          .put("include_usage", true);
      body = json.writeValueAsBytes(withUsage);
    }
    SseUsageTap tap = new SseUsageTap(json, clientWantsUsage);
    AtomicBoolean reported = new AtomicBoolean();
    Consumer<UsageEvent.Status> report =
        status -> {
          if (reported.compareAndSet(false, true)) {
            Mono.fromCallable(
                    () -> tap.usage() != null ? tap.usage() : estimatedUsage(call, tap.output()))
                .subscribeOn(Schedulers.parallel())
                .map(
                    tokens ->
                        UsageEvents.answered(
                            facts,
                            facts.requestedModel(),
                            OpenAiProviderClient.PROVIDER,
                            UsageEvent.Mode.STREAM,
                            tokens,
                            status,
                            tap.finishReason()))
                .subscribe(usage::publish);
          }
        };
    return openai
        .streamChatCompletion(body)
        .flatMap(
            entity -> {
              Flux<DataBuffer> events =
                  entity
                      .getBody()
                      .concatMapIterable(
                          buffer -> {
                            byte[] bytes = new byte[buffer.readableByteCount()];
                            buffer.read(bytes);
                            DataBufferUtils.release(buffer);
                            return tap.accept(bytes);
                          })
                      .concatWith(Mono.fromSupplier(tap::finish).filter(tail -> tail.length > 0))
                      .map(DefaultDataBufferFactory.sharedInstance::wrap)
                      .cast(DataBuffer.class)
                      .doOnComplete(() -> report.accept(UsageEvent.Status.OK))
                      .doOnCancel(() -> report.accept(UsageEvent.Status.CLIENT_DISCONNECTED))
                      .onErrorResume(
                          e -> {
                            report.accept(UsageEvent.Status.ERROR);
                            return Mono.just(midStreamError());
                          });
              return ServerResponse.ok()
                  .contentType(MediaType.TEXT_EVENT_STREAM)
                  .headers(
                      headers -> {
                        headers.set(TokenwiseHeaders.ROUTE, facts.route());
                        headers.set(TokenwiseHeaders.MODEL, facts.requestedModel());
                        headers.set(TokenwiseHeaders.CACHE, CacheLookup.Result.BYPASS.header());
                      })
                  .body(events, DataBuffer.class);
            })
        .onErrorResume(
            ProviderErrorReply.class,
            e -> {
              UsageEvent event = failed(facts);
              usage.publish(event);
              return answer(
                  e.reply().status(),
                  providerError(e.reply()),
                  facts,
                  CacheLookup.Result.BYPASS,
                  event);
            })
        .doOnError(OpenAiApiException.class, e -> usage.publish(failed(facts)));
  }

  /**
   * Counts a stream's tokens when its usage chunk never came (the client left, the stream broke, or
   * the server does not report usage): the prompt by OpenAI's chat recipe, the output from the text
   * that streamed. CPU work: runs on the parallel scheduler, not the event loop.
   */
  private static NormalizedUsage estimatedUsage(ChatCall call, String output) {
    TokenEstimator estimator = TokenEstimator.shared();
    List<TokenEstimator.Message> messages = new ArrayList<>();
    for (JsonNode message : call.json().path("messages")) {
      StringBuilder text = new StringBuilder();
      JsonNode content = message.path("content");
      if (content.isString()) {
        text.append(content.asString());
      }
      for (JsonNode part : content.isArray() ? content : JsonNodeFactory.instance.arrayNode()) {
        if (part.path("text").isString()) {
          text.append(part.path("text").asString());
        }
      }
      JsonNode name = message.path("name");
      messages.add(
          new TokenEstimator.Message(
              message.path("role").asString(""),
              text.toString(),
              name.isString() ? name.asString() : null));
    }
    long input = estimator.countChat(call.model(), messages);
    long generated = output.isEmpty() ? 0 : estimator.countText(call.model(), output);
    return new NormalizedUsage(input, 0, 0, 0, generated, 0);
  }

  /** OpenAI reports a failure after the 200 as a data event carrying an error object. */
  private DataBuffer midStreamError() {
    byte[] error =
        json.writeValueAsBytes(
            OpenAiError.of(
                "The provider stream failed before it finished.",
                OpenAiError.SERVER,
                null,
                "upstream_error"));
    byte[] event = new byte[error.length + 8];
    System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, event, 0, 6);
    System.arraycopy(error, 0, event, 6, error.length);
    event[event.length - 2] = '\n';
    event[event.length - 1] = '\n';
    return DefaultDataBufferFactory.sharedInstance.wrap(event);
  }

  private static ObjectNode optionsOf(ObjectNode request) {
    return request.get("stream_options") instanceof ObjectNode options
        ? options.deepCopy()
        : JsonNodeFactory.instance.objectNode();
  }

  private Mono<ServerResponse> answer(
      HttpStatusCode status,
      byte[] body,
      UsageEvents.Request facts,
      CacheLookup.Result cacheResult,
      UsageEvent event) {
    return ServerResponse.status(status)
        .contentType(MediaType.APPLICATION_JSON)
        .headers(
            headers -> {
              headers.set(TokenwiseHeaders.ROUTE, facts.route());
              headers.set(TokenwiseHeaders.MODEL, event.servedModel());
              headers.set(TokenwiseHeaders.CACHE, cacheResult.header());
              costs
                  .estimateUsd(event)
                  .ifPresent(usd -> headers.set(TokenwiseHeaders.COST_USD, usd.toPlainString()));
            })
        .bodyValue(body);
  }

  private UsageEvent failed(UsageEvents.Request facts) {
    return UsageEvents.answered(
        facts,
        facts.requestedModel(),
        OpenAiProviderClient.PROVIDER,
        UsageEvent.Mode.SYNC,
        NormalizedUsage.ZERO,
        UsageEvent.Status.ERROR,
        null);
  }

  /** The provider's error body when it is OpenAI-shaped, else an envelope saying what came. */
  private byte[] providerError(ProviderReply reply) {
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

  private JsonNode parseCompletion(ProviderReply reply) {
    try {
      JsonNode body = json.readTree(reply.body());
      return body.isObject() ? body : null;
    } catch (JacksonException e) {
      return null;
    }
  }

  private static String finishReason(JsonNode completion) {
    JsonNode reason = completion.path("choices").path(0).path("finish_reason");
    return reason.isString() ? reason.asString() : null;
  }
}
