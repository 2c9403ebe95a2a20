package dev.tokenwise.router.routing;

import dev.tokenwise.common.quality.RouteAdvice;
import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.router.feedback.CostServiceProperties;
import dev.tokenwise.router.route.RouteTable;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Quality-gated routing: asks cost-service for its advice ({@code GET /api/quality/routes}, a list
 * of common's {@link RouteAdvice}) every {@code poll-interval}. Each reading that says a route is
 * over its regression budget raises the route's strong-tier share by one {@code step} (up to {@code
 * max-boost}); each reading that says it is back inside takes one step back, so a route loosens as
 * gradually as it tightened. Every change is logged with cost-service's reason, and the boost is
 * the gauge {@value #METRIC} per configured route. A route without advice keeps its boost; advice
 * for a route the router does not know is ignored (it keeps the gauge's tag values bounded).
 * cost-service not answering only delays the next change.
 */
@Component
public class QualityTightening implements InitializingBean, DisposableBean {

  public static final String METRIC = "tokenwise.router.route.tightening";

  private static final Logger log = LoggerFactory.getLogger(QualityTightening.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final long SCALE = 1_000_000;

  private final WebClient cost;
  private final RouteTable routes;
  private final QualityProperties properties;
  private final MeterRegistry meters;
  private final JsonMapper json;
  private final Map<String, AtomicLong> boosts = new ConcurrentHashMap<>();
  private Disposable polling;

  @Autowired
  public QualityTightening(
      CostServiceProperties costService,
      ObservationRegistry observations,
      RouteTable routes,
      QualityProperties properties,
      MeterRegistry meters,
      JsonMapper json,
      ServiceTokens tokens) {
    this(
        WebClient.builder()
            .baseUrl(costService.baseUrl().toString())
            .observationRegistry(observations)
            // route advice covers every tenant: cost-service takes the router's '*' token for it
            .filter(
                (request, next) ->
                    next.exchange(
                        ClientRequest.from(request)
                            .header(
                                ServiceTokens.HEADER,
                                tokens.mint(ServiceTokens.COST, ServiceTokens.ANY_TENANT))
                            .build()))
            .build(),
        routes,
        properties,
        meters,
        json);
  }

  QualityTightening(
      WebClient cost,
      RouteTable routes,
      QualityProperties properties,
      MeterRegistry meters,
      JsonMapper json) {
    this.cost = cost;
    this.routes = routes;
    this.properties = properties;
    this.meters = meters;
    this.json = json;
  }

  /** How much a route's share of strong-tier calls is currently raised (0 when not tightened). */
  public double boost(String route) {
    AtomicLong boost = boosts.get(route);
    return boost == null ? 0 : boost.get() / (double) SCALE;
  }

  @Override
  public void afterPropertiesSet() {
    if (properties.enabled()) {
      polling = Polling.every(Duration.ZERO, properties.pollInterval(), this::poll);
    }
  }

  @Override
  public void destroy() {
    if (polling != null) {
      polling.dispose();
    }
  }

  /** One reading of cost-service's advice. */
  Mono<Void> poll() {
    return cost.get()
        .uri("/api/quality/routes")
        .retrieve()
        .bodyToMono(byte[].class)
        .timeout(TIMEOUT)
        .doOnNext(this::applyAll)
        .doOnError(e -> log.debug("Route advice not read: {}", e.toString()))
        .then();
  }

  private void applyAll(byte[] body) {
    JsonNode list;
    try {
      list = json.readTree(body);
    } catch (JacksonException e) {
      log.warn("cost-service's route advice is not JSON, ignored: {}", e.getMessage());
      return;
    }
    for (JsonNode advice : list) {
      apply(advice.path("route").asString(""), advice.toString());
    }
  }

  void apply(String route, String value) {
    if (!routes.routes().containsKey(route)) {
      return;
    }
    RouteAdvice advice;
    try {
      advice = json.readValue(value, RouteAdvice.class);
    } catch (JacksonException e) {
      log.warn("Route advice for '{}' is not a RouteAdvice, ignored: {}", route, e.getMessage());
      return;
    }
    AtomicLong boost = boosts.computeIfAbsent(route, this::register);
    long step = Math.round(properties.step() * SCALE);
    long max = Math.round(properties.maxBoost() * SCALE);
    long before = boost.get();
    long after = advice.tighten() ? Math.min(max, before + step) : Math.max(0, before - step);
    if (after == before) {
      return;
    }
    boost.set(after);
    String rate =
        advice.regressionRate() == null
            ? "n/a"
            : String.format(Locale.ROOT, "%.4f", advice.regressionRate());
    if (advice.tighten()) {
      log.warn(
          "Route '{}' tightened: strong-tier share raised by {} (regression rate {} over budget {},"
              + " {} of {} evaluated): {}",
          route,
          after / (double) SCALE,
          rate,
          advice.budget(),
          advice.bad(),
          advice.evaluated(),
          advice.reason());
    } else {
      log.info(
          "Route '{}' loosened: strong-tier share raised by {} now (regression rate {} within"
              + " budget {}): {}",
          route,
          after / (double) SCALE,
          rate,
          advice.budget(),
          advice.reason());
    }
  }

  private AtomicLong register(String route) {
    AtomicLong boost = new AtomicLong();
    Gauge.builder(METRIC, boost, b -> b.get() / (double) SCALE)
        .description(
            "How much a route's share of strong-tier calls is raised because shadow evaluation"
                + " found the cheap tier over its regression budget")
        .tag("route", route)
        .register(meters);
    return boost;
  }
}
