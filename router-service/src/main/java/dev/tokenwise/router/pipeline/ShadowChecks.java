package dev.tokenwise.router.pipeline;

import dev.tokenwise.common.metrics.MetricTags;
import dev.tokenwise.common.quality.FinalAnswers;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.router.cache.CacheClient;
import dev.tokenwise.router.cache.CacheLookup;
import dev.tokenwise.router.cache.CacheProperties;
import dev.tokenwise.router.cache.CacheQuery;
import dev.tokenwise.router.provider.Formats;
import dev.tokenwise.router.provider.ProviderKind;
import dev.tokenwise.router.provider.ResilientProviders;
import dev.tokenwise.router.routing.SentenceEmbedder;
import dev.tokenwise.router.usage.UsageEvents;
import dev.tokenwise.router.usage.UsagePublisher;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Shadow checks of semantic hits (issue 5, "Safety"): for a hit cache-service sampled ({@code
 * "shadow": true}, at the route's {@code cache.shadow-rate}), the model is asked too, in the
 * background after the client has its cached answer, and the two answers are compared. The verdict
 * goes to cache-service's {@code /internal/cache/shadow}, which keeps the route's live false-hit
 * estimate.
 *
 * <p>The judge: when both answers state a final answer ({@link FinalAnswers}: an {@code Answer: X}
 * line, or a number or option letter they end with), they agree exactly when the two are equal,
 * however alike the prose around them; otherwise, the MiniLM cosine of the two texts against {@code
 * tokenwise.router.cache.shadow-agreement}, which is cheap and local but blind to a changed number
 * in a long answer, so there the estimate errs towards agreement. The shadow call costs real
 * tokens, so it has its own usage event: mode {@code sync}, the request id with {@value
 * #REQUEST_ID_SUFFIX} appended (cost-service's mark of a shadow replay: priced, kept out of the
 * client figures), no end user, the cached model as both requested and served model (it claims no
 * savings).
 */
@Component
class ShadowChecks {

  private static final Logger log = LoggerFactory.getLogger(ShadowChecks.class);

  /** Marks a shadow call's usage event: it answers no client request. */
  static final String REQUEST_ID_SUFFIX = ":shadow";

  static final String CHECKS = "tokenwise.router.cache.shadow.checks";

  private final CacheClient cache;
  private final CacheProperties properties;
  private final ResilientProviders providers;
  private final Formats formats;
  private final UsagePublisher usage;
  private final JsonMapper json;
  private final MeterRegistry registry;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Scheduler judge = Schedulers.newBoundedElastic(1, 256, "tokenwise-shadow-judge");

  ShadowChecks(
      CacheClient cache,
      CacheProperties properties,
      ResilientProviders providers,
      Formats formats,
      UsagePublisher usage,
      JsonMapper json,
      MeterRegistry registry) {
    this.cache = cache;
    this.properties = properties;
    this.providers = providers;
    this.formats = formats;
    this.usage = usage;
    this.json = json;
    this.registry = registry;
  }

  /** Starts the check of {@code hit} when cache-service sampled it; returns at once. */
  void startIfSampled(
      UsageEvents.Request facts, CacheQuery query, ObjectNode clientRequest, CacheLookup hit) {
    if (hit.result() != CacheLookup.Result.HIT_SEMANTIC || !hit.shadow()) {
      return;
    }
    if (inFlight.incrementAndGet() > properties.maxShadowsInFlight()) {
      inFlight.decrementAndGet();
      count("skipped");
      return;
    }
    String model = query.model();
    ObjectNode request = clientRequest.deepCopy();
    request.remove("stream");
    request.remove("stream_options");
    UsageEvents.Request shadowFacts =
        new UsageEvents.Request(
            facts.requestId() + REQUEST_ID_SUFFIX,
            facts.tenant(),
            facts.app(),
            null,
            facts.route(),
            model,
            facts.requestedMaxTokens(),
            facts.appliedMaxTokens(),
            System.nanoTime());
    String cachedText = text(hit.response());
    Mono.fromCallable(() -> json.writeValueAsBytes(request))
        .subscribeOn(Schedulers.parallel())
        .flatMap(
            raw ->
                providers.complete(
                    List.of(new ResilientProviders.Target(ProviderKind.forModel(model), model)),
                    target -> formats.fromOpenAi(request, raw, target)))
        .flatMap(
            served -> {
              if (!served.reply().status().is2xxSuccessful()) {
                return Mono.error(
                    new IllegalStateException(
                        "the model answered HTTP " + served.reply().status().value()));
              }
              JsonNode fresh = formats.toOpenAi(served, request);
              usage.publish(
                  UsageEvents.answered(
                      shadowFacts,
                      served.target().model(),
                      served.target().kind().providerName(),
                      UsageEvent.Mode.SYNC,
                      UsageEvents.openAiUsage(json, fresh.get("usage")),
                      UsageEvent.Status.OK,
                      fresh.path("choices").path(0).path("finish_reason").asString(null)));
              String freshText = text(fresh);
              return Mono.fromCallable(() -> agree(cachedText, freshText)).subscribeOn(judge);
            })
        .doFinally(signal -> inFlight.decrementAndGet())
        .subscribe(
            agreed -> {
              count(agreed ? "agree" : "disagree");
              cache.reportShadow(query, hit.entryId(), agreed);
            },
            e -> {
              count("failed");
              log.warn("Shadow check of a semantic hit failed: {}", e.toString());
            });
  }

  /**
   * Whether two answers say the same: equal texts; else, when both state a final answer, equal
   * final answers; else MiniLM cosine at the threshold.
   */
  boolean agree(String cached, String fresh) {
    if (cached.strip().equals(fresh.strip())) {
      return true;
    }
    Optional<Boolean> finals = FinalAnswers.agree(cached, fresh);
    if (finals.isPresent()) {
      return finals.get();
    }
    if (cached.isBlank() || fresh.isBlank()) {
      return false;
    }
    List<float[]> vectors = SentenceEmbedder.shared().embedAll(List.of(cached, fresh));
    return cosine(vectors.get(0), vectors.get(1)) >= properties.shadowAgreement();
  }

  /** Both vectors are unit length. */
  private static double cosine(float[] a, float[] b) {
    double dot = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
    }
    return dot;
  }

  private static String text(JsonNode completion) {
    JsonNode content = completion.path("choices").path(0).path("message").path("content");
    if (content.isString()) {
      return content.asString();
    }
    StringBuilder text = new StringBuilder();
    for (JsonNode part : content) {
      if (part.path("text").isString()) {
        text.append(part.path("text").asString());
      }
    }
    return text.toString();
  }

  private void count(String outcome) {
    Counter.builder(CHECKS)
        .description("Shadow checks of semantic hits, by outcome: agree, disagree, skipped, failed")
        .tag(MetricTags.OUTCOME, outcome)
        .register(registry)
        .increment();
  }
}
