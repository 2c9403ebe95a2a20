package dev.tokenwise.router.cache;

import dev.tokenwise.common.cache.CacheApi;
import dev.tokenwise.router.route.RouteProperties;
import java.time.Duration;
import java.util.Locale;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One request as the router asks cache-service about it: its namespace, the OpenAI chat request (as
 * planned, so caps and schemas are part of the key), the route's cache policy and the client's
 * {@code Cache-Control} header.
 *
 * @param cacheControl the client's {@code Cache-Control} request header verbatim, or null
 */
public record CacheQuery(
    String tenant,
    String route,
    String model,
    ObjectNode request,
    RouteProperties.Cache policy,
    String cacheControl) {

  public CacheQuery {
    policy = policy == null ? RouteProperties.Cache.defaults() : policy;
  }

  /**
   * Whether the client forbade storing its answer ({@code no-store}, RFC 9111 §5.2.1.5). The router
   * then never stores, whatever cache-service says.
   */
  public boolean noStore() {
    if (cacheControl == null) {
      return false;
    }
    for (String directive : cacheControl.split(",")) {
      String name = directive.strip().toLowerCase(Locale.ROOT);
      int equals = name.indexOf('=');
      if ((equals >= 0 ? name.substring(0, equals).strip() : name).equals("no-store")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The body of a lookup: the namespace, the request, {@code cacheControl} when the client sent
   * one, and {@code policy} (written into {@code policyNode}).
   *
   * @param modelVersion the served model's snapshot as the provider last reported it, or null
   */
  CacheApi.Lookup lookup(ObjectNode policyNode, String modelVersion) {
    writePolicy(policyNode, policy, modelVersion);
    return new CacheApi.Lookup(
        tenant,
        route,
        model,
        request,
        cacheControl == null || cacheControl.isBlank() ? null : cacheControl,
        policyNode);
  }

  /** The body of a store: the lookup's members, the answer and its time to live. */
  CacheApi.Store store(
      ObjectNode policyNode, String modelVersion, JsonNode response, Duration ttl) {
    CacheApi.Lookup lookup = lookup(policyNode, modelVersion);
    return new CacheApi.Store(
        lookup.tenant(),
        lookup.route(),
        lookup.model(),
        lookup.request(),
        lookup.cacheControl(),
        lookup.policy(),
        response,
        ttl == null ? null : ttl.toString());
  }

  /**
   * cache-service's {@code policy} member: {@code semantic} always (the router decides), every
   * other member only when the route sets it, so cache-service's own per-route configuration fills
   * the rest. The route's {@code modelVersion} wins over the one the provider reported.
   */
  static void writePolicy(ObjectNode policy, RouteProperties.Cache cache, String modelVersion) {
    policy.put("semantic", cache.semantic());
    if (cache.threshold() != null) {
      policy.put("threshold", cache.threshold());
    }
    if (cache.verifyThreshold() != null) {
      policy.put("verifyThreshold", cache.verifyThreshold());
    }
    if (cache.maxTemperature() != null) {
      policy.put("maxTemperature", cache.maxTemperature());
    }
    if (cache.shadowRate() != null) {
      policy.put("shadowRate", cache.shadowRate());
    }
    if (cache.maxKeyWordDifference() != null) {
      policy.put("maxKeyWordDifference", cache.maxKeyWordDifference());
    }
    if (cache.guards() != null) {
      policy.put("guards", cache.guards());
    }
    if (cache.allowTimeSensitive() != null) {
      policy.put("allowTimeSensitive", cache.allowTimeSensitive());
    }
    if (cache.allowTools() != null) {
      policy.put("allowTools", cache.allowTools());
    }
    if (cache.maxFalseHitRate() != null) {
      policy.put("maxFalseHitRate", cache.maxFalseHitRate());
    }
    if (cache.falseHitRateOf() != null) {
      policy.put("falseHitRateOf", cache.falseHitRateOf().toLowerCase(java.util.Locale.ROOT));
    }
    if (cache.grayZoneWidth() != null) {
      policy.put("grayZoneWidth", cache.grayZoneWidth());
    }
    if (cache.promotionThreshold() != null) {
      policy.put("promotionThreshold", cache.promotionThreshold());
    }
    if (cache.normalizeWhitespace() != null) {
      policy.put("normalizeWhitespace", cache.normalizeWhitespace());
    }
    if (cache.templateVersion() != null && !cache.templateVersion().isBlank()) {
      policy.put("templateVersion", cache.templateVersion());
    }
    String version =
        cache.modelVersion() != null && !cache.modelVersion().isBlank()
            ? cache.modelVersion()
            : modelVersion;
    if (version != null && !version.isBlank()) {
      policy.put("modelVersion", version);
    }
  }
}
