package dev.tokenwise.router.shadow;

import dev.tokenwise.common.batch.DeferredApi;
import dev.tokenwise.common.quality.ShadowRegistration;
import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.router.deferral.DeferralProperties;
import dev.tokenwise.router.feedback.CostServiceProperties;
import dev.tokenwise.router.provider.ProviderKind;
import dev.tokenwise.router.request.RandomIds;
import dev.tokenwise.router.route.RoutePlan;
import dev.tokenwise.router.selftraining.RoutingSamples;
import dev.tokenwise.router.usage.UsageEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.netty.channel.ChannelOption;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Samples answered requests for shadow evaluation (cost-service's README, "Quality loop"). A
 * request is a candidate when it was answered from the response cache, or routed down (served by
 * another model than the route's reference model); a share {@code shadow-sample-rate} of candidates
 * is taken. For each:
 *
 * <ol>
 *   <li>{@code POST {batch}/internal/deferred} hands the client's request, with the reference
 *       model, to batch-service (answered at batch price), with {@code webhookUrl} {@code
 *       {cost}/api/quality/shadow-results/{shadowId}} (a fresh shadow id) and request id {@code
 *       <id>}{@value #REQUEST_ID_SUFFIX}, which marks the replay's usage event as no client
 *       request;
 *   <li>{@code POST {cost}/api/quality/shadow-requests} registers the shadow id with the request
 *       id, route, reason, the answer text the client was served and batch-service's job id.
 * </ol>
 *
 * cost-service judges the reference answer against the served one when batch-service's signed
 * webhook arrives. Everything happens after the client has its answer and never fails the request.
 */
@Component
public class ShadowEvaluations {

  private static final Logger log = LoggerFactory.getLogger(ShadowEvaluations.class);

  /** Marks a replay's usage event: billed, but it answers no client request. */
  public static final String REQUEST_ID_SUFFIX = ":shadow";

  static final String SUBMISSIONS = "tokenwise.router.shadow.evaluations";

  /** Why a request is a candidate (cost-service's {@code reason}). */
  enum Reason {
    CACHE_EXACT("cache-exact"),
    CACHE_SEMANTIC("cache-semantic"),
    ROUTED_DOWN("routed-down");

    final String wire;

    Reason(String wire) {
      this.wire = wire;
    }
  }

  /** A sampled request, as submitted. */
  record Sample(
      String requestId,
      String tenant,
      String app,
      String route,
      Reason reason,
      String servedModel,
      String referenceModel,
      JsonNode request,
      String servedAnswer) {}

  private final ShadowEvaluationProperties properties;
  private final URI webhookBaseUrl;
  private final WebClient cost;
  private final WebClient batch;
  private final ServiceTokens tokens;
  private final Duration timeout;
  private final MeterRegistry registry;
  private final DoubleSupplier random;
  private final RoutingSamples samples;
  private final AtomicInteger inFlight = new AtomicInteger();

  @Autowired
  public ShadowEvaluations(
      ShadowEvaluationProperties properties,
      CostServiceProperties costService,
      DeferralProperties batchService,
      MeterRegistry registry,
      ObservationRegistry observations,
      ServiceTokens tokens,
      RoutingSamples samples) {
    this(
        properties,
        costService,
        batchService,
        registry,
        observations,
        tokens,
        () -> ThreadLocalRandom.current().nextDouble(),
        samples);
  }

  ShadowEvaluations(
      ShadowEvaluationProperties properties,
      CostServiceProperties costService,
      DeferralProperties batchService,
      MeterRegistry registry,
      ObservationRegistry observations,
      ServiceTokens tokens,
      DoubleSupplier random,
      RoutingSamples samples) {
    this.samples = samples;
    this.properties = properties;
    this.tokens = tokens;
    this.webhookBaseUrl =
        properties.webhookBaseUrl() != null ? properties.webhookBaseUrl() : costService.baseUrl();
    this.cost =
        client(
            costService.baseUrl(),
            costService.connectTimeout(),
            costService.timeout(),
            observations);
    this.batch =
        client(
            batchService.baseUrl(),
            batchService.connectTimeout(),
            batchService.timeout(),
            observations);
    this.timeout = batchService.timeout().plus(costService.timeout());
    this.registry = registry;
    this.random = random;
  }

  private static WebClient client(
      URI baseUrl, Duration connectTimeout, Duration timeout, ObservationRegistry observations) {
    HttpClient http =
        HttpClient.create()
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
            .responseTimeout(timeout);
    return WebClient.builder()
        .baseUrl(baseUrl.toString())
        .clientConnector(new ReactorClientHttpConnector(http))
        .observationRegistry(observations)
        .build();
  }

  /**
   * Offers an answered request: {@code mode} is the usage event's (a cache hit, or sync for a
   * provider answer served by {@code servedModel}). Returns at once.
   */
  public void offer(
      RoutePlan plan,
      UsageEvents.Request facts,
      JsonNode request,
      UsageEvent.Mode mode,
      String servedModel,
      JsonNode servedCompletion) {
    if (plan.deferred()) {
      return;
    }
    Sample sample =
        properties.enabled()
            ? sample(
                plan.route().definition().shadowSampleRate(),
                plan.route().name(),
                plan.referenceModel(),
                facts,
                request,
                mode,
                servedModel,
                servedCompletion)
            : null;
    if (samples != null && !mode.isCacheHit()) {
      samples.offer(plan, facts.requestId(), facts.tenant(), request, sample != null);
    }
    if (sample == null) {
      return;
    }
    Reason reason = sample.reason();
    if (inFlight.incrementAndGet() > properties.maxInFlight()) {
      inFlight.decrementAndGet();
      count("dropped", reason);
      return;
    }
    submit(sample).doFinally(s -> inFlight.decrementAndGet()).subscribe();
  }

  /** The sample to submit, or null when the request is no candidate or was not drawn. */
  Sample sample(
      double rate,
      String route,
      String referenceModel,
      UsageEvents.Request facts,
      JsonNode request,
      UsageEvent.Mode mode,
      String servedModel,
      JsonNode servedCompletion) {
    if (rate <= 0 || !(request instanceof ObjectNode)) {
      return null;
    }
    Reason reason =
        switch (mode) {
          case CACHE_EXACT -> Reason.CACHE_EXACT;
          case CACHE_SEMANTIC -> Reason.CACHE_SEMANTIC;
          default ->
              servedModel != null && !servedModel.equals(referenceModel)
                  ? Reason.ROUTED_DOWN
                  : null;
        };
    if (reason == null || random.getAsDouble() >= rate) {
      return null;
    }
    String answer = answerText(servedCompletion);
    if (answer == null) {
      return null;
    }
    return new Sample(
        facts.requestId(),
        facts.tenant(),
        facts.app(),
        route,
        reason,
        servedModel,
        referenceModel,
        request,
        answer);
  }

  /** Submits the replay, then registers it with cost-service; the outcome, never an error. */
  Mono<String> submit(Sample sample) {
    ProviderKind provider = ProviderKind.forModel(sample.referenceModel());
    if (provider != ProviderKind.OPENAI && provider != ProviderKind.ANTHROPIC) {
      // batch-service batches only OpenAI and Anthropic requests
      count("unsupported", sample.reason());
      return Mono.just("unsupported");
    }
    String shadowId = RandomIds.uuid().toString();
    DeferredApi.Submission deferred =
        new DeferredApi.Submission(
            sample.tenant(),
            sample.app(),
            sample.route(),
            provider.providerName(),
            sample.referenceModel(),
            null,
            "openai",
            replayBody(sample),
            null,
            webhookBaseUrl.toString().replaceAll("/+$", "")
                + "/api/quality/shadow-results/"
                + shadowId,
            sample.requestId() + REQUEST_ID_SUFFIX,
            null,
            null,
            null,
            // a shadow replay belongs to no experiment arm, whatever served the original
            null,
            null,
            null);
    // batch-service first: its job id goes into the registration, and cost-service accepts only
    // that job's signed delivery for this shadow id (one that arrives before the registration is
    // answered 404 and retried by batch-service).
    return batch
        .post()
        .uri(DeferredApi.PATH)
        .header(ServiceTokens.HEADER, tokens.mint(ServiceTokens.BATCH, sample.tenant()))
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(deferred)
        .retrieve()
        .bodyToMono(DeferredApi.Accepted.class)
        .map(accepted -> accepted.id() == null ? "" : accepted.id())
        .filter(jobId -> !jobId.isEmpty())
        .switchIfEmpty(Mono.error(new IllegalStateException("batch-service returned no job id")))
        .flatMap(
            jobId -> {
              ShadowRegistration registration =
                  new ShadowRegistration(
                      shadowId,
                      sample.requestId(),
                      sample.tenant(),
                      sample.route(),
                      sample.reason().wire,
                      sample.servedModel(),
                      sample.referenceModel(),
                      sample.servedAnswer(),
                      jobId);
              return post(
                  cost,
                  "/api/quality/shadow-requests",
                  registration,
                  tokens.mint(ServiceTokens.COST, sample.tenant()));
            })
        .timeout(timeout)
        .thenReturn("submitted")
        .onErrorResume(
            e -> {
              log.warn(
                  "Shadow evaluation of request {} on route {} not submitted: {}",
                  sample.requestId(),
                  sample.route(),
                  e.toString());
              return Mono.just("failed");
            })
        .doOnNext(outcome -> count(outcome, sample.reason()));
  }

  private static Mono<Void> post(WebClient client, String path, Object body, String token) {
    return client
        .post()
        .uri(path)
        .header(ServiceTokens.HEADER, token)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(body)
        .retrieve()
        .toBodilessEntity()
        .then();
  }

  /** The client's request for the reference model: streaming removed (batch answers whole). */
  private static JsonNode replayBody(Sample sample) {
    ObjectNode body = ((ObjectNode) sample.request()).deepCopy();
    body.put("model", sample.referenceModel());
    body.remove("stream");
    body.remove("stream_options");
    return body;
  }

  /** The assistant text of a {@code chat.completion}, or null when it has none. */
  static String answerText(JsonNode completion) {
    if (completion == null) {
      return null;
    }
    JsonNode content = completion.path("choices").path(0).path("message").path("content");
    if (content.isString()) {
      return content.asString();
    }
    if (content.isArray()) {
      StringBuilder text = new StringBuilder();
      for (JsonNode part : content) {
        if (part.path("text").isString()) {
          text.append(part.path("text").asString());
        }
      }
      return text.toString();
    }
    return null;
  }

  private void count(String outcome, Reason reason) {
    Counter.builder(SUBMISSIONS)
        .description("Shadow evaluations of sampled requests, by outcome and reason")
        .tag("outcome", outcome)
        .tag("reason", reason.wire)
        .register(registry)
        .increment();
  }
}
