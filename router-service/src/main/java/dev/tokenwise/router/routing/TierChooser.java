package dev.tokenwise.router.routing;

import dev.tokenwise.router.route.Route;
import dev.tokenwise.router.route.RouteProperties;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 * tier at or above the threshold, to the cheapest below. A route without tiers serves the client's
 * model.
 */
@Component
public class TierChooser {

  private static final String SHIPPED = "";

  private final HeuristicScorer heuristic = new HeuristicScorer();
  private final Map<String, LinearRouterModel> models = new ConcurrentHashMap<>();
  private final JsonMapper json;
  private final Scheduler embedding =
      Schedulers.newBoundedElastic(
          Math.max(1, Runtime.getRuntime().availableProcessors()), 1024, "tokenwise-embed");

  public TierChooser(JsonMapper json) {
    this.json = json;
  }

  public Mono<TierChoice> choose(Route route, String clientModel, JsonNode request) {
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
    return switch (classifier.type()) {
      case "learned" ->
          Mono.fromCallable(() -> learned(classifier, tiers, signals)).subscribeOn(embedding);
      case "heuristic" -> {
        double score = heuristic.score(signals);
        double threshold = classifier.threshold() == null ? 0.5 : classifier.threshold();
        yield Mono.just(pick(tiers, score >= threshold, "heuristic", score));
      }
      default -> Mono.just(new TierChoice(tiers.get(0), 0, "cheapest", Double.NaN));
    };
  }

  private TierChoice learned(
      RouteProperties.Classifier classifier, List<String> tiers, PromptSignals signals) {
    LinearRouterModel model = model(classifier.modelPath());
    double score = model.score(SentenceEmbedder.shared().embed(signals.question()));
    double threshold =
        classifier.threshold() != null
            ? classifier.threshold()
            : model.thresholdFor(classifier.strongShare());
    return pick(tiers, score >= threshold, "learned", score);
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
