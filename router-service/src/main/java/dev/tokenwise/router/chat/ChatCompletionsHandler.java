package dev.tokenwise.router.chat;

import dev.tokenwise.common.metrics.BoundedTags;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.router.budget.Budgets;
import dev.tokenwise.router.cache.CacheLookup;
import dev.tokenwise.router.cache.ExactCacheClient;
import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.provider.Formats;
import dev.tokenwise.router.provider.OpenAiProviderClient;
import dev.tokenwise.router.provider.ProviderKind;
import dev.tokenwise.router.provider.ResilientProviders;
import dev.tokenwise.router.request.PublicApiRequestFilter;
import dev.tokenwise.router.request.RequestOutcome;
import dev.tokenwise.router.tenant.Tenant;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import dev.tokenwise.router.usage.UsageEvents;
import dev.tokenwise.router.usage.UsagePublisher;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

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
  private final ResilientProviders providers;
  private final Formats formats;
  private final Budgets budgets;
  private final UsagePublisher usage;
  private final ChatAnswers answers;
  private final StreamedCompletions streams;
  private final ChatProperties properties;
  private final JsonMapper json;
  private final BoundedTags tags;

  ChatCompletionsHandler(
      VirtualKeyAuthenticator authenticator,
      ChatRequestReader reader,
      ExactCacheClient cache,
      ResilientProviders providers,
      Formats formats,
      Budgets budgets,
      UsagePublisher usage,
      ChatAnswers answers,
      StreamedCompletions streams,
      ChatProperties properties,
      JsonMapper json,
      BoundedTags tags) {
    this.authenticator = authenticator;
    this.reader = reader;
    this.cache = cache;
    this.providers = providers;
    this.formats = formats;
    this.budgets = budgets;
    this.usage = usage;
    this.answers = answers;
    this.streams = streams;
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
    tenant.checkRoute(route);
    tenant.checkModel(call.model());
    ResilientProviders.Target target =
        new ResilientProviders.Target(ProviderKind.forModel(call.model()), call.model());
    if (target.kind() != ProviderKind.OPENAI) {
      try {
        // a request the model's format cannot express is the client's error, before the cache
        formats.fromOpenAi(call.json(), call.raw(), target);
      } catch (OpenAiApiException e) {
        return Mono.error(e);
      }
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
    // an upper estimate of the prompt for the budget reservation: rarely under 3 bytes a token
    long estimatedInput = call.raw().length / 3 + 16;
    if (call.stream()) {
      return budgets
          .reserve(exchange, facts, estimatedInput, call.requestedMaxTokens())
          .then(Mono.defer(() -> streams.serve(facts, call)));
    }
    return cache
        .lookup(tenant.id(), route, call.model(), call.json())
        .flatMap(
            lookup ->
                lookup.isHit()
                    ? fromCache(exchange, facts, lookup)
                    : budgets
                        .reserve(exchange, facts, estimatedInput, call.requestedMaxTokens())
                        .then(Mono.defer(() -> fromProvider(facts, call, lookup.result()))));
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
    return answers.answer(
        HttpStatus.OK, json.writeValueAsBytes(stored), facts, lookup.result(), event);
  }

  private Mono<ServerResponse> fromProvider(
      UsageEvents.Request facts, ChatCall call, CacheLookup.Result cacheResult) {
    return providers
        .complete(
            providers.chain(facts.route(), call.model()),
            target -> formats.fromOpenAi(call.json(), call.raw(), target))
        .doOnError(
            OpenAiApiException.class,
            e -> usage.publish(answers.failed(facts, UsageEvent.Mode.SYNC)))
        .flatMap(
            served -> {
              if (!served.reply().status().is2xxSuccessful()) {
                UsageEvent event = answers.failed(facts, UsageEvent.Mode.SYNC);
                usage.publish(event);
                return answers.answer(
                    served.reply().status(),
                    formats.openAiError(served.reply()),
                    facts,
                    cacheResult,
                    event,
                    served.providerNanos());
              }
              JsonNode completion;
              try {
                completion = formats.toOpenAi(served);
              } catch (OpenAiApiException | JacksonException e) {
                usage.publish(answers.failed(facts, UsageEvent.Mode.SYNC));
                return Mono.error(
                    OpenAiApiException.upstreamUnavailable(
                        HttpStatus.BAD_GATEWAY, "The provider's answer was not a JSON object."));
              }
              String finishReason = finishReason(completion);
              String servedModel = served.target().model();
              UsageEvent event =
                  UsageEvents.answered(
                      facts,
                      servedModel,
                      served.target().kind().providerName(),
                      UsageEvent.Mode.SYNC,
                      UsageEvents.openAiUsage(json, completion.get("usage")),
                      UsageEvent.Status.OK,
                      finishReason);
              usage.publish(event);
              if (cacheResult == CacheLookup.Result.MISS
                  && servedModel.equals(facts.requestedModel())
                  && ExactCacheClient.isStorable(finishReason)) {
                cache.storeInBackground(
                    facts.tenant(), facts.route(), facts.requestedModel(), call.json(), completion);
              }
              byte[] body =
                  served.target().kind() == ProviderKind.OPENAI
                      ? served.reply().body()
                      : json.writeValueAsBytes(completion);
              return answers.answer(
                  HttpStatus.OK, body, facts, cacheResult, event, served.providerNanos());
            });
  }

  private static String finishReason(JsonNode completion) {
    JsonNode reason = completion.path("choices").path(0).path("finish_reason");
    return reason.isString() ? reason.asString() : null;
  }
}
