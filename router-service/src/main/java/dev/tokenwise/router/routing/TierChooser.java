package dev.tokenwise.router.routing;

import dev.tokenwise.router.route.Route;
import dev.tokenwise.router.route.RouteProperties;
import dev.tokenwise.router.routing.learning.Exploration;
import dev.tokenwise.router.selftraining.LearningProperties;
import dev.tokenwise.router.selftraining.RouterVersions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Picks the tier of a route for one request. {@code tokenwise/fast} and {@code tokenwise/smart} pin
 * the cheapest and strongest tier; otherwise a route with tiers scores the request (heuristic:
 * microseconds; learned: one MiniLM embedding on a bounded scheduler) and sends it to the strongest
 * tier at or above the threshold, to the cheapest below. A learned route scores with its published
 * version when it has one ({@link RouterVersions}), else with its configured model, and a share
 * {@code tokenwise.router.learning.exploration} of its requests is served by the tier the model did
 * not pick ({@link Exploration}, decided by the request id), recorded in the choice's {@link
 * RoutingInput} with the version and the propensity. A route that cost-service's quality advice
 * tightened ({@link QualityTightening}) sends more to the strong tier: its target strong share is
 * raised, or its heuristic threshold lowered, by the current boost. A route without tiers serves
 * the client's model.
 */
@Component
public class TierChooser {

  private static final String SHIPPED = "";

  /** The version name of the model shipped with the router. */
  public static final String SHIPPED_VERSION = "shipped";

  private final HeuristicScorer heuristic = new HeuristicScorer();
  private final Map<String, LinearRouterModel> models = new ConcurrentHashMap<>();
  private final JsonMapper json;
  private final QualityTightening quality;
  private final RouterVersions versions;
  private final LearningProperties learning;
  private final Exploration exploration;
  private final Map<String, TrafficScores> trafficScores = new ConcurrentHashMap<>();
  private final Scheduler embedding =
      Schedulers.newBoundedElastic(
          Math.max(1, Runtime.getRuntime().availableProcessors()), 1024, "tokenwise-embed");

  @Autowired
  public TierChooser(
      JsonMapper json,
      QualityTightening quality,
      RouterVersions versions,
      LearningProperties learning) {
    this(json, quality, versions, learning, ThreadLocalRandom.current().nextLong());
  }

  TierChooser(
      JsonMapper json,
      QualityTightening quality,
      RouterVersions versions,
      LearningProperties learning,
      long seed) {
    this.json = json;
    this.quality = quality;
    this.versions = versions;
    this.learning = learning;
    this.exploration = new Exploration(learning.enabled() ? learning.exploration() : 0, seed);
  }

  /** Quality-gated, without published versions or exploration. */
  public TierChooser(JsonMapper json, QualityTightening quality) {
    this(json, quality, null, LearningProperties.disabled());
  }

  /** Without quality-gated tightening, published versions or exploration. */
  public TierChooser(JsonMapper json) {
    this(json, null);
  }

  /** A choice for a request without an id: exploration, when on, draws at random. */
  public Mono<TierChoice> choose(Route route, String clientModel, JsonNode request) {
    return choose(route, clientModel, request, null);
  }

  /**
   * @param requestId the request's id: exploration decides by it, so a retried request is routed
   *     the same way on any replica; null draws at random
   */
  public Mono<TierChoice> choose(
      Route route, String clientModel, JsonNode request, String requestId) {
    List<String> tiers = route.tiers();
    if (tiers.isEmpty()) {
      return Mono.just(new TierChoice(clientModel, -1, "client", Double.NaN));
    }
    int strongest = tiers.size() - 1;
    if (Route.FAST.equals(clientModel)) {
      return Mono.just(new TierChoice(tiers.get(0), 0, "alias-fast", Double.NaN));
    }
    if (Route.SMART.equals(clientModel)) {
      return Mono.just(new TierChoice(tiers.get(strongest), strongest, "alias-smart", Double.NaN));
    }
    RouteProperties.Classifier classifier = route.definition().classifier();
    PromptSignals signals = PromptSignals.ofOpenAiRequest(request);
    double boost = quality == null ? 0 : quality.boost(route.name());
    return switch (classifier.type()) {
      case "learned" ->
          Mono.fromCallable(
                  () -> learned(route.name(), classifier, tiers, signals, boost, requestId))
              .subscribeOn(embedding);
      case "heuristic" -> {
        double score = heuristic.score(signals);
        double threshold = (classifier.threshold() == null ? 0.5 : classifier.threshold()) - boost;
        yield Mono.just(pick(tiers, score >= threshold, reason("heuristic", boost), score));
      }
      default -> Mono.just(new TierChoice(tiers.get(0), 0, "cheapest", Double.NaN));
    };
  }

  private TierChoice learned(
      String route,
      RouteProperties.Classifier classifier,
      List<String> tiers,
      PromptSignals signals,
      double boost,
      String requestId) {
    Optional<RouterVersions.Active> published =
        versions == null ? Optional.empty() : versions.active(route);
    LinearRouterModel model =
        published.map(RouterVersions.Active::model).orElseGet(() -> model(classifier.modelPath()));
    String version =
        published
            .map(RouterVersions.Active::version)
            .orElseGet(() -> configuredVersion(classifier.modelPath()));
    float[] embedding = SentenceEmbedder.shared().embed(signals.question());
    double[] features = PromptFeatures.of(signals.question());
    double score = model.score(model.input(embedding, features));
    double threshold;
    if (classifier.threshold() != null && boost == 0) {
      threshold = classifier.threshold();
    } else {
      double share =
          Math.min(
              1,
              (classifier.threshold() != null
                      ? model.shareAbove(classifier.threshold())
                      : classifier.strongShare())
                  + boost);
      threshold = Double.NaN;
      if (learning.enabled() && learning.calibrateToTraffic()) {
        TrafficScores traffic = traffic(route, version);
        threshold = traffic.thresholdFor(share);
        traffic.add(score);
      }
      if (Double.isNaN(threshold)) {
        threshold = model.thresholdFor(share);
      }
    }
    int chosen = score >= threshold ? 1 : 0;
    Exploration.Decision decision =
        exploration.decide(
            requestId != null
                ? requestId
                : Long.toHexString(ThreadLocalRandom.current().nextLong()),
            chosen);
    RoutingInput input =
        new RoutingInput(embedding, features, version, decision.explored(), decision.propensity());
    String reason = decision.explored() ? "learned+explored" : reason("learned", boost);
    int tier = decision.tier() == 1 ? tiers.size() - 1 : 0;
    return new TierChoice(tiers.get(tier), tier, reason, score, input);
  }

  /** The route's recent scores under {@code version}; a new version starts afresh. */
  private TrafficScores traffic(String route, String version) {
    TrafficScores current = trafficScores.get(route);
    if (current != null && current.version().equals(version)) {
      return current;
    }
    return trafficScores.compute(
        route,
        (r, scores) ->
            scores != null && scores.version().equals(version)
                ? scores
                : new TrafficScores(version));
  }

  /** The version name of a route's configured model: {@code shipped}, or its file's name. */
  public static String configuredVersion(String modelPath) {
    return modelPath == null ? SHIPPED_VERSION : "file:" + Path.of(modelPath).getFileName();
  }

  /** The classifier's name, marked when quality advice has moved its threshold. */
  private static String reason(String classifier, double boost) {
    return boost > 0 ? classifier + "+tightened" : classifier;
  }

  /** Loads a learned route's weights ahead of its first request (null: the shipped model). */
  public void preload(String modelPath) {
    model(modelPath);
  }

  /** A learned route's configured model: its model file's, or (null) the shipped one. */
  public LinearRouterModel configuredModel(String modelPath) {
    return model(modelPath);
  }

  LinearRouterModel model(String path) {
    return models.computeIfAbsent(
        path == null ? SHIPPED : path,
        p ->
            p.isEmpty()
                ? LinearRouterModel.bundled(json)
                : LinearRouterModel.read(Path.of(p), json));
  }

  private static TierChoice pick(List<String> tiers, boolean strong, String reason, double score) {
    int tier = strong ? tiers.size() - 1 : 0;
    return new TierChoice(tiers.get(tier), tier, reason, score);
  }
}
