package dev.tokenwise.router.route;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Routes by name ({@code tokenwise.router.routes.<name>.*}), in declaration order; the first whose
 * {@code match} fits a request takes it unless the client names a route in the {@code
 * Tokenwise-Route} header.
 */
@ConfigurationProperties("tokenwise.router")
public record RouteProperties(Map<String, Definition> routes) {

  public RouteProperties {
    routes = routes == null ? Map.of() : routes;
  }

  /**
   * One route.
   *
   * @param match which requests take the route without naming it
   * @param tiers models ordered cheap to strong; empty: the client's model is served
   * @param referenceModel what the client would have used without Tokenwise (the savings baseline);
   *     null: the client's model, or the strongest tier when the client named an alias
   * @param classifier how {@code tokenwise/auto} requests pick a tier
   * @param fallbacks models tried, in order, when the chosen one fails
   * @param output output-token caps
   * @param jsonSchema a JSON Schema (as JSON text) every answer must satisfy, or null
   * @param jsonSchemaName the schema's name on the wire ({@code [a-zA-Z0-9_-]}, at most 64)
   * @param cache the response cache's policy for the route (exact and semantic)
   * @param promptCache how the prompt is shaped for provider prompt caching
   * @param mode {@code sync}, {@code deferred} (always handed to batch-service) or {@code auto}
   *     (deferred only when the client asks with {@code Tokenwise-Mode: deferred})
   * @param shadowSampleRate share of routed-down answers replayed against the reference model
   * @param regressionBudget tolerated share of routed-down answers worse than the reference
   * @param experiment a split of the route's traffic between arms, or null
   */
  public record Definition(
      @DefaultValue Match match,
      List<String> tiers,
      String referenceModel,
      @DefaultValue Classifier classifier,
      List<String> fallbacks,
      @DefaultValue Output output,
      String jsonSchema,
      @DefaultValue("answer") String jsonSchemaName,
      @DefaultValue Cache cache,
      @DefaultValue PromptCache promptCache,
      @DefaultValue("sync") Mode mode,
      @DefaultValue("0") double shadowSampleRate,
      @DefaultValue("0.02") double regressionBudget,
      Experiment experiment) {

    @ConstructorBinding
    public Definition {
      tiers = tiers == null ? List.of() : List.copyOf(tiers);
      fallbacks = fallbacks == null ? List.of() : List.copyOf(fallbacks);
    }

    /** A route without an experiment. */
    public Definition(
        Match match,
        List<String> tiers,
        String referenceModel,
        Classifier classifier,
        List<String> fallbacks,
        Output output,
        String jsonSchema,
        String jsonSchemaName,
        Cache cache,
        PromptCache promptCache,
        Mode mode,
        double shadowSampleRate,
        double regressionBudget) {
      this(
          match,
          tiers,
          referenceModel,
          classifier,
          fallbacks,
          output,
          jsonSchema,
          jsonSchemaName,
          cache,
          promptCache,
          mode,
          shadowSampleRate,
          regressionBudget,
          null);
    }

    /** The same route serving {@code tiers} instead of its own (an experiment arm's). */
    public Definition withTiers(List<String> tiers) {
      return new Definition(
          match,
          tiers,
          referenceModel,
          classifier,
          fallbacks,
          output,
          jsonSchema,
          jsonSchemaName,
          cache,
          promptCache,
          mode,
          shadowSampleRate,
          regressionBudget,
          experiment);
    }
  }

  /**
   * A split of one route's traffic between two or more arms, each changing what serves its share.
   * Which arm serves a request is a hash of the experiment's name and the sticky key into the arms'
   * weights, so the same key always lands on the same arm, on every replica, while the arms stay.
   *
   * @param name the experiment's name in usage events, cost-service's report and the {@code
   *     Tokenwise-Experiment} header
   * @param sticky what keeps a client on one arm; when the request lacks it, its request id
   * @param arms at least two, with distinct names
   */
  public record Experiment(String name, @DefaultValue("end-user") Sticky sticky, List<Arm> arms) {
    public Experiment {
      arms = arms == null ? List.of() : List.copyOf(arms);
    }
  }

  /**
   * One arm of an experiment: either a {@code model} that serves all its requests (on the provider
   * that serves that model), or {@code tiers} that replace the route's for its requests (the
   * route's classifier then chooses among them).
   *
   * @param weight its share of the traffic relative to the other arms' weights (positive)
   * @param provider optional: the provider the model must be served by ({@code openai}, {@code
   *     anthropic}, {@code gcp.gemini} or an OpenAI-compatible server's name), checked at load
   */
  public record Arm(
      String name,
      @DefaultValue("1") double weight,
      String model,
      String provider,
      List<String> tiers) {
    public Arm {
      tiers = tiers == null ? List.of() : List.copyOf(tiers);
    }
  }

  /** What keeps a client on one arm of an experiment. */
  public enum Sticky {
    /** The end user (the body's {@code user} or {@code safety_identifier}, or Tokenwise-User). */
    END_USER,
    /** The conversation (Tokenwise-Conversation, or derived from its opening). */
    CONVERSATION,
    /** Nothing: each request is assigned anew. */
    REQUEST
  }

  /**
   * Which requests a route takes unasked: any of the tenants, apps or model names (aliases such as
   * {@code tokenwise/auto} or concrete model ids).
   */
  public record Match(List<String> tenants, List<String> apps, List<String> models) {
    public Match {
      tenants = tenants == null ? List.of() : List.copyOf(tenants);
      apps = apps == null ? List.of() : List.copyOf(apps);
      models = models == null ? List.of() : List.copyOf(models);
    }
  }

  /**
   * @param type {@code learned} (MiniLM linear model), {@code heuristic}, or {@code none} (always
   *     the cheapest tier for {@code tokenwise/auto})
   * @param threshold score at or above which the strong tier is taken; null: derived from {@code
   *     strong-share} (learned) or 0.5 (heuristic)
   * @param strongShare target share of strong-tier calls the learned threshold is set for
   * @param modelPath a trained model file; null: the model shipped with the router
   */
  public record Classifier(
      @DefaultValue("heuristic") String type,
      Double threshold,
      @DefaultValue("0.3") double strongShare,
      String modelPath) {}

  /**
   * @param defaultMaxTokens injected when the client sets no cap; null: none
   * @param maxTokens the ceiling a client's cap is clamped to; null: none
   */
  public record Output(Long defaultMaxTokens, Long maxTokens) {}

  /**
   * @param enabled whether Tokenwise shapes the prompt for provider caching at all
   * @param ttl {@code auto} (chosen from measured reuse), {@code 5m} or {@code 1h}
   * @param minReusesToWrite expected reads within the TTL below which no breakpoint is written
   * @param fixOrder move system messages ahead of the conversation (the lint's safe fix)
   * @param warmWindow how long a prefix counts as warm at a model, for cache-aware routing
   */
  public record PromptCache(
      @DefaultValue("true") boolean enabled,
      @DefaultValue("auto") String ttl,
      @DefaultValue("0.3") double minReusesToWrite,
      @DefaultValue("true") boolean fixOrder,
      @DefaultValue("5m") Duration warmWindow) {}

  /**
   * The response cache for a route, sent to cache-service as the lookup's and store's {@code
   * policy}. Members left unset (null) are not sent, so cache-service's own configuration for the
   * route applies.
   *
   * @param enabled false: neither looked up nor stored ({@code Tokenwise-Cache: bypass})
   * @param semantic whether a paraphrase may be answered from the cache (on by default; the exact
   *     cache is consulted either way)
   * @param threshold cosine similarity a semantic hit needs (cache-service default 0.954)
   * @param verifyThreshold the pair verifier's score a semantic hit also needs, in [0, 1]; 0: the
   *     verifier is off and the threshold alone decides (cache-service default 0)
   * @param ttl how long the route's answers live; null: {@code tokenwise.router.cache.ttl}
   * @param maxTemperature requests sampled hotter than this bypass the semantic cache
   * @param shadowRate share of semantic hits also asked of the model, to measure false hits
   * @param maxKeyWordDifference content words allowed in only one of the two questions
   * @param guards whether cache-service's number, negation and entity guards run
   * @param allowTimeSensitive whether "today", "latest"… questions may be answered from cache
   * @param allowTools whether requests offering tools may be answered from the semantic cache
   * @param maxFalseHitRate the false-hit rate the route accepts, in [0, 1); set above 0, {@code
   *     threshold} is not used and cache-service learns the route's threshold from shadow verdicts
   *     under this bound; 0: none (cache-service default)
   * @param grayZoneWidth how far below the threshold the gray zone reaches, in [0, 1): a lookup
   *     whose best candidate passes the guards just below the threshold misses and is checked in
   *     the background for promotion to an alias; 0: no promotion (cache-service default)
   * @param promotionThreshold the pair verifier's score a gray-zone pair needs to become an alias,
   *     in (0, 1] (cache-service default 0.94)
   * @param templateVersion the route's prompt-template version; changing it invalidates the route's
   *     entries
   * @param modelVersion the served model's snapshot; null: the {@code model} the provider last
   *     reported for it, so a new snapshot invalidates the old answers
   * @param normalizeWhitespace whether the exact key ignores whitespace differences in messages
   * @param falseHitRateOf what {@code maxFalseHitRate} is a share of: {@code hits} (wrong answers
   *     among the route's semantic hits; cache-service default) or {@code lookups} (among all its
   *     semantic lookups, as vCache's error bound)
   */
  public record Cache(
      @DefaultValue("true") boolean enabled,
      @DefaultValue("true") boolean semantic,
      Double threshold,
      Double verifyThreshold,
      Duration ttl,
      Double maxTemperature,
      Double shadowRate,
      Integer maxKeyWordDifference,
      Boolean guards,
      Boolean allowTimeSensitive,
      Boolean allowTools,
      Double maxFalseHitRate,
      Double grayZoneWidth,
      Double promotionThreshold,
      String templateVersion,
      String modelVersion,
      Boolean normalizeWhitespace,
      String falseHitRateOf) {

    /** The cache as a route gets it when it configures none: exact and semantic, all defaults. */
    public static Cache defaults() {
      return new Cache(
          true, true, null, null, null, null, null, null, null, null, null, null, null, null, null,
          null, null, null);
    }
  }

  /** How a route's requests are answered. */
  public enum Mode {
    SYNC,
    DEFERRED,
    AUTO
  }
}
