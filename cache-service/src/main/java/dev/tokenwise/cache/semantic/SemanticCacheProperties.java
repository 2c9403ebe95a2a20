package dev.tokenwise.cache.semantic;

import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Configuration of the semantic cache.
 *
 * @param enabled whether the semantic cache runs at all (off: lookups and stores are exact only)
 * @param lookupTimeout how long a semantic lookup (embedding, search, Redis check) may take before
 *     it answers a miss
 * @param storeTimeout how long the semantic half of a store may take before it is dropped
 * @param candidates how many nearest entries are re-checked against Redis per lookup
 * @param maxConnections HNSW graph degree (Lucene's {@code maxConn})
 * @param beamWidth HNSW construction beam width
 * @param syncInterval how often each replica reads the cache-event stream
 * @param sweepInterval how often expired entries are dropped from the in-memory indexes
 * @param eventsMaxLength approximate length the cache-event stream is trimmed to
 * @param snapshotInterval how often a replica writes a snapshot of its indexes to Redis (also at
 *     shutdown); 0 writes none, and every start rebuilds from the entries
 * @param snapshotTimeout how long the snapshot at shutdown may take
 * @param maxQuestionSize questions longer than this (UTF-8 bytes) are not cached semantically
 * @param bound how routes with a {@code maxFalseHitRate} learn their threshold
 * @param promotion the queue and checker of gray-zone pairs
 * @param defaults the policy of every route, before its own overrides
 * @param routes per-route overrides of {@code defaults}, by route name
 */
@ConfigurationProperties("tokenwise.cache.semantic")
public record SemanticCacheProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("300ms") Duration lookupTimeout,
    @DefaultValue("2s") Duration storeTimeout,
    @DefaultValue("4") int candidates,
    @DefaultValue("16") int maxConnections,
    @DefaultValue("100") int beamWidth,
    @DefaultValue("250ms") Duration syncInterval,
    @DefaultValue("30s") Duration sweepInterval,
    @DefaultValue("100000") long eventsMaxLength,
    @DefaultValue("5m") Duration snapshotInterval,
    @DefaultValue("30s") Duration snapshotTimeout,
    @DefaultValue("8KB") DataSize maxQuestionSize,
    @DefaultValue ErrorBound bound,
    @DefaultValue Promotion promotion,
    @DefaultValue RoutePolicy defaults,
    Map<String, RoutePolicy> routes) {

  public SemanticCacheProperties {
    routes = routes == null ? Map.of() : Map.copyOf(routes);
    if (candidates < 1) {
      throw new IllegalArgumentException("tokenwise.cache.semantic.candidates must be positive");
    }
  }

  /**
   * The policy of {@code route}: built-in defaults, then {@code defaults}, then the route's own.
   */
  SemanticPolicy policyOf(String route) {
    SemanticPolicy policy = SemanticPolicy.BUILT_IN.with(defaults);
    RoutePolicy own = routes.get(route);
    return own == null ? policy : policy.with(own);
  }

  /**
   * A route's semantic-cache policy; every member may be left out to inherit.
   *
   * @param enabled whether the route uses the semantic cache
   * @param threshold the cosine similarity a candidate needs before it is verified
   * @param verifyThreshold the verifier's score a hit needs (0: no verifier, cosine decides)
   * @param maxTemperature requests with a higher {@code temperature} bypass the semantic cache
   * @param shadowRate share of semantic hits flagged for a shadow call to the model (0..1)
   * @param maxKeyWordDifference content words allowed to appear in only one of the two questions
   * @param guards whether the numbers/negation/entity/key-noun guards run (off only to measure)
   * @param allowTimeSensitive whether time-sensitive questions may be answered from the cache
   * @param allowTools whether requests that offer tools may be answered from the cache
   * @param maxFalseHitRate the false-hit rate the route accepts (0..1, exclusive); when set, the
   *     route's threshold is learned from verdicts ({@link ErrorBound}) and {@code threshold} is
   *     not used
   * @param grayZoneWidth the band below the threshold whose best candidates are checked after the
   *     miss and, confirmed, become aliases (0: off)
   * @param promotionThreshold the verifier score a gray-zone pair needs to be promoted
   * @param falseHitRateOf what {@code maxFalseHitRate} is a share of: {@code hits} (the built-in
   *     default) or {@code lookups}
   */
  public record RoutePolicy(
      Boolean enabled,
      Double threshold,
      Double verifyThreshold,
      Double maxTemperature,
      Double shadowRate,
      Integer maxKeyWordDifference,
      Boolean guards,
      Boolean allowTimeSensitive,
      Boolean allowTools,
      Double maxFalseHitRate,
      Double grayZoneWidth,
      Double promotionThreshold,
      FalseHitRateOf falseHitRateOf) {

    /** Every member inherited except {@code enabled}. */
    static RoutePolicy enabled(Boolean enabled) {
      return new RoutePolicy(
          enabled, null, null, null, null, null, null, null, null, null, null, null, null);
    }
  }

  /**
   * How a route with a {@code maxFalseHitRate} learns its acceptance threshold ({@link
   * ErrorBoundLearner}); the learned state is kept in Redis per route, shared by the replicas.
   *
   * @param startThreshold the threshold of a route with no verdicts yet: the strictest similarity
   *     it accepts (1: nothing semantic until verdicts arrive from elsewhere)
   * @param floor the widest threshold the learner ever reaches
   * @param step how far one widening (or one level of tightening) moves the threshold
   * @param verdictsPerStep verdicts needed since the last change before the next widening
   * @param window how many of a route's latest verdicts are kept and judged
   * @param refreshInterval how often a replica rereads a route's learned threshold from Redis
   * @param hitMemory how long the similarity of a served hit is remembered for its verdict
   * @param shareWindow for routes bounded per lookup ({@link FalseHitRateOf#LOOKUPS}): how many of
   *     a route's latest lookups a replica keeps the best candidate's similarity of, to weigh a
   *     level's wrong hits by the share of lookups it answers
   */
  public record ErrorBound(
      @DefaultValue("0.99") double startThreshold,
      @DefaultValue("0.80") double floor,
      @DefaultValue("0.005") double step,
      @DefaultValue("20") int verdictsPerStep,
      @DefaultValue("2000") int window,
      @DefaultValue("1s") Duration refreshInterval,
      @DefaultValue("1h") Duration hitMemory,
      @DefaultValue("2000") int shareWindow) {

    public ErrorBound {
      if (startThreshold <= 0 || startThreshold > 1 || floor <= 0 || floor > startThreshold) {
        throw new IllegalArgumentException(
            "tokenwise.cache.semantic.bound needs 0 < floor <= start-threshold <= 1");
      }
      if (step <= 0 || verdictsPerStep < 1 || window < 1 || shareWindow < 1) {
        throw new IllegalArgumentException(
            "tokenwise.cache.semantic.bound.step, verdicts-per-step, window and share-window must"
                + " be positive");
      }
    }
  }

  /**
   * The gray-zone promotion queue, shared by the replicas in Redis, and this replica's checker.
   *
   * @param queueCapacity pairs waiting at most; a gray-zone miss finding it full is dropped
   * @param maxInFlight queue writes a replica has pending at most (Redis slow or down); beyond them
   *     a gray-zone miss is dropped rather than held
   * @param pollInterval how often an idle checker looks at the queue
   * @param batchSize pairs a checker takes from the queue at a time
   * @param decisionMemory how long a queued, confirmed or rejected pair is not queued again
   * @param queueTimeout how long one queue write may take before it is given up (dropped)
   * @param lease how long a checker holds the pairs it took before any replica may take them again:
   *     a replica that dies (or loses Redis) before deciding a pair loses nothing, the pair is
   *     checked again once its lease has run out
   * @param maxAttempts how many times a pair is taken at most; a pair still undecided after that
   *     many leases is abandoned (counted), so one that kills its checker cannot loop for ever
   */
  public record Promotion(
      @DefaultValue("10000") int queueCapacity,
      @DefaultValue("64") int maxInFlight,
      @DefaultValue("500ms") Duration pollInterval,
      @DefaultValue("16") int batchSize,
      @DefaultValue("1h") Duration decisionMemory,
      @DefaultValue("1s") Duration queueTimeout,
      @DefaultValue("1m") Duration lease,
      @DefaultValue("3") int maxAttempts) {

    public Promotion {
      if (queueCapacity < 1 || maxInFlight < 1 || batchSize < 1 || maxAttempts < 1) {
        throw new IllegalArgumentException(
            "tokenwise.cache.semantic.promotion.queue-capacity, max-in-flight, batch-size and"
                + " max-attempts must be positive");
      }
      if (lease.isNegative() || lease.isZero()) {
        throw new IllegalArgumentException(
            "tokenwise.cache.semantic.promotion.lease must be positive");
      }
    }
  }
}
