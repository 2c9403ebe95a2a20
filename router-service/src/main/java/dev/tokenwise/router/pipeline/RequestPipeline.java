package dev.tokenwise.router.pipeline;

import dev.tokenwise.common.anthropic.AnthropicStreamEvent;
import dev.tokenwise.common.metrics.BoundedTags;
import dev.tokenwise.common.tokens.TokenEstimator;
import dev.tokenwise.common.translate.AnthropicToOpenAiStream;
import dev.tokenwise.common.translate.NormalizedUsage;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.router.budget.Budgets;
import dev.tokenwise.router.cache.CacheClient;
import dev.tokenwise.router.cache.CacheLookup;
import dev.tokenwise.router.cache.CacheQuery;
import dev.tokenwise.router.cache.ServedSemanticHits;
import dev.tokenwise.router.chat.ChatProperties;
import dev.tokenwise.router.deferral.Deferrals;
import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.outputcap.OutputCaps;
import dev.tokenwise.router.outputcap.StructuredOutput;
import dev.tokenwise.router.promptcache.PromptCacheShaper;
import dev.tokenwise.router.provider.Formats;
import dev.tokenwise.router.provider.ProviderErrorReply;
import dev.tokenwise.router.provider.ProviderKind;
import dev.tokenwise.router.provider.ProviderReply;
import dev.tokenwise.router.provider.ResilientProviders;
import dev.tokenwise.router.provider.SseFrames;
import dev.tokenwise.router.request.Overhead;
import dev.tokenwise.router.request.PublicApiRequestFilter;
import dev.tokenwise.router.request.RequestGuardProperties;
import dev.tokenwise.router.request.RequestOutcome;
import dev.tokenwise.router.request.Stages;
import dev.tokenwise.router.request.TokenwiseHeaders;
import dev.tokenwise.router.route.ExperimentArms;
import dev.tokenwise.router.route.RoutePlan;
import dev.tokenwise.router.route.RoutePlanner;
import dev.tokenwise.router.shadow.ShadowEvaluations;
import dev.tokenwise.router.tenant.Tenant;
import dev.tokenwise.router.tenant.TokenRateLimits;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import dev.tokenwise.router.tenant.VirtualKeyFilter;
import dev.tokenwise.router.trace.RequestTraces;
import dev.tokenwise.router.usage.CostEstimator;
import dev.tokenwise.router.usage.UsageEvents;
import dev.tokenwise.router.usage.UsagePublisher;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.BodyExtractors;
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
 * The request pipeline every client protocol shares: tenant (resolved once, by the key filter) →
 * route plan → response cache → admission (token limit, budget) → provider call with retries,
 * breakers and the route's fallbacks → answer (caps, schema validation and repair) → exactly one
 * usage event. Whole and streamed answers go through the same steps here; a {@link ClientProtocol}
 * only reads the client's request and writes the answer in the client's shape. Bad input stops
 * before the cache and produces no event.
 */
@Component
public class RequestPipeline {

  /** Bodies above this are parsed off the event loop (large JSON is CPU work). */
  private static final int INLINE_PARSE_LIMIT = 64 * 1024;

  private final VirtualKeyAuthenticator authenticator;
  private final CacheClient cache;
  private final ResilientProviders providers;
  private final Formats formats;
  private final Budgets budgets;
  private final UsagePublisher usage;
  private final CostEstimator costs;
  private final Overhead overhead;
  private final JsonMapper json;
  private final BoundedTags tags;
  private final RoutePlanner planner;
  private final PromptCacheShaper promptCache;
  private final Deferrals deferrals;
  private final RouteMetrics routeMetrics;
  private final TokenRateLimits tokenLimits;
  private final ShadowChecks shadows;
  private final ServedSemanticHits servedHits;
  private final ShadowEvaluations shadowEvaluations;
  private final RequestGuardProperties guard;
  private final RequestTraces traces;
  private final int limit;

  RequestPipeline(
      VirtualKeyAuthenticator authenticator,
      CacheClient cache,
      ResilientProviders providers,
      Formats formats,
      Budgets budgets,
      UsagePublisher usage,
      CostEstimator costs,
      Overhead overhead,
      ChatProperties properties,
      JsonMapper json,
      BoundedTags tags,
      RoutePlanner planner,
      PromptCacheShaper promptCache,
      Deferrals deferrals,
      RouteMetrics routeMetrics,
      TokenRateLimits tokenLimits,
      ShadowChecks shadows,
      ServedSemanticHits servedHits,
      ShadowEvaluations shadowEvaluations,
      RequestGuardProperties guard,
      RequestTraces traces) {
    this.authenticator = authenticator;
    this.cache = cache;
    this.providers = providers;
    this.formats = formats;
    this.budgets = budgets;
    this.usage = usage;
    this.costs = costs;
    this.overhead = overhead;
    this.json = json;
    this.tags = tags;
    this.planner = planner;
    this.promptCache = promptCache;
    this.deferrals = deferrals;
    this.routeMetrics = routeMetrics;
    this.tokenLimits = tokenLimits;
    this.shadows = shadows;
    this.servedHits = servedHits;
    this.shadowEvaluations = shadowEvaluations;
    this.guard = guard;
    this.traces = traces;
    this.limit = (int) Math.min(Integer.MAX_VALUE - 8, properties.maxBodySize().toBytes());
  }

  /** Serves one request of {@code protocol}. */
  public Mono<ServerResponse> handle(ServerRequest request, ClientProtocol protocol) {
    long started = System.nanoTime();
    ServerWebExchange exchange = request.exchange();
    HttpHeaders headers = request.headers().asHttpHeaders();
    Tenant tenant;
    try {
      Tenant resolved = VirtualKeyFilter.tenant(exchange);
      tenant = resolved != null ? resolved : authenticator.authenticate(headers);
    } catch (OpenAiApiException e) {
      return Mono.error(e);
    }
    return body(request)
        .flatMap(
            bytes -> {
              Mono<ClientCall> parse =
                  Mono.fromCallable(() -> protocol.read(bytes, tenant.id(), headers));
              return bytes.length > INLINE_PARSE_LIMIT
                  ? parse.subscribeOn(Schedulers.parallel())
                  : parse;
            })
        .flatMap(
            call ->
                Stages.within(
                        exchange,
                        "routing",
                        guard.stageTimeout(),
                        planner.plan(
                            tenant,
                            headers,
                            call.openAi(),
                            new ExperimentArms.Keys(
                                call.endUser(),
                                call.conversation(),
                                PublicApiRequestFilter.requestId(exchange))))
                    .flatMap(
                        plan -> serve(new Flow(exchange, protocol, tenant, call, plan, started))));
  }

  /**
   * One request's state, set once and read by every later step (the chain's exchange attributes).
   */
  private final class Flow {
    final ServerWebExchange exchange;
    final ClientProtocol protocol;
    final Tenant tenant;
    final ClientCall call;
    final RoutePlan plan;
    final long started;
    final String model;
    final ResilientProviders.Target first;
    UsageEvents.Request facts;
    CacheQuery query;
    CacheLookup lookup;

    /** The request span's {@code traceparent} for its usage event; null when not traced. */
    String traceparent;

    /** The provider call's span, ended with the usage event. */
    RequestTraces.ProviderSpan providerSpan = RequestTraces.ProviderSpan.NONE;

    /** The first target's translated body, kept from the up-front check for its first attempt. */
    byte[] firstBody;

    /** The output limit the tenant's budget put on an uncapped request, or null. */
    Long budgetCap;

    /** The planned request's bytes, serialised at most once. */
    private byte[] plannedBytes;

    Flow(
        ServerWebExchange exchange,
        ClientProtocol protocol,
        Tenant tenant,
        ClientCall call,
        RoutePlan plan,
        long started) {
      this.exchange = exchange;
      this.protocol = protocol;
      this.tenant = tenant;
      this.call = call;
      this.plan = plan;
      this.started = started;
      this.model = plan.servedModel();
      this.first = new ResilientProviders.Target(ProviderKind.forModel(model), model);
    }

    /** The planned request's bytes: the client's own when the plan changed nothing. */
    byte[] plannedBytes() {
      if (plannedBytes == null) {
        plannedBytes =
            call.openAiRaw() != null && plan.request().equals(call.openAi())
                ? call.openAiRaw()
                : json.writeValueAsBytes(plan.request());
      }
      return plannedBytes;
    }
  }

  private Mono<ServerResponse> serve(Flow f) {
    String route = f.plan.route().name();
    PublicApiRequestFilter.describe(f.exchange, route, tags.model(f.model));
    f.tenant.checkRoute(route);
    f.tenant.checkModel(f.model);
    f.plan.describe(f.exchange.getResponse().getHeaders(), null);
    capForBudget(f);
    if (!f.protocol.forwardsNative(f.first, f.plan) && f.first.kind() != ProviderKind.OPENAI) {
      // a request the model's format cannot express is the client's error, before the cache
      f.firstBody = formats.fromOpenAi(f.plan.request(), null, f.first);
    }
    f.facts =
        new UsageEvents.Request(
            PublicApiRequestFilter.requestId(f.exchange),
            f.tenant.id(),
            f.tenant.app(),
            f.call.endUser(),
            route,
            f.plan.referenceModel(),
            f.plan.cap().requested(),
            f.plan.cap().applied(),
            f.started,
            f.call.conversation(),
            f.plan.experiment() == null ? null : f.plan.experiment().experiment(),
            f.plan.experiment() == null ? null : f.plan.experiment().arm(),
            f.plan.tier().routerVersion());
    f.traceparent = traces.traceparent(f.exchange);
    if (f.plan.deferred()) {
      return deferred(f);
    }
    f.query =
        new CacheQuery(
            f.tenant.id(),
            route,
            f.model,
            f.plan.request(),
            f.plan.route().definition().cache(),
            f.exchange.getRequest().getHeaders().getCacheControl());
    return Stages.within(f.exchange, "cache-lookup", guard.stageTimeout(), cache.lookup(f.query))
        .flatMap(
            lookup -> {
              f.lookup = lookup;
              if (lookup.isHit()) {
                shadows.startIfSampled(f.facts, f.query, f.plan.request(), lookup);
                servedHits.remember(f.facts.requestId(), f.query, lookup);
                shadowEvaluations.offer(
                    f.plan, f.facts, f.plan.request(), lookup.mode(), f.model, lookup.response());
                return fromCache(f);
              }
              Mono<Void> admitted =
                  Stages.within(f.exchange, "admission", guard.stageTimeout(), admit(f))
                      .doOnSuccess(v -> Stages.enter(f.exchange, "provider"));
              return admitted.then(
                  Mono.defer(
                      () -> {
                        f.providerSpan =
                            traces.providerCall(
                                f.exchange, f.first.kind().providerName(), f.first.model());
                        return f.call.stream() ? stream(f) : whole(f);
                      }));
            });
  }

  /**
   * A tenant with a budget reserves an uncapped request at an output ceiling; the request is sent
   * with that ceiling as its limit, so no answer can cost more than its reservation. Requests with
   * a limit of their own, or the route's, are left as they are.
   */
  private void capForBudget(Flow f) {
    if (f.plan.cap().applied() != null || !budgets.applies(f.tenant)) {
      return;
    }
    List<String> models =
        f.plan.deferred()
            ? List.of(f.model)
            : chain(f).stream().map(ResilientProviders.Target::model).toList();
    f.budgetCap = budgets.outputCeiling(models);
    OutputCaps.limit(f.plan.request(), f.model, f.budgetCap);
  }

  /**
   * The key's token rate limit, then the tenant's budget (both shared through Redis). The budget
   * reserves for every model of the chain (the tier chosen, then the fallbacks) at the output limit
   * the provider is sent.
   */
  private Mono<Void> admit(Flow f) {
    // the token limit charges what the client or the route set (its own default otherwise); the
    // budget reserves what the provider is sent, the budget's own limit included
    Long maxTokens =
        f.facts.appliedMaxTokens() != null
            ? f.facts.appliedMaxTokens()
            : f.call.requestedMaxTokens();
    Long sentMaxTokens = maxTokens != null ? maxTokens : f.budgetCap;
    String schema = f.plan.route().definition().jsonSchema();
    Mono<Void> budget =
        !budgets.applies(f.tenant)
            ? Mono.empty()
            : Mono.defer(
                () ->
                    budgets.reserve(
                        f.exchange,
                        f.tenant,
                        f.facts,
                        chain(f).stream().map(ResilientProviders.Target::model).toList(),
                        budgets.promptTokens(f.model, f.plan.request()),
                        sentMaxTokens,
                        !f.call.stream() && schema != null && !schema.isBlank()));
    return tokenLimits.admit(
        f.exchange, f.tenant, f.facts.requestId(), f.model, f.plan.request(), maxTokens, budget);
  }

  /**
   * Hands a deferred request to batch-service, reserving its worst case against the tenant's budget
   * first, as a synchronous one would. batch-service sends the routed model only (no fallbacks), at
   * the output limit the client set or the route applied. A refused request costs nothing, so its
   * reservation is dropped; one whose hand-over failed without an answer keeps it (batch-service
   * may have queued it) until its settlement or its deadline.
   */
  private Mono<ServerResponse> deferred(Flow f) {
    String provider = f.first.kind().providerName();
    if (!budgets.applies(f.tenant)) {
      return deferrals.defer(f.tenant, f.plan, f.facts, provider, Mono.empty());
    }
    Long maxTokens =
        f.facts.appliedMaxTokens() != null
            ? f.facts.appliedMaxTokens()
            : f.call.requestedMaxTokens() != null ? f.call.requestedMaxTokens() : f.budgetCap;
    return budgets
        .reserveDeferred(
            f.exchange,
            f.tenant,
            f.facts,
            List.of(f.model),
            budgets.promptTokens(f.model, f.plan.request()),
            maxTokens)
        .then(
            Mono.defer(
                () ->
                    deferrals.defer(
                        f.tenant,
                        f.plan,
                        f.facts,
                        provider,
                        budgets.release(f.tenant, f.facts.requestId()))));
  }

  // ---- cache hits -------------------------------------------------------------------------

  /**
   * A hit: the stored answer in the client's shape, whole or as an event stream. The usage event
   * names the model and provider that produced the stored answer (entries are stored only for the
   * model they are keyed under), with the cache mode; a semantic hit counts this request's own
   * prompt (estimated), not the stored question's.
   */
  private Mono<ServerResponse> fromCache(Flow f) {
    JsonNode stored = f.lookup.response();
    return Mono.fromCallable(
            () -> {
              NormalizedUsage storedUsage = UsageEvents.openAiUsage(json, stored.get("usage"));
              NormalizedUsage tokens =
                  f.lookup.result() == CacheLookup.Result.HIT_SEMANTIC
                      ? new NormalizedUsage(
                          estimatedUsage(f.plan.request(), f.model, "").inputTokens(),
                          0,
                          0,
                          0,
                          storedUsage.outputTokens(),
                          storedUsage.reasoningTokens())
                      : storedUsage;
              return tokens;
            })
        .subscribeOn(Schedulers.parallel())
        .flatMap(
            tokens -> {
              UsageEvent event =
                  UsageEvents.answered(
                      f.facts,
                      f.model,
                      f.first.kind().providerName(),
                      f.lookup.mode(),
                      tokens,
                      UsageEvent.Status.OK,
                      finishReason(stored));
              publish(f, event);
              RequestOutcome.mark(f.exchange, RequestOutcome.CACHE_HIT);
              if (!f.call.stream()) {
                return answer(f, HttpStatus.OK, f.protocol.answer(stored, f.call), event, 0);
              }
              byte[] replay =
                  CachedCompletionStream.events(stored, f.protocol.wantsUsageChunk(f.call), json);
              Flux<byte[]> events = f.protocol.events(Flux.fromIterable(replayed(replay)), f.call);
              return ServerResponse.ok()
                  .contentType(MediaType.TEXT_EVENT_STREAM)
                  .headers(headers -> describe(headers, f, event.servedModel(), event, 0))
                  .body(
                      events.map(DefaultDataBufferFactory.sharedInstance::wrap), DataBuffer.class);
            });
  }

  /** A replayed answer's events, parsed as a provider's would be. */
  private List<ChatEvent> replayed(byte[] events) {
    SseUsageTap reader = new SseUsageTap(json, true);
    List<ChatEvent> out = new ArrayList<>(reader.acceptEvents(events));
    out.addAll(reader.finishEvents());
    return out;
  }

  // ---- whole answers ----------------------------------------------------------------------

  /**
   * One provider call's outcome, the answer parsed once.
   *
   * @param completion the answer as a {@code chat.completion} (null when not 2xx)
   * @param usage usage normalised from the provider's own shape (zero when not 2xx)
   * @param forwardable whether the reply's bytes are the client's answer as they are
   */
  private record Attempt(
      ResilientProviders.Target target,
      ProviderReply reply,
      long providerNanos,
      JsonNode completion,
      NormalizedUsage usage,
      boolean forwardable) {

    Attempt withRepairOf(NormalizedUsage before) {
      return new Attempt(target, reply, providerNanos, completion, add(before, usage), false);
    }
  }

  private Mono<ServerResponse> whole(Flow f) {
    return complete(f, f.plan.request(), false)
        .flatMap(a -> repairIfInvalid(f, a))
        .doOnError(OpenAiApiException.class, e -> publish(f, failed(f, UsageEvent.Mode.SYNC)))
        .flatMap(
            a -> {
              if (!a.reply().status().is2xxSuccessful()) {
                UsageEvent event = failed(f, UsageEvent.Mode.SYNC);
                publish(f, event);
                return answer(
                    f, a.reply().status(), f.protocol.error(a.reply()), event, a.providerNanos());
              }
              String finishReason = finishReason(a.completion());
              String servedModel = a.target().model();
              routeMetrics.answered(f.facts.route(), finishReason);
              UsageEvent event =
                  UsageEvents.answered(
                      f.facts,
                      servedModel,
                      a.target().kind().providerName(),
                      UsageEvent.Mode.SYNC,
                      a.usage(),
                      UsageEvent.Status.OK,
                      finishReason);
              JsonNode answeredBy = a.completion().path("model");
              publish(f, event, answeredBy.isString() ? answeredBy.asString() : null);
              shadowEvaluations.offer(
                  f.plan,
                  f.facts,
                  f.plan.request(),
                  UsageEvent.Mode.SYNC,
                  servedModel,
                  a.completion());
              if (f.lookup.storable()
                  && servedModel.equals(f.model)
                  && CacheClient.isStorable(finishReason)) {
                cache.storeInBackground(f.query, a.completion());
              }
              byte[] body =
                  a.forwardable() ? a.reply().body() : f.protocol.answer(a.completion(), f.call);
              return answer(f, HttpStatus.OK, body, event, a.providerNanos());
            });
  }

  /**
   * Calls the chain (the served model, the provider layer's fallbacks, then the route's) with
   * {@code request}; with {@code translatedOnly} no target gets the client's own body (a schema
   * repair is a Chat Completions conversation).
   */
  private Mono<Attempt> complete(Flow f, ObjectNode request, boolean translatedOnly) {
    return providers
        .complete(chain(f), target -> body(f, target, request, translatedOnly))
        .map(
            served -> {
              ResilientProviders.Target target = served.target();
              ProviderReply reply = served.reply();
              boolean forwardable = !translatedOnly && f.protocol.forwardsNative(target, f.plan);
              if (!reply.status().is2xxSuccessful()) {
                return new Attempt(
                    target, reply, served.providerNanos(), null, NormalizedUsage.ZERO, false);
              }
              JsonNode answer = formats.readAnswer(reply.body());
              JsonNode completion;
              try {
                completion = formats.toOpenAi(answer, target, request);
              } catch (JacksonException | IllegalArgumentException e) {
                throw OpenAiApiException.upstreamUnavailable(
                    HttpStatus.BAD_GATEWAY, "The provider's answer was not a JSON object.");
              }
              return new Attempt(
                  target,
                  reply,
                  served.providerNanos(),
                  completion,
                  formats.nativeUsage(answer, target.kind()),
                  forwardable);
            });
  }

  /**
   * The body for one target: the client's own (when its protocol is the target's and the plan needs
   * no translation) or the planned Chat Completions request in the target's format; a Claude target
   * gets prompt-cache breakpoints on its own body, so a fallback never carries them.
   */
  private byte[] body(
      Flow f, ResilientProviders.Target target, ObjectNode request, boolean translatedOnly) {
    byte[] body = null;
    if (!translatedOnly && f.protocol.forwardsNative(target, f.plan)) {
      body = f.protocol.nativeBody(f.call, f.plan, target);
    }
    if (body == null) {
      if (request == f.plan.request() && target.equals(f.first) && f.firstBody != null) {
        body = f.firstBody;
      } else {
        body =
            formats.fromOpenAi(
                request,
                request == f.plan.request() ? f.plannedBytes() : json.writeValueAsBytes(request),
                target);
      }
    }
    if (target.kind() != ProviderKind.ANTHROPIC) {
      return body;
    }
    String[] action = new String[1];
    byte[] shaped =
        promptCache.forAnthropic(body, target.model(), f.plan.route(), f.plan.shaping(), action);
    if (action[0] != null) {
      f.exchange.getResponse().getHeaders().set(RoutePlan.PROMPT_CACHE_HEADER, action[0]);
    }
    return shaped;
  }

  /** The provider layer's chain for the served model, then the route's own fallbacks. */
  private List<ResilientProviders.Target> chain(Flow f) {
    List<ResilientProviders.Target> chain =
        new ArrayList<>(providers.chain(f.plan.route().name(), f.model));
    for (String fallback : f.plan.route().definition().fallbacks()) {
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
  private Mono<Attempt> repairIfInvalid(Flow f, Attempt a) {
    String schema = f.plan.route().definition().jsonSchema();
    if (schema == null || schema.isBlank() || !a.reply().status().is2xxSuccessful()) {
      return Mono.just(a);
    }
    List<String> problems = StructuredOutput.problems(a.completion(), schema, json);
    if (problems.isEmpty()) {
      return Mono.just(a);
    }
    routeMetrics.repaired(f.plan.route().name());
    ObjectNode repair = StructuredOutput.repairRequest(f.plan.request(), a.completion(), problems);
    repair.remove("stream");
    repair.remove("stream_options");
    return complete(f, repair, true)
        .flatMap(
            again -> {
              Attempt withRepair = again.withRepairOf(a.usage());
              if (!again.reply().status().is2xxSuccessful()) {
                return Mono.just(withRepair);
              }
              List<String> still = StructuredOutput.problems(again.completion(), schema, json);
              if (still.isEmpty()) {
                return Mono.just(withRepair);
              }
              publish(
                  f,
                  UsageEvents.answered(
                      f.facts,
                      again.target().model(),
                      again.target().kind().providerName(),
                      UsageEvent.Mode.SYNC,
                      withRepair.usage(),
                      UsageEvent.Status.ERROR,
                      finishReason(again.completion())));
              return Mono.error(
                  OpenAiApiException.upstreamUnavailable(
                      HttpStatus.BAD_GATEWAY,
                      "The model's answer did not match the route's JSON schema after one repair"
                          + " attempt: "
                          + String.join("; ", still)));
            });
  }

  // ---- streams ----------------------------------------------------------------------------

  /**
   * A streamed request the cache did not answer (a hit is replayed above). The router asks for the
   * usage chunk, passes events on as they arrive (translated when the client's protocol differs
   * from the provider's), and emits the usage event when the stream ends, fails or the client goes
   * away: exactly one, whichever comes first. Usage is taken from the provider's own events where
   * the translated ones would lose a detail (Claude's 1-hour cache writes). Once it has streamed in
   * full, a plain text answer is stored like a whole one, and on a schema route it is validated.
   */
  private Mono<ServerResponse> stream(Flow f) {
    ObjectNode sent = withStreamUsage(f.plan.request());
    SseUsageTap tap = new SseUsageTap(json, f.protocol.wantsUsageChunk(f.call));
    AtomicReference<NormalizedUsage> nativeUsage = new AtomicReference<>();
    AtomicReference<ResilientProviders.Target> servedBy = new AtomicReference<>(f.first);
    boolean[] schemaFailed = new boolean[1];
    Consumer<UsageEvent.Status> report =
        usage.streamReporter(
            f.facts,
            () -> servedBy.get().model(),
            () -> servedBy.get().kind().providerName(),
            () -> {
              NormalizedUsage reported =
                  nativeUsage.get() != null ? nativeUsage.get() : tap.usage();
              return reported != null
                  ? reported
                  : estimatedUsage(f.plan.request(), servedBy.get().model(), tap.output());
            },
            tap::finishReason,
            event -> publish(f, event, tap.model()));
    return providers.stream(chain(f), target -> body(f, target, sent, false))
        .flatMap(
            served -> {
              servedBy.set(served.target());
              Flux<byte[]> events;
              if (f.protocol.forwardsNative(served.target(), f.plan)
                  && served.target().kind() == ProviderKind.ANTHROPIC) {
                events = anthropicAsIs(served.entity().getBody(), tap, nativeUsage::set);
              } else {
                // a Claude stream is translated to chunk trees the tap reads as they are; any
                // other comes as Chat Completions bytes the tap parses once
                Flux<ChatEvent> chat =
                    served.target().kind() == ProviderKind.ANTHROPIC
                        ? formats
                            .anthropicChunks(served, sent, nativeUsage::set)
                            .concatMapIterable(chunk -> tap.acceptChunk(chunk, Formats.DONE))
                        : formats
                            .streamToOpenAi(served, sent, nativeUsage::set)
                            .concatMapIterable(buffer -> tap.acceptEvents(drain(buffer)))
                            .concatWith(Flux.defer(() -> Flux.fromIterable(tap.finishEvents())));
                events = f.protocol.events(chat, f.call);
              }
              Flux<DataBuffer> body =
                  events
                      .map(DefaultDataBufferFactory.sharedInstance::wrap)
                      .cast(DataBuffer.class)
                      .doOnComplete(
                          () -> {
                            ObjectNode completion = tap.completion();
                            schemaFailed[0] = !streamMatchesSchema(f, tap);
                            routeMetrics.answered(f.facts.route(), tap.finishReason());
                            report.accept(
                                schemaFailed[0] ? UsageEvent.Status.ERROR : UsageEvent.Status.OK);
                            if (completion != null && !schemaFailed[0]) {
                              afterStream(f, servedBy.get(), completion);
                            }
                          })
                      .doOnCancel(() -> report.accept(UsageEvent.Status.CLIENT_DISCONNECTED))
                      .onErrorResume(
                          e -> {
                            report.accept(UsageEvent.Status.ERROR);
                            return Mono.just(
                                DefaultDataBufferFactory.sharedInstance.wrap(
                                    f.protocol.midStreamError()));
                          });
              return ServerResponse.ok()
                  .contentType(MediaType.TEXT_EVENT_STREAM)
                  .headers(
                      headers ->
                          describe(
                              headers, f, served.target().model(), null, served.providerNanos()))
                  .body(body, DataBuffer.class);
            })
        .onErrorResume(
            ProviderErrorReply.class,
            e -> {
              UsageEvent event = failed(f, UsageEvent.Mode.STREAM);
              publish(f, event);
              return answer(f, e.reply().status(), f.protocol.error(e.reply()), event, 0);
            })
        .doOnError(OpenAiApiException.class, e -> publish(f, failed(f, UsageEvent.Mode.STREAM)));
  }

  /** Stores a streamed answer like a whole one and offers it for shadow evaluation. */
  private void afterStream(Flow f, ResilientProviders.Target servedBy, ObjectNode completion) {
    shadowEvaluations.offer(
        f.plan, f.facts, f.plan.request(), UsageEvent.Mode.STREAM, servedBy.model(), completion);
    if (f.lookup.storable() && servedBy.model().equals(f.model)) {
      cache.storeInBackground(f.query, completion);
    }
  }

  /**
   * A streamed answer on a schema route, checked once complete. It cannot be repaired or taken back
   * (the client has it); a failure is counted, keeps the answer out of the cache and marks the
   * usage event {@code error}.
   */
  private boolean streamMatchesSchema(Flow f, SseUsageTap tap) {
    String schema = f.plan.route().definition().jsonSchema();
    if (schema == null || schema.isBlank()) {
      return true;
    }
    ObjectNode completion = JsonNodeFactory.instance.objectNode();
    completion
        .putArray("choices")
        .addObject()
        .putObject("message")
        .put("role", "assistant")
        .put("content", tap.text());
    boolean valid = StructuredOutput.problems(completion, schema, json).isEmpty();
    if (!valid) {
      routeMetrics.streamFailedSchema(f.plan.route().name());
    }
    return valid;
  }

  /**
   * A Claude model's events for an Anthropic client, passed on byte for byte. Each event is parsed
   * once, for the native usage and for the Chat Completions view the tap keeps (finish reason,
   * generated text, the answer to store), which it is handed as trees, never as bytes to re-read.
   */
  private Flux<byte[]> anthropicAsIs(
      Flux<DataBuffer> upstream, SseUsageTap tap, Consumer<NormalizedUsage> nativeUsage) {
    SseFrames frames = new SseFrames();
    AnthropicToOpenAiStream view = new AnthropicToOpenAiStream(Clock.systemUTC(), true);
    return upstream
        .concatMapIterable(buffer -> frames.accept(drain(buffer)))
        .concatWith(Flux.defer(() -> Flux.fromIterable(frames.finish())))
        .map(
            frame -> {
              String data = frame.data();
              if (data != null && !data.isEmpty()) {
                try {
                  AnthropicStreamEvent event = json.readValue(data, AnthropicStreamEvent.class);
                  for (var chunk : view.accept(event)) {
                    tap.observe(json.valueToTree(chunk));
                  }
                  if (event instanceof AnthropicStreamEvent.MessageStart
                      || event instanceof AnthropicStreamEvent.MessageDelta) {
                    nativeUsage.accept(view.normalizedUsage());
                  }
                } catch (JacksonException | IllegalArgumentException e) {
                  // not an event the view understands; passed on unchanged
                }
              }
              return frame.raw();
            });
  }

  private static ObjectNode withStreamUsage(ObjectNode request) {
    if (request.path("stream_options").path("include_usage").asBoolean(false)) {
      return request;
    }
    ObjectNode copy = request.deepCopy();
    ObjectNode options =
        request.get("stream_options") instanceof ObjectNode o
            ? o.deepCopy()
            : JsonNodeFactory.instance.objectNode();
    copy.set("stream_options", options.put("include_usage", true));
    return copy;
  }

  /**
   * Counts a request's tokens when no usage was reported (a semantic hit's prompt, a stream cut
   * short): the prompt by OpenAI's chat recipe, the output from the text that streamed. CPU work:
   * called on the parallel scheduler, not the event loop.
   */
  static NormalizedUsage estimatedUsage(JsonNode request, String model, String output) {
    TokenEstimator estimator = TokenEstimator.shared();
    List<TokenEstimator.Message> messages = new ArrayList<>();
    for (JsonNode message : request.path("messages")) {
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
    long input = estimator.countChat(model, messages);
    long generated = output.isEmpty() ? 0 : estimator.countText(model, output);
    return new NormalizedUsage(input, 0, 0, 0, generated, 0);
  }

  // ---- answers and events -----------------------------------------------------------------

  /**
   * Publishes the request's usage event with the request's trace, and ends the provider call's span
   * with the same facts (served model, provider, tokens): one place for both. {@code responseModel}
   * is the model the provider's answer named (a dated snapshot), when known.
   */
  private void publish(Flow f, UsageEvent event, String responseModel) {
    f.providerSpan.end(event, responseModel);
    usage.publish(event, f.traceparent);
  }

  private void publish(Flow f, UsageEvent event) {
    publish(f, event, null);
  }

  private Mono<ServerResponse> answer(
      Flow f, HttpStatusCode status, byte[] body, UsageEvent event, long providerNanos) {
    // straight onto the response: through the builder, each header was copied twice more (into
    // the entity builder, then onto the response), about 3% of the router's CPU per request
    describe(f.exchange.getResponse().getHeaders(), f, event.servedModel(), event, providerNanos);
    return ServerResponse.status(status).contentType(MediaType.APPLICATION_JSON).bodyValue(body);
  }

  /**
   * The Tokenwise headers; the cost header when the answer is whole and can be priced, the overhead
   * header from the time the providers took.
   */
  private void describe(
      HttpHeaders headers, Flow f, String servedModel, UsageEvent event, long providerNanos) {
    headers.set(TokenwiseHeaders.ROUTE, f.facts.route());
    headers.set(TokenwiseHeaders.MODEL, servedModel);
    headers.set(TokenwiseHeaders.CACHE, f.lookup == null ? "bypass" : f.lookup.result().header());
    if (f.plan != null
        && f.plan.tier().routerVersion() != null
        && (event == null || !event.mode().isCacheHit())) {
      headers.set(TokenwiseHeaders.ROUTER_VERSION, f.plan.tier().routerVersion());
    }
    if (event != null) {
      costs
          .estimateUsd(event)
          .ifPresent(usd -> headers.set(TokenwiseHeaders.COST_USD, usd.toPlainString()));
    }
    overhead.record(headers, f.facts.startedNanos(), providerNanos);
  }

  /**
   * The event of a request no provider answered: the planned model and its provider (the same
   * whatever the protocol), no tokens, status error.
   */
  private UsageEvent failed(Flow f, UsageEvent.Mode mode) {
    return UsageEvents.answered(
        f.facts,
        f.model,
        f.first.kind().providerName(),
        mode,
        NormalizedUsage.ZERO,
        UsageEvent.Status.ERROR,
        null);
  }

  private Mono<byte[]> body(ServerRequest request) {
    long declared = request.headers().contentLength().orElse(-1);
    if (declared > limit) {
      return Mono.error(OpenAiApiException.bodyTooLarge(limit));
    }
    return DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()), limit)
        .onErrorMap(DataBufferLimitException.class, e -> OpenAiApiException.bodyTooLarge(limit))
        .map(RequestPipeline::drain)
        .switchIfEmpty(
            Mono.error(
                () ->
                    OpenAiApiException.invalidRequest(
                        "The request body is empty; expected a JSON object.",
                        null,
                        "invalid_json")));
  }

  static NormalizedUsage add(NormalizedUsage a, NormalizedUsage b) {
    return new NormalizedUsage(
        a.inputTokens() + b.inputTokens(),
        a.cachedInputTokens() + b.cachedInputTokens(),
        a.cacheWrite5m() + b.cacheWrite5m(),
        a.cacheWrite1h() + b.cacheWrite1h(),
        a.outputTokens() + b.outputTokens(),
        a.reasoningTokens() + b.reasoningTokens());
  }

  static String finishReason(JsonNode completion) {
    JsonNode reason = completion.path("choices").path(0).path("finish_reason");
    return reason.isString() ? reason.asString() : null;
  }

  /** A complete {@code data:} event. */
  public static byte[] dataEvent(byte[] data) {
    byte[] event = new byte[data.length + 8];
    System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, event, 0, 6);
    System.arraycopy(data, 0, event, 6, data.length);
    event[event.length - 2] = '\n';
    event[event.length - 1] = '\n';
    return event;
  }

  static byte[] drain(DataBuffer buffer) {
    try {
      byte[] bytes = new byte[buffer.readableByteCount()];
      buffer.read(bytes);
      return bytes;
    } finally {
      DataBufferUtils.release(buffer);
    }
  }
}
