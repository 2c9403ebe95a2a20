package dev.tokenwise.router.route;

import dev.tokenwise.common.tokens.TokenEstimator;
import dev.tokenwise.router.outputcap.OutputCaps;
import dev.tokenwise.router.outputcap.StructuredOutput;
import dev.tokenwise.router.promptcache.PromptCacheShaper;
import dev.tokenwise.router.request.RequestGuardProperties;
import dev.tokenwise.router.routing.PromptSignals;
import dev.tokenwise.router.routing.TierChoice;
import dev.tokenwise.router.routing.TierChooser;
import dev.tokenwise.router.routing.WarmPrefixes;
import dev.tokenwise.router.tenant.Tenant;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Decides how one chat request is served: its route, tier (with cache-aware routing), output cap,
 * schema and prompt-cache shaping, and whether it is deferred to batch-service. Works on a copy of
 * the client's request; the copy is what goes to the provider.
 */
@Component
public class RoutePlanner {

  /** Requests served by their route's fallback tier because the tier choice missed its deadline. */
  public static final String ROUTING_FALLBACKS_METRIC = "tokenwise.router.routing.fallbacks";

  /** The {@link TierChoice#reason()} of a request served by the fallback tier. */
  public static final String DEADLINE_REASON = "routing-deadline";

  /** The {@link TierChoice#reason()} of a request an experiment arm's model serves. */
  public static final String EXPERIMENT_REASON = "experiment";

  private final RouteResolver resolver;
  private final TierChooser tiers;
  private final WarmPrefixes warm;
  private final PromptCacheShaper promptCache;
  private final JsonMapper json;
  private final RequestGuardProperties guard;
  private final MeterRegistry meters;

  public RoutePlanner(
      RouteResolver resolver,
      TierChooser tiers,
      WarmPrefixes warm,
      PromptCacheShaper promptCache,
      JsonMapper json,
      RequestGuardProperties guard,
      MeterRegistry meters) {
    this.resolver = resolver;
    this.tiers = tiers;
    this.warm = warm;
    this.promptCache = promptCache;
    this.json = json;
    this.guard = guard;
    this.meters = meters;
  }

  /** A plan for a request known by nothing but its body (an experiment assigns it at random). */
  public Mono<RoutePlan> plan(Tenant tenant, HttpHeaders headers, ObjectNode clientRequest) {
    return plan(tenant, headers, clientRequest, ExperimentArms.Keys.ofRequest(null));
  }

  /**
   * @param keys the end user, conversation and request id an experiment keeps on one arm
   */
  public Mono<RoutePlan> plan(
      Tenant tenant, HttpHeaders headers, ObjectNode clientRequest, ExperimentArms.Keys keys) {
    String clientModel = clientRequest.path("model").asString("");
    Route resolved;
    try {
      resolved = resolver.resolve(tenant, headers.getFirst(RouteResolver.HEADER), clientModel);
    } catch (RuntimeException e) {
      return Mono.error(e);
    }
    String referenceModel = resolved.referenceModel(clientModel);
    RouteProperties.Experiment experiment = resolved.definition().experiment();
    RouteProperties.Arm arm =
        experiment == null ? null : ExperimentArms.assign(experiment, tenant.id(), keys);
    // An arm's tiers replace the route's for the classifier, the fallback tier and warm-prefix
    // routing alike; the savings baseline stays the route's own.
    Route route =
        arm != null && !arm.tiers().isEmpty() ? resolved.withTiers(arm.tiers()) : resolved;
    RoutePlan.Assignment assignment =
        arm == null ? null : new RoutePlan.Assignment(experiment.name(), arm.name());
    ObjectNode request = clientRequest.deepCopy();
    boolean deferred =
        "deferred".equalsIgnoreCase(headers.getFirst(RoutePlan.MODE_HEADER))
            || route.definition().mode() == RouteProperties.Mode.DEFERRED;
    return promptCache
        .shape(tenant.id(), route, request)
        .flatMap(
            shaping ->
                (arm != null && arm.model() != null && !arm.model().isBlank()
                        ? Mono.just(armModel(route, arm))
                        : tierChoice(tenant, route, clientModel, request, keys.requestId()))
                    .map(
                        choice -> {
                          request.put("model", choice.model());
                          OutputCaps.Applied cap =
                              OutputCaps.apply(
                                  request, route.definition().output(), choice.model());
                          boolean schema =
                              StructuredOutput.inject(
                                  request,
                                  route.definition().jsonSchema(),
                                  route.definition().jsonSchemaName(),
                                  json);
                          return new RoutePlan(
                              route,
                              choice,
                              referenceModel,
                              request,
                              cap,
                              schema,
                              shaping,
                              deferred,
                              assignment);
                        }));
  }

  /**
   * The classifier's tier, weighed against a warm prefix; past the routing deadline, the route's
   * fallback tier. Classifying and the warm-prefix lookup are bookkeeping: a request is never
   * failed or held for them.
   */
  private Mono<TierChoice> tierChoice(
      Tenant tenant, Route route, String clientModel, ObjectNode request, String requestId) {
    Mono<TierChoice> chosen =
        tiers
            .choose(route, clientModel, request, requestId)
            .flatMap(
                choice -> {
                  String conversation = conversation(request);
                  if (conversation == null) {
                    return Mono.just(choice);
                  }
                  return warm.adjust(
                      choice,
                      route.tiers(),
                      tenant.id(),
                      route.name(),
                      conversation,
                      prefixTokens(choice.model(), request),
                      inputTokens(choice.model(), request),
                      route.definition().promptCache().warmWindow());
                });
    if (route.tiers().isEmpty()) {
      return chosen;
    }
    return chosen.timeout(
        guard.routingDeadline(), Mono.fromSupplier(() -> fallback(route, clientModel)));
  }

  /**
   * An arm's model serves every request of the arm; its tier is its place in the route's, if any.
   */
  private static TierChoice armModel(Route route, RouteProperties.Arm arm) {
    return new TierChoice(
        arm.model(), route.tiers().indexOf(arm.model()), EXPERIMENT_REASON, Double.NaN);
  }

  /**
   * The tier served when routing missed its deadline: the pinned tier of {@code tokenwise/fast} and
   * {@code tokenwise/smart}, else the strongest, the choice that cannot cost quality.
   */
  private TierChoice fallback(Route route, String clientModel) {
    Counter.builder(ROUTING_FALLBACKS_METRIC)
        .description("Requests served by the route's fallback tier after the routing deadline")
        .tag("route", route.name())
        .register(meters)
        .increment();
    List<String> tiers = route.tiers();
    int tier = Route.FAST.equals(clientModel) ? 0 : tiers.size() - 1;
    return new TierChoice(tiers.get(tier), tier, DEADLINE_REASON, Double.NaN);
  }

  /** A conversation is its system prompt and first user turn; null for a single-turn request. */
  static String conversation(JsonNode request) {
    StringBuilder identity = new StringBuilder();
    int users = 0;
    for (JsonNode message : request.path("messages")) {
      String role = message.path("role").asString("");
      if (role.equals("user")) {
        users++;
        if (users == 1) {
          identity.append('\u0000').append(message.path("content").toString());
        }
      } else if (role.equals("system") || role.equals("developer")) {
        identity.append('\u0000').append(message.path("content").toString());
      }
    }
    if (users < 2) {
      return null;
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(identity.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Tokens of every message before the latest user turn: what a warm cache would serve. */
  static long prefixTokens(String model, JsonNode request) {
    JsonNode messages = request.path("messages");
    int lastUser = -1;
    for (int i = messages.size() - 1; i >= 0; i--) {
      if (messages.get(i).path("role").asString("").equals("user")) {
        lastUser = i;
        break;
      }
    }
    long tokens = 0;
    for (int i = 0; i < lastUser; i++) {
      tokens +=
          TokenEstimator.shared()
              .countText(model, PromptSignals.text(messages.get(i).path("content")));
    }
    return tokens;
  }

  static long inputTokens(String model, JsonNode request) {
    long tokens = 0;
    for (JsonNode message : request.path("messages")) {
      tokens +=
          TokenEstimator.shared().countText(model, PromptSignals.text(message.path("content")));
    }
    return tokens;
  }
}
