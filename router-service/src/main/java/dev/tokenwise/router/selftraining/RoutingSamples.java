package dev.tokenwise.router.selftraining;

import dev.tokenwise.common.quality.RoutingSample;
import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.router.feedback.CostServiceProperties;
import dev.tokenwise.router.route.RoutePlan;
import dev.tokenwise.router.routing.PromptSignals;
import dev.tokenwise.router.routing.RoutingInput;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.netty.channel.ChannelOption;
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

/**
 * Sends what the learned classifier saw for a sample of requests to cost-service ({@code POST
 * /api/quality/routing-samples}), where the request's later verdicts join it as training data. A
 * request sampled for shadow evaluation always sends one (its verdict is certain to come); any
 * other learned-route request with probability {@code sample-rate}. At most {@value #MAX_IN_FLIGHT}
 * are in flight; more are dropped and counted, never queued, and a failure only loses the sample.
 * Counted as {@value #METRIC} by {@code outcome} ({@code sent}, {@code dropped}, {@code failed}).
 */
@Component
public class RoutingSamples {

  public static final String METRIC = "tokenwise.router.learning.samples";
  static final int MAX_IN_FLIGHT = 64;

  private static final Logger log = LoggerFactory.getLogger(RoutingSamples.class);

  private final WebClient cost;
  private final CostServiceProperties costService;
  private final ServiceTokens tokens;
  private final LearningProperties properties;
  private final MeterRegistry meters;
  private final DoubleSupplier random;
  private final AtomicInteger inFlight = new AtomicInteger();

  @Autowired
  public RoutingSamples(
      CostServiceProperties costService,
      ObservationRegistry observations,
      ServiceTokens tokens,
      LearningProperties properties,
      MeterRegistry meters) {
    this(
        client(costService, observations),
        costService,
        tokens,
        properties,
        meters,
        () -> ThreadLocalRandom.current().nextDouble());
  }

  RoutingSamples(
      WebClient cost,
      CostServiceProperties costService,
      ServiceTokens tokens,
      LearningProperties properties,
      MeterRegistry meters,
      DoubleSupplier random) {
    this.cost = cost;
    this.costService = costService;
    this.tokens = tokens;
    this.properties = properties;
    this.meters = meters;
    this.random = random;
  }

  private static WebClient client(CostServiceProperties properties, ObservationRegistry obs) {
    HttpClient http =
        HttpClient.create()
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) properties.connectTimeout().toMillis())
            .responseTimeout(properties.timeout());
    return WebClient.builder()
        .baseUrl(properties.baseUrl().toString())
        .clientConnector(new ReactorClientHttpConnector(http))
        .observationRegistry(obs)
        .build();
  }

  /**
   * Offers one answered request; returns at once. {@code shadowed}: it was sampled for shadow
   * evaluation.
   */
  public void offer(
      RoutePlan plan, String requestId, String tenant, JsonNode request, boolean shadowed) {
    RoutingSample sample = sample(plan, requestId, tenant, request, shadowed);
    if (sample == null) {
      return;
    }
    if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
      inFlight.decrementAndGet();
      count("dropped");
      return;
    }
    send(sample).doFinally(s -> inFlight.decrementAndGet()).subscribe();
  }

  /** The sample to send, or null when the request has none or was not drawn. */
  RoutingSample sample(
      RoutePlan plan, String requestId, String tenant, JsonNode request, boolean shadowed) {
    RoutingInput input = plan.tier().input();
    if (!properties.enabled() || input == null || plan.deferred()) {
      return null;
    }
    if (!shadowed && random.getAsDouble() >= properties.sampleRate()) {
      return null;
    }
    String route = plan.route().name();
    int strongest = plan.route().tiers().size() - 1;
    String prompt =
        properties.keepPrompts().contains(route)
            ? PromptSignals.ofOpenAiRequest(request).question()
            : null;
    return new RoutingSample(
        requestId,
        tenant,
        route,
        input.routerVersion(),
        plan.tier().tier() == strongest ? 1 : 0,
        input.explored(),
        input.propensity(),
        RoutingSample.encode(input.embedding()),
        input.features(),
        prompt);
  }

  Mono<Void> send(RoutingSample sample) {
    return cost.post()
        .uri("/api/quality/routing-samples")
        .header(ServiceTokens.HEADER, tokens.mint(ServiceTokens.COST, sample.tenant()))
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(sample)
        .retrieve()
        .toBodilessEntity()
        .timeout(costService.timeout())
        .doOnSuccess(r -> count("sent"))
        .onErrorResume(
            e -> {
              count("failed");
              log.debug("Routing sample of {} not sent: {}", sample.requestId(), e.toString());
              return Mono.empty();
            })
        .then();
  }

  private void count(String outcome) {
    meters.counter(METRIC, "outcome", outcome).increment();
  }
}
