package dev.tokenwise.router.chat;

import dev.tokenwise.common.metrics.BoundedTags;
import dev.tokenwise.common.translate.NormalizedUsage;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.router.budget.Budgets;
import dev.tokenwise.router.cache.CacheClient;
import dev.tokenwise.router.cache.CacheLookup;
import dev.tokenwise.router.cache.CacheQuery;
import dev.tokenwise.router.deferral.Deferrals;
import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.outputcap.StructuredOutput;
import dev.tokenwise.router.promptcache.PromptCacheShaper;
import dev.tokenwise.router.provider.Formats;
import dev.tokenwise.router.provider.OpenAiProviderClient;
import dev.tokenwise.router.provider.ProviderKind;
import dev.tokenwise.router.provider.ProviderReply;
import dev.tokenwise.router.provider.ResilientProviders;
import dev.tokenwise.router.request.PublicApiRequestFilter;
import dev.tokenwise.router.request.RequestGuardProperties;
import dev.tokenwise.router.request.RequestOutcome;
import dev.tokenwise.router.request.Stages;
import dev.tokenwise.router.route.RoutePlan;
import dev.tokenwise.router.route.RoutePlanner;
import dev.tokenwise.router.shadow.ShadowEvaluations;
import dev.tokenwise.router.tenant.Tenant;
import dev.tokenwise.router.tenant.TokenRateLimits;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import dev.tokenwise.router.usage.Conversations;
import dev.tokenwise.router.usage.UsageEvents;
import dev.tokenwise.router.usage.UsagePublisher;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/chat/completions}: authenticate, read and validate, look up the cache (exact,
 * then semantic where the route allows), forward a miss to the provider, answer, then store the
 * answer and emit exactly one usage event. Bad input stops before the cache and produces no event.
 */
@Component
class ChatCompletionsHandler {

  private final VirtualKeyAuthenticator authenticator;
  private final ChatRequestReader reader;
  private final CacheClient cache;
  private final ResilientProviders providers;
  private final Formats formats;
  private final Budgets budgets;
  private final UsagePublisher usage;
  private final ChatAnswers answers;
  private final StreamedCompletions streams;
  private final ChatProperties properties;
  private final JsonMapper json;
  private final BoundedTags tags;
  private final RoutePlanner planner;
  private final PromptCacheShaper promptCache;
  private final Deferrals deferrals;
  private final RouteMetrics routeMetrics;
  private final TokenRateLimits tokenLimits;
  private final ShadowChecks shadows;
  private final ShadowEvaluations shadowEvaluations;
  private final RequestGuardProperties guard;

  ChatCompletionsHandler(
      VirtualKeyAuthenticator authenticator,
      ChatRequestReader reader,
      CacheClient cache,
      ResilientProviders providers,
      Formats formats,
      Budgets budgets,
      UsagePublisher usage,
      ChatAnswers answers,
      StreamedCompletions streams,
      ChatProperties properties,
      JsonMapper json,
      BoundedTags tags,
      RoutePlanner planner,
      PromptCacheShaper promptCache,
      Deferrals deferrals,
      RouteMetrics routeMetrics,
      TokenRateLimits tokenLimits,
      ShadowChecks shadows,
      ShadowEvaluations shadowEvaluations,
      RequestGuardProperties guard) {
    this.guard = guard;
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
    this.planner = planner;
    this.promptCache = promptCache;
    this.deferrals = deferrals;
    this.routeMetrics = routeMetrics;
    this.tokenLimits = tokenLimits;
    this.shadows = shadows;
    this.shadowEvaluations = shadowEvaluations;
  }

  Mono<ServerResponse> handle(ServerRequest request) {
    long started = System.nanoTime();
    Tenant tenant;
    try {
      tenant = authenticator.authenticate(request.headers().asHttpHeaders());
    } catch (OpenAiApiException e) {
      return Mono.error(e);
    }
    return reader
        .read(request)
        .flatMap(
            read -> {
              // attributed on the client's own body, before routing reshapes it
              HttpHeaders headers = request.headers().asHttpHeaders();
              String conversation = Conversations.forChat(tenant.id(), headers, read.json());
              ChatCall call = withEndUser(read, Conversations.endUser(read.endUser(), headers));
              return Stages.within(
                      request.exchange(),
                      "routing",
                      guard.stageTimeout(),
                      planner.plan(tenant, headers, call.json()))
                  .flatMap(
                      plan ->
                          serve(
                              request.exchange(),
                              tenant,
                              planned(call, plan),
                              plan,
                              started,
                              conversation));
            });
  }

  private static ChatCall withEndUser(ChatCall call, String endUser) {
    return endUser == null || endUser.equals(call.endUser())
        ? call
        : new ChatCall(
            call.json(),
            call.raw(),
            call.model(),
            call.stream(),
            call.requestedMaxTokens(),
            endUser);
  }

  /**
   * The client's call as the route planned it: tier model, cap, schema and prompt shaping applied.
   */
  private ChatCall planned(ChatCall call, RoutePlan plan) {
    return new ChatCall(
        plan.request(),
        plan.request().equals(call.json()) ? call.raw() : json.writeValueAsBytes(plan.request()),
        plan.servedModel(),
        call.stream(),
        call.requestedMaxTokens(),
        call.endUser());
  }

  private Mono<ServerResponse> serve(
      ServerWebExchange exchange,
      Tenant tenant,
      ChatCall call,
      RoutePlan plan,
      long started,
      String conversation) {
    String route = plan.route().name();
    PublicApiRequestFilter.describe(exchange, route, tags.model(call.model()));
    tenant.checkRoute(route);
    tenant.checkModel(call.model());
    plan.describe(exchange.getResponse().getHeaders(), null);
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
            plan.referenceModel(),
            plan.cap().requested(),
            plan.cap().applied(),
            started,
            conversation);
    if (plan.deferred()) {
      return deferrals.defer(
          tenant, plan, facts, ProviderKind.forModel(call.model()).providerName());
    }
    // an upper estimate of the prompt for the budget reservation: rarely under 3 bytes a token
    long estimatedInput = call.raw().length / 3 + 16;
    CacheQuery query =
        new CacheQuery(
            tenant.id(),
            route,
            call.model(),
            call.json(),
            plan.route().definition().cache(),
            exchange.getRequest().getHeaders().getCacheControl());
    return Stages.within(exchange, "cache-lookup", guard.stageTimeout(), cache.lookup(query))
        .flatMap(
            lookup -> {
              if (lookup.isHit()) {
                shadows.startIfSampled(facts, query, call.json(), lookup);
                shadowEvaluations.offer(
                    plan, facts, call.json(), lookup.mode(), call.model(), lookup.response());
                return fromCache(exchange, facts, call, lookup);
              }
              Mono<Void> admitted =
                  Stages.within(
                          exchange,
                          "admission",
                          guard.stageTimeout(),
                          admit(exchange, tenant, facts, call, estimatedInput))
                      .doOnSuccess(v -> Stages.enter(exchange, "provider"));
              return call.stream()
                  ? admitted.then(
                      Mono.defer(
                          () ->
                              streams.serve(
                                  facts,
                                  call,
                                  lookup.result(),
                                  (servedBy, completion) -> {
                                    // stored like a whole answer, once it has streamed in full
                                    if (lookup.storable()
                                        && servedBy.model().equals(call.model())) {
                                      cache.storeInBackground(query, completion);
                                    }
                                  })))
                  : admitted.then(
                      Mono.defer(() -> fromProvider(exchange, facts, call, plan, query, lookup)));
            });
  }

  /** The key's token rate limit, then the tenant's budget (both shared through Redis). */
  private Mono<Void> admit(
      ServerWebExchange exchange,
      Tenant tenant,
      UsageEvents.Request facts,
      ChatCall call,
      long estimatedInput) {
    return tokenLimits.admit(
        exchange,
        tenant,
        facts.requestId(),
        call.model(),
        call.json(),
        facts.appliedMaxTokens() != null ? facts.appliedMaxTokens() : call.requestedMaxTokens(),
        budgets.reserve(exchange, facts, estimatedInput, call.requestedMaxTokens()));
  }

  /**
   * A hit: the stored answer, as JSON or (for {@code "stream": true}) as an event stream. A
   * semantic hit's event counts this request's own prompt (estimated), not the stored question's.
   */
  private Mono<ServerResponse> fromCache(
      ServerWebExchange exchange, UsageEvents.Request facts, ChatCall call, CacheLookup lookup) {
    JsonNode stored = lookup.response();
    boolean includeUsage =
        call.json().path("stream_options").path("include_usage").asBoolean(false);
    return Mono.fromCallable(
            () -> {
              NormalizedUsage storedUsage = UsageEvents.openAiUsage(json, stored.get("usage"));
              NormalizedUsage tokens =
                  lookup.result() == CacheLookup.Result.HIT_SEMANTIC
                      ? new NormalizedUsage(
                          StreamedCompletions.estimatedUsage(call, "").inputTokens(),
                          0,
                          0,
                          0,
                          storedUsage.outputTokens(),
                          storedUsage.reasoningTokens())
                      : storedUsage;
              byte[] body =
                  call.stream()
                      ? CachedCompletionStream.events(stored, includeUsage, json)
                      : json.writeValueAsBytes(stored);
              return new CachedAnswer(tokens, body);
            })
        .subscribeOn(Schedulers.parallel())
        .flatMap(
            cached -> {
              UsageEvent event =
                  UsageEvents.answered(
                      facts,
                      facts.requestedModel(),
                      OpenAiProviderClient.PROVIDER,
                      lookup.mode(),
                      cached.tokens(),
                      UsageEvent.Status.OK,
                      finishReason(stored));
              usage.publish(event);
              RequestOutcome.mark(exchange, RequestOutcome.CACHE_HIT);
              return call.stream()
                  ? answers.answerStream(cached.body(), facts, lookup.result(), event)
                  : answers.answer(HttpStatus.OK, cached.body(), facts, lookup.result(), event);
            });
  }

  /** A cached answer ready to send, and the tokens its usage event counts. */
  private record CachedAnswer(NormalizedUsage tokens, byte[] body) {}

  private Mono<ServerResponse> fromProvider(
      ServerWebExchange exchange,
      UsageEvents.Request facts,
      ChatCall call,
      RoutePlan plan,
      CacheQuery query,
      CacheLookup lookup) {
    CacheLookup.Result cacheResult = lookup.result();
    return complete(exchange, call, plan)
        .flatMap(served -> repairIfInvalid(exchange, facts, call, plan, served))
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
                completion = formats.toOpenAi(served.served(), call.json());
              } catch (OpenAiApiException | JacksonException e) {
                usage.publish(answers.failed(facts, UsageEvent.Mode.SYNC));
                return Mono.error(
                    OpenAiApiException.upstreamUnavailable(
                        HttpStatus.BAD_GATEWAY, "The provider's answer was not a JSON object."));
              }
              String finishReason = finishReason(completion);
              String servedModel = served.target().model();
              routeMetrics.answered(facts.route(), finishReason);
              UsageEvent event =
                  UsageEvents.answered(
                      facts,
                      servedModel,
                      served.target().kind().providerName(),
                      UsageEvent.Mode.SYNC,
                      add(
                          UsageEvents.openAiUsage(json, completion.get("usage")),
                          served.repairUsage()),
                      UsageEvent.Status.OK,
                      finishReason);
              usage.publish(event);
              shadowEvaluations.offer(
                  plan, facts, call.json(), UsageEvent.Mode.SYNC, servedModel, completion);
              if (lookup.storable()
                  && servedModel.equals(call.model())
                  && CacheClient.isStorable(finishReason)) {
                cache.storeInBackground(query, completion);
              }
              byte[] body =
                  served.target().kind() == ProviderKind.OPENAI
                      ? served.reply().body()
                      : json.writeValueAsBytes(completion);
              return answers.answer(
                  HttpStatus.OK, body, facts, cacheResult, event, served.providerNanos());
            });
  }

  /** A provider's answer, and the tokens a schema repair spent before it (zero when none ran). */
  private record Answered(
      ResilientProviders.Target target,
      ProviderReply reply,
      long providerNanos,
      NormalizedUsage repairUsage) {

    ResilientProviders.Served served() {
      return new ResilientProviders.Served(target, reply, providerNanos);
    }
  }

  /**
   * Calls the provider chain with the planned body; Anthropic targets get cache breakpoints placed
   * on their own translated body, so a fallback to another provider never carries them.
   */
  private Mono<Answered> complete(ServerWebExchange exchange, ChatCall call, RoutePlan plan) {
    return providers
        .complete(
            chain(plan, call.model()),
            target -> {
              byte[] body = formats.fromOpenAi(call.json(), call.raw(), target);
              if (target.kind() != ProviderKind.ANTHROPIC) {
                return body;
              }
              String[] action = new String[1];
              byte[] shaped =
                  promptCache.forAnthropic(
                      body, target.model(), plan.route(), plan.shaping(), action);
              if (action[0] != null) {
                exchange.getResponse().getHeaders().set(RoutePlan.PROMPT_CACHE_HEADER, action[0]);
              }
              return shaped;
            })
        .map(
            served ->
                new Answered(
                    served.target(), served.reply(), served.providerNanos(), NormalizedUsage.ZERO));
  }

  /** The provider layer's chain for the served model, then the route's own fallbacks. */
  private List<ResilientProviders.Target> chain(RoutePlan plan, String model) {
    List<ResilientProviders.Target> chain =
        new ArrayList<>(providers.chain(plan.route().name(), model));
    for (String fallback : plan.route().definition().fallbacks()) {
      if (chain.stream().noneMatch(t -> t.model().equals(fallback))) {
        chain.add(new ResilientProviders.Target(ProviderKind.forModel(fallback), fallback));
      }
    }
    return chain;
  }

  /**
   * Validates a successful answer against the route's schema; an invalid one gets one repair
   * request showing the model its errors, and a second invalid answer is a 502. The repair's tokens
   * stay on the request's usage event, so its cost lands on the route.
   */
  private Mono<Answered> repairIfInvalid(
      ServerWebExchange exchange,
      UsageEvents.Request facts,
      ChatCall call,
      RoutePlan plan,
      Answered served) {
    String schema = plan.route().definition().jsonSchema();
    if (schema == null || schema.isBlank() || !served.reply().status().is2xxSuccessful()) {
      return Mono.just(served);
    }
    JsonNode completion;
    try {
      completion = formats.toOpenAi(served.served(), call.json());
    } catch (RuntimeException e) {
      return Mono.just(served);
    }
    List<String> problems = StructuredOutput.problems(completion, schema, json);
    if (problems.isEmpty()) {
      return Mono.just(served);
    }
    routeMetrics.repaired(plan.route().name());
    NormalizedUsage first = UsageEvents.openAiUsage(json, completion.get("usage"));
    ObjectNode repair = StructuredOutput.repairRequest(call.json(), completion, problems);
    ChatCall repairCall =
        new ChatCall(
            repair,
            json.writeValueAsBytes(repair),
            call.model(),
            false,
            call.requestedMaxTokens(),
            call.endUser());
    return complete(exchange, repairCall, plan)
        .flatMap(
            again -> {
              Answered withRepair =
                  new Answered(again.target(), again.reply(), again.providerNanos(), first);
              if (!again.reply().status().is2xxSuccessful()) {
                return Mono.just(withRepair);
              }
              JsonNode second = formats.toOpenAi(again.served(), repair);
              List<String> still = StructuredOutput.problems(second, schema, json);
              if (still.isEmpty()) {
                return Mono.just(withRepair);
              }
              usage.publish(
                  UsageEvents.answered(
                      facts,
                      again.target().model(),
                      again.target().kind().providerName(),
                      UsageEvent.Mode.SYNC,
                      add(first, UsageEvents.openAiUsage(json, second.get("usage"))),
                      UsageEvent.Status.ERROR,
                      finishReason(second)));
              return Mono.error(
                  OpenAiApiException.upstreamUnavailable(
                      HttpStatus.BAD_GATEWAY,
                      "The model's answer did not match the route's JSON schema after one repair"
                          + " attempt: "
                          + String.join("; ", still)));
            });
  }

  private static NormalizedUsage add(NormalizedUsage a, NormalizedUsage b) {
    return new NormalizedUsage(
        a.inputTokens() + b.inputTokens(),
        a.cachedInputTokens() + b.cachedInputTokens(),
        a.cacheWrite5m() + b.cacheWrite5m(),
        a.cacheWrite1h() + b.cacheWrite1h(),
        a.outputTokens() + b.outputTokens(),
        a.reasoningTokens() + b.reasoningTokens());
  }

  private static String finishReason(JsonNode completion) {
    JsonNode reason = completion.path("choices").path(0).path("finish_reason");
    return reason.isString() ? reason.asString() : null;
  }
}
