package dev.tokenwise.router.warmup;

import dev.tokenwise.common.tokens.TokenEstimator;
import dev.tokenwise.router.outputcap.StructuredOutput;
import dev.tokenwise.router.request.RandomIds;
import dev.tokenwise.router.route.RouteProperties;
import dev.tokenwise.router.route.RouteTable;
import dev.tokenwise.router.routing.SentenceEmbedder;
import dev.tokenwise.router.routing.TierChooser;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Loads what the request path would otherwise load on first use, before the router reports ready
 * (Spring Boot publishes readiness only after every {@link ApplicationRunner} has returned): the
 * JTokkit vocabularies, the MiniLM embedding model and each learned route's weights, each route's
 * JSON schema, and the first Redis connection. Loading these lazily made the first requests after
 * start-up wait on class initialisation and connection set-up on shared threads, which on a busy
 * machine took seconds. Redis may be down at start: its warm-up is bounded and only logged.
 */
@Component
class WarmUp implements ApplicationRunner {

  private static final Logger log = LoggerFactory.getLogger(WarmUp.class);
  private static final Duration REDIS_WAIT = Duration.ofSeconds(5);

  private final RouteTable routes;
  private final TierChooser tiers;
  private final ReactiveStringRedisTemplate redis;
  private final WarmUpProperties properties;

  WarmUp(
      RouteTable routes,
      TierChooser tiers,
      ReactiveStringRedisTemplate redis,
      WarmUpProperties properties) {
    this.routes = routes;
    this.tiers = tiers;
    this.redis = redis;
    this.properties = properties;
  }

  @Override
  public void run(ApplicationArguments args) {
    long started = System.nanoTime();
    // every vocabulary the estimator uses: o200k (GPT-4o, GPT-5, Gemini) and cl100k (Claude)
    RandomIds.uuid(); // seeds the id generator
    TokenEstimator.shared().countText("gpt-5", "warm up");
    TokenEstimator.shared().countText("claude-sonnet-4-5", "warm up");
    if (properties.embeddingModel()) {
      // shadow checks and learned routes embed with MiniLM; its ONNX session loads once
      SentenceEmbedder.shared().embed("warm up");
    }
    for (Map.Entry<String, RouteProperties.Definition> route : routes.routes().entrySet()) {
      RouteProperties.Definition definition = route.getValue();
      if ("learned".equals(definition.classifier().type())) {
        tiers.preload(definition.classifier().modelPath());
      }
      if (definition.jsonSchema() != null) {
        StructuredOutput.compile(definition.jsonSchema());
      }
    }
    try {
      redis.hasKey("tokenwise:router:warm-up").block(REDIS_WAIT);
    } catch (RuntimeException e) {
      log.warn("Redis did not answer the warm-up ({}); the router starts anyway", e.toString());
    }
    log.info("Warm-up done in {} ms", (System.nanoTime() - started) / 1_000_000);
  }
}
