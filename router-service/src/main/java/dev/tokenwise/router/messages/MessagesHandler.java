package dev.tokenwise.router.messages;

import dev.tokenwise.common.anthropic.AnthropicMessageRequest;
import dev.tokenwise.common.anthropic.AnthropicMessageRequestParser;
import dev.tokenwise.common.anthropic.AnthropicRequestException;
import dev.tokenwise.common.anthropic.AnthropicStreamEvent;
import dev.tokenwise.common.metrics.BoundedTags;
import dev.tokenwise.common.tokens.TokenEstimator;
import dev.tokenwise.common.translate.AnthropicToOpenAiStream;
import dev.tokenwise.common.translate.FinishReasons;
import dev.tokenwise.common.translate.NormalizedUsage;
import dev.tokenwise.common.translate.RequestTranslator;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.router.budget.Budgets;
import dev.tokenwise.router.chat.ChatProperties;
import dev.tokenwise.router.deferral.Deferrals;
import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.promptcache.PromptCacheLint;
import dev.tokenwise.router.promptcache.PromptCacheShaper;
import dev.tokenwise.router.provider.Formats;
import dev.tokenwise.router.provider.ProviderErrorReply;
import dev.tokenwise.router.provider.ProviderKind;
import dev.tokenwise.router.provider.ResilientProviders;
import dev.tokenwise.router.provider.SseFrames;
import dev.tokenwise.router.request.Overhead;
import dev.tokenwise.router.request.PublicApiRequestFilter;
import dev.tokenwise.router.request.RequestGuardProperties;
import dev.tokenwise.router.request.Stages;
import dev.tokenwise.router.request.TokenwiseHeaders;
import dev.tokenwise.router.route.RoutePlan;
import dev.tokenwise.router.route.RoutePlanner;
import dev.tokenwise.router.routing.PromptSignals;
import dev.tokenwise.router.tenant.Tenant;
import dev.tokenwise.router.tenant.TokenRateLimits;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import dev.tokenwise.router.usage.Conversations;
import dev.tokenwise.router.usage.CostEstimator;
import dev.tokenwise.router.usage.UsageEvents;
import dev.tokenwise.router.usage.UsagePublisher;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
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
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/messages}: authenticate, read and validate in Anthropic's rules, plan the request
 * through the route planner (route, tier, output cap, prompt-cache shaping, deferral — as on {@code
 * /v1/chat/completions}), call the served model (a Claude model natively with Tokenwise's cache
 * breakpoints, any other through translation to Chat Completions and back, streams included),
 * answer in Anthropic's shape with the same decision headers, and emit exactly one usage event
 * carrying the reference and served models and the requested and applied caps. Requests bypass the
 * exact cache, whose key is defined over Chat Completions requests; a route's JSON schema is not
 * applied here.
 */
@Component
class MessagesHandler {

  /** Counted per route like chat completions' answers cut at the cap (same meter). */
  static final String TRUNCATED = "tokenwise.output.truncated";

  private static final RequestTranslator VIEW = new RequestTranslator(4096);

  private final VirtualKeyAuthenticator authenticator;
  private final ResilientProviders providers;
  private final Formats formats;
  private final Budgets budgets;
  private final UsagePublisher usage;
  private final CostEstimator costs;
  private final Overhead overhead;
  private final ChatProperties properties;
  private final JsonMapper json;
  private final BoundedTags tags;
  private final int limit;
  private final TokenRateLimits tokenLimits;
  private final RoutePlanner planner;
  private final PromptCacheShaper promptCache;
  private final Deferrals deferrals;
  private final MeterRegistry meters;
  private final RequestGuardProperties guard;

  MessagesHandler(
      VirtualKeyAuthenticator authenticator,
      ResilientProviders providers,
      Formats formats,
      Budgets budgets,
      UsagePublisher usage,
      CostEstimator costs,
      Overhead overhead,
      ChatProperties properties,
      JsonMapper json,
      BoundedTags tags,
      TokenRateLimits tokenLimits,
      RoutePlanner planner,
      PromptCacheShaper promptCache,
      Deferrals deferrals,
      MeterRegistry meters,
      RequestGuardProperties guard) {
    this.guard = guard;
    this.authenticator = authenticator;
    this.providers = providers;
    this.formats = formats;
    this.budgets = budgets;
    this.usage = usage;
    this.costs = costs;
    this.overhead = overhead;
    this.properties = properties;
    this.json = json;
    this.tags = tags;
    this.limit = (int) Math.min(Integer.MAX_VALUE - 8, properties.maxBodySize().toBytes());
    this.tokenLimits = tokenLimits;
    this.planner = planner;
    this.promptCache = promptCache;
    this.deferrals = deferrals;
    this.meters = meters;
  }

  Mono<ServerResponse> handle(ServerRequest request) {
    long started = System.nanoTime();
    Tenant tenant;
    try {
      tenant = authenticator.authenticate(request.headers().asHttpHeaders());
    } catch (OpenAiApiException e) {
      return Mono.error(e);
    }
    return read(request)
        .flatMap(
            read -> {
              // attributed on the client's own body, before routing reshapes it
              HttpHeaders headers = request.headers().asHttpHeaders();
              String conversation = Conversations.forMessages(tenant.id(), headers, read.json());
              String endUser = Conversations.endUser(read.endUser(), headers);
              MessagesCall call =
                  new MessagesCall(
                      read.json(),
                      read.raw(),
                      read.model(),
                      read.stream(),
                      read.maxTokens(),
                      endUser);
              return Stages.within(
                      request.exchange(),
                      "routing",
                      guard.stageTimeout(),
                      planner.plan(tenant, headers, openAiView(call)))
                  .flatMap(
                      plan ->
                          serve(request, tenant, planned(call, plan), plan, started, conversation));
            });
  }

  private Mono<ServerResponse> serve(
      ServerRequest request,
      Tenant tenant,
      MessagesCall call,
      RoutePlan plan,
      long started,
      String conversation) {
    String route = plan.route().name();
    PublicApiRequestFilter.describe(request.exchange(), route, tags.model(call.model()));
    tenant.checkRoute(route);
    tenant.checkModel(call.model());
    plan.describe(request.exchange().getResponse().getHeaders(), null);
    UsageEvents.Request facts =
        new UsageEvents.Request(
            PublicApiRequestFilter.requestId(request.exchange()),
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
    Mono<Void> admitted =
        tokenLimits.admit(
            request.exchange(),
            tenant,
            facts.requestId(),
            call.model(),
            call.json(),
            call.maxTokens(),
            budgets.reserve(
                request.exchange(), facts, call.raw().length / 3 + 16, call.maxTokens()));
    return Stages.within(request.exchange(), "admission", guard.stageTimeout(), admitted)
        .doOnSuccess(v -> Stages.enter(request.exchange(), "provider"))
        .then(
            Mono.defer(
                () ->
                    call.stream()
                        ? stream(request.exchange(), facts, call, plan)
                        : whole(request.exchange(), facts, call, plan)));
  }

  /**
   * The request as the route planner reads it: the Chat Completions translation (so routes, tiers,
   * caps, prompt-cache keys and lint work as on {@code /v1/chat/completions}), or, when it has no
   * translation, its model, cap, system and message texts.
   */
  ObjectNode openAiView(MessagesCall call) {
    try {
      AnthropicMessageRequest parsed = json.treeToValue(call.json(), AnthropicMessageRequest.class);
      ObjectNode view = json.valueToTree(VIEW.toOpenAi(parsed));
      view.put("model", call.model());
      return view;
    } catch (RuntimeException e) {
      ObjectNode view = json.createObjectNode();
      view.put("model", call.model());
      view.put("max_completion_tokens", call.maxTokens());
      ArrayNode messages = view.putArray("messages");
      JsonNode system = call.json().path("system");
      if (!system.isMissingNode() && !system.isNull()) {
        messages.addObject().put("role", "system").put("content", PromptSignals.text(system));
      }
      for (JsonNode message : call.json().path("messages")) {
        messages
            .addObject()
            .put("role", message.path("role").asString("user"))
            .put("content", PromptSignals.text(message.path("content")));
      }
      if (call.json().has("tools")) {
        view.set("tools", call.json().get("tools"));
      }
      return view;
    }
  }

  /** The client's Anthropic request with the plan's model and output cap applied. */
  private MessagesCall planned(MessagesCall call, RoutePlan plan) {
    ObjectNode body = call.json().deepCopy();
    body.put("model", plan.servedModel());
    long maxTokens = plan.cap().applied() != null ? plan.cap().applied() : call.maxTokens();
    body.put("max_tokens", maxTokens);
    if (body.equals(call.json())) {
      return new MessagesCall(
          call.json(), call.raw(), call.model(), call.stream(), call.maxTokens(), call.endUser());
    }
    return new MessagesCall(
        body,
        json.writeValueAsBytes(body),
        plan.servedModel(),
        call.stream(),
        maxTokens,
        call.endUser());
  }

  /**
   * The body for one target of the chain: a Claude model gets prompt-cache breakpoints on its own
   * body (so a fallback to another provider never carries them), any other model the translation
   * with the plan's safe reorder (when the lint's fix ran) and {@code prompt_cache_key}.
   */
  private byte[] body(
      ServerWebExchange exchange,
      MessagesCall call,
      RoutePlan plan,
      ResilientProviders.Target target) {
    byte[] body = formats.fromAnthropic(call.json(), call.raw(), target);
    if (target.kind() == ProviderKind.ANTHROPIC) {
      String[] action = new String[1];
      byte[] shaped =
          promptCache.forAnthropic(body, target.model(), plan.route(), plan.shaping(), action);
      if (action[0] != null) {
        exchange.getResponse().getHeaders().set(RoutePlan.PROMPT_CACHE_HEADER, action[0]);
      }
      return shaped;
    }
    JsonNode key = plan.request().path("prompt_cache_key");
    boolean fix = plan.shaping().fixed();
    if (target.kind() != ProviderKind.OPENAI || (!key.isString() && !fix)) {
      return body;
    }
    ObjectNode tree = (ObjectNode) json.readTree(body);
    if (fix) {
      // the header says "reordered": the translation gets the same safe fix as the plan's view
      PromptCacheLint.fix(tree);
    }
    if (key.isString() && !tree.has("prompt_cache_key")) {
      tree.put("prompt_cache_key", key.asString());
    }
    return json.writeValueAsBytes(tree);
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

  private void answered(String route, String finishReason) {
    if ("length".equals(finishReason)) {
      Counter.builder(TRUNCATED)
          .description("Answers cut at the output-token cap, by route")
          .tag("route", route)
          .register(meters)
          .increment();
    }
  }

  private Mono<ServerResponse> whole(
      ServerWebExchange exchange, UsageEvents.Request facts, MessagesCall call, RoutePlan plan) {
    return providers
        .complete(chain(plan, call.model()), target -> body(exchange, call, plan, target))
        .doOnError(
            OpenAiApiException.class, e -> usage.publish(failed(facts, UsageEvent.Mode.SYNC)))
        .flatMap(
            served -> {
              if (!served.reply().status().is2xxSuccessful()) {
                UsageEvent event = failed(facts, UsageEvent.Mode.SYNC);
                usage.publish(event);
                return answer(
                    served.reply().status(),
                    formats.anthropicError(served.reply()),
                    facts,
                    event,
                    served.providerNanos());
              }
              JsonNode message;
              try {
                message = formats.toAnthropic(served);
              } catch (OpenAiApiException | JacksonException e) {
                usage.publish(failed(facts, UsageEvent.Mode.SYNC));
                return Mono.error(
                    OpenAiApiException.upstreamUnavailable(
                        HttpStatus.BAD_GATEWAY, "The provider's answer was not a JSON object."));
              }
              JsonNode stop = message.path("stop_reason");
              answered(
                  facts.route(), stop.isString() ? FinishReasons.toOpenAi(stop.asString()) : null);
              UsageEvent event =
                  UsageEvents.answered(
                      facts,
                      served.target().model(),
                      served.target().kind().providerName(),
                      UsageEvent.Mode.SYNC,
                      formats.usage(message, ProviderKind.ANTHROPIC),
                      UsageEvent.Status.OK,
                      stop.isString() ? FinishReasons.toOpenAi(stop.asString()) : null);
              usage.publish(event);
              byte[] body =
                  served.target().kind() == ProviderKind.ANTHROPIC
                      ? served.reply().body()
                      : json.writeValueAsBytes(message);
              return answer(HttpStatus.OK, body, facts, event, served.providerNanos());
            });
  }

  private Mono<ServerResponse> stream(
      ServerWebExchange exchange, UsageEvents.Request facts, MessagesCall call, RoutePlan plan) {
    AnthropicToOpenAiStream tap = new AnthropicToOpenAiStream(Clock.systemUTC(), true);
    SseFrames frames = new SseFrames();
    StringBuilder output = new StringBuilder();
    AtomicReference<ResilientProviders.Target> servedBy =
        new AtomicReference<>(
            new ResilientProviders.Target(ProviderKind.forModel(call.model()), call.model()));
    Consumer<UsageEvent.Status> report =
        usage.streamReporter(
            facts,
            () -> servedBy.get().model(),
            () -> servedBy.get().kind().providerName(),
            () -> streamUsage(tap.normalizedUsage(), call, output),
            tap::finishReason);
    return providers.stream(chain(plan, call.model()), target -> body(exchange, call, plan, target))
        .flatMap(
            served -> {
              servedBy.set(served.target());
              Flux<DataBuffer> upstream = formats.streamToAnthropic(served);
              Flux<DataBuffer> events =
                  upstream
                      .concatMapIterable(
                          buffer -> {
                            byte[] bytes = new byte[buffer.readableByteCount()];
                            buffer.read(bytes);
                            DataBufferUtils.release(buffer);
                            return frames.accept(bytes);
                          })
                      .concatWith(Flux.defer(() -> Flux.fromIterable(frames.finish())))
                      .map(
                          frame -> {
                            inspect(frame, tap, output);
                            return DefaultDataBufferFactory.sharedInstance.wrap(frame.raw());
                          })
                      .cast(DataBuffer.class)
                      .doOnComplete(
                          () -> {
                            answered(facts.route(), tap.finishReason());
                            report.accept(UsageEvent.Status.OK);
                          })
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
                        headers.set(TokenwiseHeaders.MODEL, served.target().model());
                        headers.set(TokenwiseHeaders.CACHE, "bypass");
                        overhead.record(headers, facts.startedNanos(), served.providerNanos());
                      })
                  .body(events, DataBuffer.class);
            })
        .onErrorResume(
            ProviderErrorReply.class,
            e -> {
              UsageEvent event = failed(facts, UsageEvent.Mode.STREAM);
              usage.publish(event);
              return answer(e.reply().status(), formats.anthropicError(e.reply()), facts, event, 0);
            })
        .doOnError(
            OpenAiApiException.class, e -> usage.publish(failed(facts, UsageEvent.Mode.STREAM)));
  }

  /** Feeds the usage tap and keeps the generated text for counting a stream cut short. */
  private void inspect(SseFrames.Frame frame, AnthropicToOpenAiStream tap, StringBuilder output) {
    String data = frame.data();
    if (data == null || data.isEmpty()) {
      return;
    }
    try {
      AnthropicStreamEvent event = json.readValue(data, AnthropicStreamEvent.class);
      tap.accept(event);
      if (event instanceof AnthropicStreamEvent.ContentBlockDelta delta
          && delta.delta() != null
          && output.length() < 4 * 1024 * 1024) {
        if (delta.delta().text() != null) {
          output.append(delta.delta().text());
        } else if (delta.delta().partialJson() != null) {
          output.append(delta.delta().partialJson());
        }
      }
    } catch (JacksonException | IllegalArgumentException e) {
      // not an event the tap understands; passed on unchanged
    }
  }

  /** The stream's usage; its output counted from the streamed text when never reported. */
  private static NormalizedUsage streamUsage(
      NormalizedUsage reported, MessagesCall call, StringBuilder output) {
    if (reported.outputTokens() > 0 || output.isEmpty()) {
      return reported;
    }
    long generated = TokenEstimator.shared().countText(call.model(), output.toString());
    return new NormalizedUsage(
        reported.inputTokens(),
        reported.cachedInputTokens(),
        reported.cacheWrite5m(),
        reported.cacheWrite1h(),
        generated,
        reported.reasoningTokens());
  }

  /** Anthropic reports a failure after the 200 as an {@code error} event. */
  private DataBuffer midStreamError() {
    byte[] data =
        json.writeValueAsBytes(
            new AnthropicStreamEvent.Error(
                "api_error", "The provider stream failed before it finished."));
    return DefaultDataBufferFactory.sharedInstance.wrap(
        ("event: error\ndata: " + new String(data, StandardCharsets.UTF_8) + "\n\n")
            .getBytes(StandardCharsets.UTF_8));
  }

  private UsageEvent failed(UsageEvents.Request facts, UsageEvent.Mode mode) {
    return UsageEvents.answered(
        facts,
        facts.requestedModel(),
        ProviderKind.forModel(facts.requestedModel()).providerName(),
        mode,
        NormalizedUsage.ZERO,
        UsageEvent.Status.ERROR,
        null);
  }

  private Mono<ServerResponse> answer(
      HttpStatusCode status,
      byte[] body,
      UsageEvents.Request facts,
      UsageEvent event,
      long providerNanos) {
    return ServerResponse.status(status)
        .contentType(MediaType.APPLICATION_JSON)
        .headers(
            headers -> {
              headers.set(TokenwiseHeaders.ROUTE, facts.route());
              headers.set(TokenwiseHeaders.MODEL, event.servedModel());
              headers.set(TokenwiseHeaders.CACHE, "bypass");
              costs
                  .estimateUsd(event)
                  .ifPresent(usd -> headers.set(TokenwiseHeaders.COST_USD, usd.toPlainString()));
              overhead.record(headers, facts.startedNanos(), providerNanos);
            })
        .bodyValue(body);
  }

  private Mono<MessagesCall> read(ServerRequest request) {
    long declared = request.headers().contentLength().orElse(-1);
    if (declared > limit) {
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
                        "invalid_json")))
        .flatMap(
            bytes -> {
              Mono<MessagesCall> parse = Mono.fromCallable(() -> parse(bytes));
              return bytes.length > 64 * 1024 ? parse.subscribeOn(Schedulers.parallel()) : parse;
            });
  }

  MessagesCall parse(byte[] bytes) {
    JsonNode tree;
    try {
      tree = json.readTree(bytes);
    } catch (JacksonException e) {
      throw OpenAiApiException.invalidRequest(
          "The request body is not valid JSON.", null, "invalid_json");
    }
    AnthropicMessageRequest request;
    try {
      request = AnthropicMessageRequestParser.parse(json, tree);
    } catch (AnthropicRequestException e) {
      throw OpenAiApiException.invalidRequest(e.getMessage(), e.field(), "invalid_request");
    } catch (JacksonException e) {
      throw OpenAiApiException.invalidRequest(
          "A field has a value of the wrong type or out of range.", null, "invalid_value");
    }
    JsonNode user = tree.path("metadata").path("user_id");
    return new MessagesCall(
        (ObjectNode) tree,
        bytes,
        request.model(),
        request.wantsStream(),
        request.maxTokens() == null ? 0 : request.maxTokens(),
        user.isString() && !user.asString().isBlank() ? user.asString() : null);
  }
}
