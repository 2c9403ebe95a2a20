package dev.tokenwise.router.cache;

import dev.tokenwise.common.metrics.MetricTags;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Client feedback on semantic hits, as verdicts for cache-service's false-hit bound. Shadow checks
 * judge a sample of hits by asking the model again; a client that rates an answer through {@code
 * POST /v1/feedback} has judged it too. So each semantic hit the router serves is remembered in
 * Redis for {@code tokenwise.router.cache.feedback-window}, under its tenant and request id ({@code
 * tokenwise:router:semantic-hit:{tenant length}:{tenant}:{request id}}), with the entry that
 * answered it; feedback on that request within the window is sent to cache-service as a verdict on
 * that entry ({@code good} = agreed), the same report a shadow check sends.
 *
 * <p>One verdict per hit: the record is taken with {@code GETDEL}, so a client repeating its
 * feedback, or changing its mind, does not count twice. The key holds the tenant of the virtual key
 * that was served, so feedback under another tenant's key finds nothing. Redis trouble costs the
 * verdict, never the request or the feedback call.
 */
@Component
public class ServedSemanticHits {

  private static final Logger log = LoggerFactory.getLogger(ServedSemanticHits.class);

  static final Duration REDIS_TIMEOUT = Duration.ofMillis(200);

  static final String FEEDBACK_VERDICTS = "tokenwise.router.cache.feedback.verdicts";

  private final ReactiveStringRedisTemplate redis;
  private final CacheClient cache;
  private final CacheProperties properties;
  private final JsonMapper json;
  private final MeterRegistry registry;

  public ServedSemanticHits(
      ReactiveStringRedisTemplate redis,
      CacheClient cache,
      CacheProperties properties,
      JsonMapper json,
      MeterRegistry registry) {
    this.redis = redis;
    this.cache = cache;
    this.properties = properties;
    this.json = json;
    this.registry = registry;
    for (String outcome : new String[] {"good", "bad", "not-remembered", "failed"}) {
      counter(outcome);
    }
  }

  /**
   * The tenant is length-prefixed: tenant names may hold ':' and request ids in feedback are the
   * client's text, so {@code ("a", "b:c")} and {@code ("a:b", "c")} must not meet in one key.
   */
  static String key(String tenant, String requestId) {
    return "tokenwise:router:semantic-hit:" + tenant.length() + ":" + tenant + ":" + requestId;
  }

  /**
   * Remembers {@code hit} for feedback on {@code requestId}, in the background; returns at once.
   */
  public void remember(String requestId, CacheQuery query, CacheLookup hit) {
    Duration window = properties.feedbackWindow();
    if (hit.result() != CacheLookup.Result.HIT_SEMANTIC
        || hit.entryId() == null
        || requestId == null
        || window == null
        || window.isZero()
        || window.isNegative()) {
      return;
    }
    String value = json.writeValueAsString(new Served(query.route(), query.model(), hit.entryId()));
    redis
        .opsForValue()
        .set(key(query.tenant(), requestId), value, window)
        .timeout(REDIS_TIMEOUT)
        .subscribe(
            stored -> {},
            e -> {
              count("not-remembered");
              log.debug("Semantic hit not remembered for feedback: {}", e.toString());
            });
  }

  /**
   * The client's verdict on {@code requestId}: when the router served that request from the
   * semantic cache within the window, sends it to cache-service as a verdict on the entry and
   * answers true; otherwise (not a semantic hit, already rated, expired, Redis down) false.
   */
  public Mono<Boolean> feedback(String tenant, String requestId, boolean good) {
    Duration window = properties.feedbackWindow();
    if (window == null || window.isZero() || window.isNegative()) {
      return Mono.just(false);
    }
    return redis
        .opsForValue()
        .getAndDelete(key(tenant, requestId))
        .timeout(REDIS_TIMEOUT)
        .flatMap(
            value -> {
              Served served = parse(value);
              if (served == null) {
                return Mono.just(false);
              }
              cache.reportShadow(
                  new CacheQuery(tenant, served.route(), served.model(), null, null, null),
                  served.entryId(),
                  good);
              count(good ? "good" : "bad");
              return Mono.just(true);
            })
        .defaultIfEmpty(false)
        .onErrorResume(
            e -> {
              count("failed");
              log.warn("Feedback not checked against semantic hits: {}", e.toString());
              return Mono.just(false);
            });
  }

  private Served parse(String value) {
    try {
      JsonNode node = json.readTree(value);
      String route = node.path("route").asString(null);
      String model = node.path("model").asString(null);
      String entryId = node.path("entryId").asString(null);
      return route == null || model == null || entryId == null
          ? null
          : new Served(route, model, entryId);
    } catch (JacksonException e) {
      log.warn("Unreadable semantic-hit record ignored: {}", e.toString());
      return null;
    }
  }

  private void count(String outcome) {
    counter(outcome).increment();
  }

  private Counter counter(String outcome) {
    return Counter.builder(FEEDBACK_VERDICTS)
        .description(
            "Client feedback on semantic hits sent to cache-service as verdicts (good, bad), or"
                + " lost (not-remembered, failed)")
        .tag(MetricTags.OUTCOME, outcome)
        .register(registry);
  }

  /** What a remembered hit holds: its namespace beyond the tenant, and the entry that answered. */
  record Served(String route, String model, String entryId) {}
}
