package dev.tokenwise.router.selftraining;

import dev.tokenwise.common.quality.RoutingSample;
import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.router.feedback.CostServiceProperties;
import dev.tokenwise.router.route.RouteProperties;
import dev.tokenwise.router.route.RouteTable;
import dev.tokenwise.router.routing.LinearRouterModel;
import dev.tokenwise.router.routing.Polling;
import dev.tokenwise.router.routing.TierChooser;
import dev.tokenwise.router.routing.learning.ModelCheck;
import dev.tokenwise.router.routing.learning.RoutingVerdict;
import dev.tokenwise.router.routing.learning.VerdictTrainer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.netty.channel.ChannelOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * Retrains every learned route on its verdicts, every {@code retrain-interval}, on one router
 * instance at a time (a Redis lock elects it). For one route it reads the newest {@code
 * max-verdicts} verdicts with their routing samples from cost-service ({@code GET
 * /api/quality/routing-verdicts}), holds back the most recent share ({@link ModelCheck}), fits a
 * candidate on the rest warm-started from the route's configured model ({@link VerdictTrainer}),
 * sets its thresholds from the route's newest samples (its own traffic, {@code GET
 * /api/quality/routing-samples}), and publishes it ({@link RouterVersions}) only when it beats the
 * version in use on the held-back verdicts. Every run is logged and counted as {@value #METRIC} by
 * route and {@code outcome} ({@code published}, {@code kept}, {@code too-few}, {@code failed}).
 */
@Component
public class RouterRetraining implements InitializingBean, DisposableBean {

  public static final String METRIC = "tokenwise.router.learning.retrainings";
  static final String LOCK = "tokenwise:router-retraining:lock";

  /** How many of the route's newest samples set a candidate's thresholds. */
  static final int CALIBRATION_SAMPLES = 5000;

  static final int MIN_CALIBRATION = 100;

  private static final Logger log = LoggerFactory.getLogger(RouterRetraining.class);

  /** What one retraining of a route did. */
  public record Result(
      String route,
      String outcome,
      int verdicts,
      String current,
      String published,
      ModelCheck.Decision decision,
      String reason,
      Instant at) {

    Result(
        String route,
        String outcome,
        int verdicts,
        String current,
        String published,
        ModelCheck.Decision decision,
        String reason) {
      this(route, outcome, verdicts, current, published, decision, reason, Instant.now());
    }
  }

  private final WebClient cost;
  private final CostServiceProperties costService;
  private final ServiceTokens tokens;
  private final ReactiveStringRedisTemplate redis;
  private final RouteTable routes;
  private final RouterVersions versions;
  private final TierChooser chooser;
  private final LearningProperties properties;
  private final MeterRegistry meters;
  private final JsonMapper json;
  private final VerdictTrainer trainer;
  private final ModelCheck check;
  private final String instance = UUID.randomUUID().toString();
  private Disposable schedule;

  @Autowired
  public RouterRetraining(
      CostServiceProperties costService,
      ObservationRegistry observations,
      ServiceTokens tokens,
      ReactiveStringRedisTemplate redis,
      RouteTable routes,
      RouterVersions versions,
      TierChooser chooser,
      LearningProperties properties,
      MeterRegistry meters,
      JsonMapper json) {
    HttpClient http =
        HttpClient.create()
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) costService.connectTimeout().toMillis())
            .responseTimeout(Duration.ofSeconds(60));
    this.cost =
        WebClient.builder()
            .baseUrl(costService.baseUrl().toString())
            .clientConnector(new ReactorClientHttpConnector(http))
            .codecs(c -> c.defaultCodecs().maxInMemorySize(256 * 1024 * 1024))
            .observationRegistry(observations)
            .build();
    this.costService = costService;
    this.tokens = tokens;
    this.redis = redis;
    this.routes = routes;
    this.versions = versions;
    this.chooser = chooser;
    this.properties = properties;
    this.meters = meters;
    this.json = json;
    this.trainer =
        new VerdictTrainer(
            new VerdictTrainer.Settings(
                properties.priorStrength(),
                properties.ridge(),
                VerdictTrainer.Settings.defaults().maxPropensityWeight()));
    this.check =
        new ModelCheck(
            new ModelCheck.Settings(
                properties.heldOutShare(),
                properties.minHeldOut(),
                properties.minBothKnown(),
                properties.margin()));
  }

  @Override
  public void afterPropertiesSet() {
    if (properties.enabled()) {
      schedule =
          Polling.every(
              properties.retrainInterval(),
              properties.retrainInterval(),
              this::retrainAllIfElected);
    }
  }

  @Override
  public void destroy() {
    if (schedule != null) {
      schedule.dispose();
    }
  }

  /** Retrains every learned route when this instance holds the lock for this interval. */
  Mono<Void> retrainAllIfElected() {
    Duration hold = properties.retrainInterval().dividedBy(2);
    return redis
        .opsForValue()
        .setIfAbsent(LOCK, instance, hold)
        .filter(Boolean::booleanValue)
        .flatMapMany(elected -> Flux.fromIterable(versions.learnedRoutes()))
        .concatMap(route -> retrain(route).onErrorResume(e -> Mono.empty()))
        .then();
  }

  /** Retrains one learned route now. */
  public Mono<Result> retrain(String route) {
    RouteProperties.Definition definition = routes.routes().get(route);
    if (definition == null || !"learned".equals(definition.classifier().type())) {
      return Mono.error(new IllegalArgumentException("'" + route + "' is not a learned route"));
    }
    return verdicts(route)
        .zipWith(samples(route))
        .publishOn(Schedulers.boundedElastic())
        .map(both -> train(route, definition, both.getT1(), both.getT2()))
        .flatMap(this::publish)
        .flatMap(
            result ->
                versions
                    .recordRetraining(route, json.writeValueAsString(result))
                    .onErrorResume(e -> Mono.empty())
                    .thenReturn(result))
        .doOnNext(this::report)
        .onErrorResume(
            e -> {
              Result failed = new Result(route, "failed", 0, null, null, null, e.getMessage());
              report(failed);
              return Mono.just(failed);
            });
  }

  private Mono<List<dev.tokenwise.common.quality.RoutingVerdict>> verdicts(String route) {
    return cost.get()
        .uri(
            b ->
                b.path("/api/quality/routing-verdicts")
                    .queryParam("route", route)
                    .queryParam("limit", properties.maxVerdicts())
                    .build())
        .header(ServiceTokens.HEADER, tokens.mint(ServiceTokens.COST, ServiceTokens.ANY_TENANT))
        .retrieve()
        .bodyToMono(
            new ParameterizedTypeReference<List<dev.tokenwise.common.quality.RoutingVerdict>>() {})
        .timeout(Duration.ofSeconds(60).plus(costService.timeout()));
  }

  private Mono<List<RoutingSample>> samples(String route) {
    return cost.get()
        .uri(
            b ->
                b.path("/api/quality/routing-samples")
                    .queryParam("route", route)
                    .queryParam("limit", CALIBRATION_SAMPLES)
                    .build())
        .header(ServiceTokens.HEADER, tokens.mint(ServiceTokens.COST, ServiceTokens.ANY_TENANT))
        .retrieve()
        .bodyToMono(new ParameterizedTypeReference<List<RoutingSample>>() {})
        .timeout(Duration.ofSeconds(60).plus(costService.timeout()));
  }

  /**
   * The candidate's score percentiles over the route's own recent traffic, so that a strong share
   * means that share of this route's requests (the configured model's percentiles come from its
   * training prompts, which the route's traffic need not resemble). Fewer than {@value
   * #MIN_CALIBRATION} samples keep the candidate's own.
   */
  static LinearRouterModel calibrated(LinearRouterModel model, List<RoutingSample> samples) {
    if (samples.size() < MIN_CALIBRATION) {
      return model;
    }
    double[] scores = new double[samples.size()];
    for (int i = 0; i < scores.length; i++) {
      RoutingSample sample = samples.get(i);
      scores[i] =
          model.score(model.input(RoutingSample.decode(sample.embedding()), sample.features()));
    }
    double[] quantiles = VerdictTrainer.quantiles(scores);
    return new LinearRouterModel(
        model.format(),
        model.embedding(),
        model.target(),
        model.lambda(),
        model.trainingRows(),
        model.bias(),
        model.weights(),
        quantiles,
        model.features(),
        model.featureMeans(),
        model.featureScales());
  }

  /** A candidate and the check's decision, before anything is published. */
  private record Trained(
      String route,
      int verdicts,
      String current,
      LinearRouterModel candidate,
      ModelCheck.Split split,
      ModelCheck.Decision decision) {}

  private Trained train(
      String route,
      RouteProperties.Definition definition,
      List<dev.tokenwise.common.quality.RoutingVerdict> rows,
      List<RoutingSample> traffic) {
    List<RoutingVerdict> verdicts = new ArrayList<>(rows.size());
    for (dev.tokenwise.common.quality.RoutingVerdict row : rows) {
      verdicts.add(learningVerdict(row));
    }
    String modelPath = definition.classifier().modelPath();
    LinearRouterModel configured = chooser.configuredModel(modelPath);
    RouterVersions.Active current =
        versions
            .active(route)
            .orElse(
                new RouterVersions.Active(TierChooser.configuredVersion(modelPath), configured));
    ModelCheck.Split split = check.split(verdicts);
    if (split.training().isEmpty()) {
      return new Trained(route, verdicts.size(), current.version(), null, split, null);
    }
    LinearRouterModel candidate = calibrated(trainer.train(split.training(), configured), traffic);
    ModelCheck.Decision decision = check.decide(current.model(), candidate, split.heldOut());
    return new Trained(route, verdicts.size(), current.version(), candidate, split, decision);
  }

  private Mono<Result> publish(Trained t) {
    if (t.decision() == null) {
      return Mono.just(
          new Result(t.route(), "too-few", t.verdicts(), t.current(), null, null, "no verdicts"));
    }
    if (!t.decision().publish()) {
      String outcome = t.decision().reason().startsWith("only ") ? "too-few" : "kept";
      return Mono.just(
          new Result(
              t.route(),
              outcome,
              t.verdicts(),
              t.current(),
              null,
              t.decision(),
              t.decision().reason()));
    }
    RouterVersions.Info info =
        new RouterVersions.Info(
            null,
            t.route(),
            Instant.now(),
            t.current(),
            t.split().training().size(),
            t.decision().heldOut(),
            t.decision().candidate(),
            t.decision().current(),
            "retraining",
            t.decision().metric() + ": " + t.decision().reason());
    return versions
        .publish(t.route(), t.candidate(), info)
        .flatMap(version -> versions.refresh().thenReturn(version))
        .map(
            version ->
                new Result(
                    t.route(),
                    "published",
                    t.verdicts(),
                    t.current(),
                    version,
                    t.decision(),
                    t.decision().reason()));
  }

  /**
   * A stored verdict as the trainer sees it; a shadow verdict on a cheap answer knows both tiers.
   */
  static RoutingVerdict learningVerdict(dev.tokenwise.common.quality.RoutingVerdict row) {
    float[] embedding = RoutingSample.decode(row.embedding());
    long at = row.receivedAt().toEpochMilli();
    if (RoutingVerdict.SHADOW.equals(row.source()) && row.servedTier() == 0) {
      // the cheap answer was judged against the reference (strong) model's: taken as right
      return RoutingVerdict.shadow(
          embedding, row.features(), 0, !row.bad(), true, at, row.explored(), row.propensity());
    }
    return RoutingVerdict.feedback(
        embedding,
        row.features(),
        row.servedTier(),
        !row.bad(),
        at,
        row.explored(),
        row.propensity());
  }

  private void report(Result result) {
    meters.counter(METRIC, "route", result.route(), "outcome", result.outcome()).increment();
    if ("published".equals(result.outcome())) {
      log.info(
          "Route '{}' retrained on {} verdicts: published {} (was {}): {} {} -> {}",
          result.route(),
          result.verdicts(),
          result.published(),
          result.current(),
          result.decision().metric(),
          result.decision().current(),
          result.decision().candidate());
    } else {
      log.info(
          "Route '{}' retrained on {} verdicts: {} ({}{}), keeps {}",
          result.route(),
          result.verdicts(),
          result.outcome(),
          result.reason(),
          result.decision() == null
              ? ""
              : "; "
                  + result.decision().metric()
                  + " "
                  + result.decision().current()
                  + " -> "
                  + result.decision().candidate()
                  + " on "
                  + result.decision().heldOut(),
          result.current());
    }
  }
}
