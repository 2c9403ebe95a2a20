package dev.tokenwise.cache.semantic;

import dev.tokenwise.cache.semantic.SemanticCacheProperties.RoutePolicy;

/**
 * The semantic-cache policy in force for one request: the route's configured policy, overlaid with
 * what the router sent in the request's {@code policy} member.
 *
 * @param enabled whether the semantic cache is consulted and filled
 * @param threshold the cosine similarity a candidate needs before it is verified
 * @param verifyThreshold the {@link PairVerifier} score a hit needs; 0 turns the verifier off (the
 *     cosine threshold alone decides)
 * @param maxTemperature requests with a higher temperature bypass the semantic cache
 * @param shadowRate share of semantic hits flagged {@code shadow: true}
 * @param maxKeyWordDifference content words allowed in only one of the two questions
 * @param guards whether the question guards run
 * @param allowTimeSensitive whether time-sensitive questions may hit
 * @param allowTools whether requests offering tools may hit
 * @param maxFalseHitRate the false-hit rate the route accepts; 0: none set, {@code threshold}
 *     decides; else the threshold is the one learned for the route ({@link ErrorBounds})
 * @param grayZoneWidth how far below the threshold the gray zone reaches ({@link GrayZone}): a
 *     lookup whose best candidate passes the guards with a similarity in {@code [threshold - width,
 *     threshold)} misses and is queued for promotion; 0 turns promotion off
 * @param promotionThreshold the {@link PairVerifier} score a gray-zone pair needs to become an
 *     alias (stricter than any {@code verifyThreshold} a route hits with)
 * @param falseHitRateOf what {@code maxFalseHitRate} is a share of: the route's hits or all its
 *     lookups
 * @param templateVersion the route's prompt-template version (hash); part of the context
 * @param modelVersion the served model's version; part of the context
 */
public record SemanticPolicy(
    boolean enabled,
    double threshold,
    double verifyThreshold,
    double maxTemperature,
    double shadowRate,
    int maxKeyWordDifference,
    boolean guards,
    boolean allowTimeSensitive,
    boolean allowTools,
    double maxFalseHitRate,
    double grayZoneWidth,
    double promotionThreshold,
    FalseHitRateOf falseHitRateOf,
    String templateVersion,
    String modelVersion) {

  /**
   * The guards are hand-written rules (QuestionGuards); the one number taken from data is the
   * threshold: on the tuning split of the QQP dev pairs (BENCHMARKS.md, "cache-service"), the one
   * with the most duplicate hits whose false hits stay under 0.8% (a margin inside the 1% budget);
   * held-out pairs: 15.0% of duplicates at 0.80% false hits. The key-noun guard allows three
   * differing content words: on QQP it costs almost no hits at this threshold, and it still refuses
   * a question that changes several of its nouns where the embedding would not. The pair verifier
   * is off ({@code verifyThreshold} 0): measured the same way it did not beat cosine alone
   * (BENCHMARKS.md, "Verifier and larger embedding models").
   */
  /**
   * Gray-zone promotion is off by default: read off the tuning split by the threshold's own rule
   * (most duplicates answered with false answers ≤ 0.8%, counting every promoted pair as asked
   * again), no width and promotion threshold adds a duplicate — the threshold already spends that
   * budget (BENCHMARKS.md, "Gray-zone promotion").
   */
  static final double GRAY_ZONE_WIDTH = 0;

  /**
   * The verifier score a gray-zone pair needs when a route turns promotion on without naming one:
   * on the tuning split it keeps false answers ≤ 1% (0.94–0.98%) for every width measured, 0.01 to
   * 0.05, counting every promoted pair as asked again.
   */
  static final double PROMOTION = 0.94;

  static final SemanticPolicy BUILT_IN =
      new SemanticPolicy(
          true,
          0.954,
          0,
          0.7,
          0.0,
          3,
          true,
          false,
          false,
          0,
          GRAY_ZONE_WIDTH,
          PROMOTION,
          FalseHitRateOf.HITS,
          "",
          "");

  public SemanticPolicy {
    if (threshold <= 0 || threshold > 1) {
      throw new IllegalArgumentException("threshold must be in (0, 1]");
    }
    if (verifyThreshold < 0 || verifyThreshold > 1) {
      throw new IllegalArgumentException("verifyThreshold must be in [0, 1]");
    }
    if (shadowRate < 0 || shadowRate > 1) {
      throw new IllegalArgumentException("shadowRate must be in [0, 1]");
    }
    if (maxFalseHitRate < 0 || maxFalseHitRate >= 1) {
      throw new IllegalArgumentException("maxFalseHitRate must be in [0, 1)");
    }
    if (grayZoneWidth < 0 || grayZoneWidth >= 1) {
      throw new IllegalArgumentException("grayZoneWidth must be in [0, 1)");
    }
    if (promotionThreshold <= 0 || promotionThreshold > 1) {
      throw new IllegalArgumentException("promotionThreshold must be in (0, 1]");
    }
    if (maxKeyWordDifference < 0) {
      throw new IllegalArgumentException("maxKeyWordDifference must not be negative");
    }
    falseHitRateOf = falseHitRateOf == null ? FalseHitRateOf.HITS : falseHitRateOf;
    templateVersion = templateVersion == null ? "" : templateVersion;
    modelVersion = modelVersion == null ? "" : modelVersion;
  }

  /** The versions as one key component for the exact cache ("" when the router sent none). */
  public String versionKey() {
    return templateVersion.isEmpty() && modelVersion.isEmpty()
        ? ""
        : templateVersion + '\n' + modelVersion;
  }

  SemanticPolicy with(RoutePolicy over) {
    if (over == null) {
      return this;
    }
    return new SemanticPolicy(
        over.enabled() != null ? over.enabled() : enabled,
        over.threshold() != null ? over.threshold() : threshold,
        over.verifyThreshold() != null ? over.verifyThreshold() : verifyThreshold,
        over.maxTemperature() != null ? over.maxTemperature() : maxTemperature,
        over.shadowRate() != null ? over.shadowRate() : shadowRate,
        over.maxKeyWordDifference() != null ? over.maxKeyWordDifference() : maxKeyWordDifference,
        over.guards() != null ? over.guards() : guards,
        over.allowTimeSensitive() != null ? over.allowTimeSensitive() : allowTimeSensitive,
        over.allowTools() != null ? over.allowTools() : allowTools,
        over.maxFalseHitRate() != null ? over.maxFalseHitRate() : maxFalseHitRate,
        over.grayZoneWidth() != null ? over.grayZoneWidth() : grayZoneWidth,
        over.promotionThreshold() != null ? over.promotionThreshold() : promotionThreshold,
        over.falseHitRateOf() != null ? over.falseHitRateOf() : falseHitRateOf,
        templateVersion,
        modelVersion);
  }

  /** This policy with the route's template and model versions as the router sent them. */
  SemanticPolicy withVersions(String template, String model) {
    return new SemanticPolicy(
        enabled,
        threshold,
        verifyThreshold,
        maxTemperature,
        shadowRate,
        maxKeyWordDifference,
        guards,
        allowTimeSensitive,
        allowTools,
        maxFalseHitRate,
        grayZoneWidth,
        promotionThreshold,
        falseHitRateOf,
        template,
        model);
  }

  /** Whether the route's threshold is learned under an error bound rather than configured. */
  boolean bounded() {
    return maxFalseHitRate > 0;
  }

  /** This policy with {@code learned} as its threshold. */
  SemanticPolicy withThreshold(double learned) {
    return new SemanticPolicy(
        enabled,
        learned,
        verifyThreshold,
        maxTemperature,
        shadowRate,
        maxKeyWordDifference,
        guards,
        allowTimeSensitive,
        allowTools,
        maxFalseHitRate,
        grayZoneWidth,
        promotionThreshold,
        falseHitRateOf,
        templateVersion,
        modelVersion);
  }

  /** Whether the route's bound is on wrong answers per lookup rather than per hit. */
  boolean perLookup() {
    return bounded() && falseHitRateOf == FalseHitRateOf.LOOKUPS;
  }

  /** Whether gray-zone misses are queued for promotion to aliases. */
  boolean promotes() {
    return grayZoneWidth > 0;
  }

  /** The gray zone below this policy's (possibly learned) threshold. */
  GrayZone grayZone() {
    return new GrayZone(threshold, grayZoneWidth);
  }
}
