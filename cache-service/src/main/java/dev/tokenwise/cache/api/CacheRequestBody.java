package dev.tokenwise.cache.api;

import dev.tokenwise.cache.namespace.CacheNamespace;
import dev.tokenwise.common.cache.CacheApi;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import org.springframework.web.ErrorResponseException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads and checks the JSON bodies of the cache API; every failure is a 400 problem naming the
 * field.
 *
 * <p>Parsed here rather than bound by the codec so that numbers keep their exact decimal value (the
 * request hash compares numbers by value; a {@code double} would round {@code
 * 0.1000000000000000001}) and so that duplicate keys, which would make "the" request ambiguous, are
 * rejected.
 */
final class CacheRequestBody {

  private static final java.util.regex.Pattern VERDICT_ID =
      java.util.regex.Pattern.compile(
          "[A-Za-z0-9_-]{1," + CacheApi.ShadowReport.MAX_VERDICT_ID + "}");

  private static final JsonMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(JsonNodeFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
          .build();

  /**
   * {@code POST /internal/cache/lookup}; {@code policy} is the optional per-request policy (null
   * when absent), {@code cacheControl} the client's {@code Cache-Control} header ("" when absent).
   */
  record Lookup(
      CacheNamespace namespace, JsonNode request, JsonNode policy, CacheControl cacheControl) {}

  /** {@code POST /internal/cache/store}; {@code ttl} is {@code null} when not given. */
  record Store(
      CacheNamespace namespace,
      JsonNode request,
      JsonNode response,
      Duration ttl,
      JsonNode policy,
      CacheControl cacheControl) {}

  /** {@code POST /internal/cache/invalidate}. */
  record Invalidate(String tenant, String route, String model, String entryId) {}

  /**
   * {@code POST /internal/cache/shadow}, or an entry of the verdict stream: the router's verdict on
   * a shadow-checked hit; {@code similarity} (the hit's, as the lookup answered it) and {@code
   * verdictId} (what makes a verdict delivered twice count once) are optional.
   */
  record ShadowReport(
      CacheNamespace namespace,
      String entryId,
      Double similarity,
      boolean agreed,
      String verdictId) {}

  /**
   * The client's cache directives (RFC 9111 §5.2.1): {@code no-cache} forbids answering from a
   * cache, {@code no-store} also forbids storing.
   */
  record CacheControl(boolean noCache, boolean noStore) {
    static CacheControl parse(String header) {
      boolean noCache = false;
      boolean noStore = false;
      for (String directive : header.split(",")) {
        String name = directive.strip().toLowerCase(java.util.Locale.ROOT);
        int equals = name.indexOf('=');
        if (equals >= 0) {
          name = name.substring(0, equals).strip();
        }
        noCache |= name.equals("no-cache");
        noStore |= name.equals("no-store");
      }
      return new CacheControl(noCache || noStore, noStore);
    }
  }

  private CacheRequestBody() {}

  static Lookup lookup(byte[] body) {
    JsonNode root = parse(body);
    return new Lookup(namespace(root), request(root), policy(root), cacheControl(root));
  }

  static Invalidate invalidate(byte[] body) {
    JsonNode root = parse(body);
    String tenant = component(root, "tenant");
    String route = optionalComponent(root, "route");
    String model = optionalComponent(root, "model");
    String entryId = optionalComponent(root, "entryId");
    if (model != null && route == null) {
      throw CacheProblems.invalidRequest("route", "route is required when model is given");
    }
    if (entryId != null && model == null) {
      throw CacheProblems.invalidRequest("model", "entryId needs tenant, route and model");
    }
    if (entryId != null && !entryId.matches("[0-9a-f]{32}|[0-9a-f]{64}")) {
      throw CacheProblems.invalidRequest(
          "entryId", "entryId must be 32 or 64 lower-case hex digits");
    }
    return new Invalidate(tenant, route, model, entryId);
  }

  static ShadowReport shadowReport(byte[] body) {
    JsonNode root = parse(body);
    CacheNamespace namespace = namespace(root);
    String entryId = optionalComponent(root, "entryId");
    JsonNode agreed = root.get("agreed");
    if (agreed == null || !agreed.isBoolean()) {
      throw CacheProblems.invalidRequest("agreed", "agreed is required and must be a boolean");
    }
    JsonNode similarity = root.get("similarity");
    if (similarity != null
        && !similarity.isNull()
        && (!similarity.isNumber() || similarity.asDouble() < -1 || similarity.asDouble() > 1)) {
      throw CacheProblems.invalidRequest("similarity", "similarity must be a number in [-1, 1]");
    }
    JsonNode verdictId = root.get("verdictId");
    if (verdictId != null
        && !verdictId.isNull()
        && (!verdictId.isString() || !VERDICT_ID.matcher(verdictId.asString()).matches())) {
      throw CacheProblems.invalidRequest(
          "verdictId",
          "verdictId must be 1 to "
              + CacheApi.ShadowReport.MAX_VERDICT_ID
              + " letters, digits, '-' or '_'");
    }
    return new ShadowReport(
        namespace,
        entryId,
        similarity == null || similarity.isNull() ? null : similarity.asDouble(),
        agreed.booleanValue(),
        verdictId == null || verdictId.isNull() ? null : verdictId.asString());
  }

  private static JsonNode policy(JsonNode root) {
    JsonNode policy = root.get("policy");
    if (policy == null || policy.isNull()) {
      return null;
    }
    if (!policy.isObject()) {
      throw CacheProblems.invalidRequest("policy", "policy must be a JSON object");
    }
    for (String number :
        new String[] {
          "threshold",
          "verifyThreshold",
          "maxTemperature",
          "shadowRate",
          "maxFalseHitRate",
          "grayZoneWidth",
          "promotionThreshold"
        }) {
      JsonNode value = policy.get(number);
      if (value != null && !value.isNull() && !value.isNumber()) {
        throw CacheProblems.invalidRequest("policy." + number, number + " must be a number");
      }
    }
    double threshold = policy.path("threshold").asDouble(0.5);
    if (threshold <= 0 || threshold > 1) {
      throw CacheProblems.invalidRequest("policy.threshold", "threshold must be in (0, 1]");
    }
    double verifyThreshold = policy.path("verifyThreshold").asDouble(0);
    if (verifyThreshold < 0 || verifyThreshold > 1) {
      throw CacheProblems.invalidRequest(
          "policy.verifyThreshold", "verifyThreshold must be in [0, 1]");
    }
    double shadowRate = policy.path("shadowRate").asDouble(0);
    if (shadowRate < 0 || shadowRate > 1) {
      throw CacheProblems.invalidRequest("policy.shadowRate", "shadowRate must be in [0, 1]");
    }
    double maxFalseHitRate = policy.path("maxFalseHitRate").asDouble(0);
    if (maxFalseHitRate < 0 || maxFalseHitRate >= 1) {
      throw CacheProblems.invalidRequest(
          "policy.maxFalseHitRate", "maxFalseHitRate must be in [0, 1) (0: no bound)");
    }
    double grayZoneWidth = policy.path("grayZoneWidth").asDouble(0);
    if (grayZoneWidth < 0 || grayZoneWidth >= 1) {
      throw CacheProblems.invalidRequest(
          "policy.grayZoneWidth", "grayZoneWidth must be in [0, 1) (0: no gray zone)");
    }
    double promotionThreshold = policy.path("promotionThreshold").asDouble(1);
    if (promotionThreshold <= 0 || promotionThreshold > 1) {
      throw CacheProblems.invalidRequest(
          "policy.promotionThreshold", "promotionThreshold must be in (0, 1]");
    }
    JsonNode rateOf = policy.get("falseHitRateOf");
    if (rateOf != null
        && !rateOf.isNull()
        && (!rateOf.isString()
            || dev.tokenwise.cache.semantic.FalseHitRateOf.parse(rateOf.asString()) == null)) {
      throw CacheProblems.invalidRequest(
          "policy.falseHitRateOf", "falseHitRateOf must be \"hits\" or \"lookups\"");
    }
    JsonNode normalize = policy.get("normalizeWhitespace");
    if (normalize != null && !normalize.isNull() && !normalize.isBoolean()) {
      throw CacheProblems.invalidRequest(
          "policy.normalizeWhitespace", "normalizeWhitespace must be a boolean");
    }
    JsonNode difference = policy.get("maxKeyWordDifference");
    if (difference != null
        && !difference.isNull()
        && (!difference.isIntegralNumber() || difference.intValue() < 0)) {
      throw CacheProblems.invalidRequest(
          "policy.maxKeyWordDifference", "maxKeyWordDifference must be a non-negative integer");
    }
    return policy;
  }

  /** The router's {@code policy.normalizeWhitespace}, or {@code null} when it sent none. */
  static Boolean normalizeWhitespace(JsonNode policy) {
    JsonNode value = policy == null ? null : policy.get("normalizeWhitespace");
    return value != null && value.isBoolean() ? value.booleanValue() : null;
  }

  private static CacheControl cacheControl(JsonNode root) {
    JsonNode header = root.get("cacheControl");
    if (header == null || header.isNull()) {
      return new CacheControl(false, false);
    }
    if (!header.isString()) {
      throw CacheProblems.invalidRequest(
          "cacheControl", "cacheControl must be the client's Cache-Control header as a string");
    }
    return CacheControl.parse(header.stringValue());
  }

  private static String optionalComponent(JsonNode root, String field) {
    JsonNode value = root.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    return component(root, field);
  }

  static Store store(byte[] body) {
    JsonNode root = parse(body);
    CacheNamespace namespace = namespace(root);
    JsonNode request = request(root);
    JsonNode response = root.get("response");
    if (response == null || response.isNull()) {
      throw CacheProblems.invalidRequest("response", "response is required");
    }
    return new Store(
        namespace, request, response, ttl(root.get("ttl")), policy(root), cacheControl(root));
  }

  private static JsonNode parse(byte[] body) {
    if (body == null || body.length == 0) {
      throw CacheProblems.invalidRequest(null, "body is required");
    }
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (JacksonException e) {
      // The parser's message may quote the body (a prompt); name only the position.
      TokenStreamLocation at = e.getLocation();
      String where =
          at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
      throw CacheProblems.invalidRequest(null, "body is not valid JSON" + where);
    }
    if (root == null || !root.isObject()) {
      throw CacheProblems.invalidRequest(null, "body must be a JSON object");
    }
    return root;
  }

  private static CacheNamespace namespace(JsonNode root) {
    return new CacheNamespace(
        component(root, "tenant"), component(root, "route"), component(root, "model"));
  }

  private static String component(JsonNode root, String field) {
    JsonNode value = root.get(field);
    if (value == null || !value.isString() || value.stringValue().isBlank()) {
      throw CacheProblems.invalidRequest(
          field, field + " is required and must be a non-empty string");
    }
    if (value.stringValue().length() > CacheNamespace.MAX_COMPONENT_LENGTH) {
      throw CacheProblems.invalidRequest(
          field, field + " must be at most " + CacheNamespace.MAX_COMPONENT_LENGTH + " characters");
    }
    return value.stringValue();
  }

  private static JsonNode request(JsonNode root) {
    JsonNode request = root.get("request");
    if (request == null || !request.isObject()) {
      throw CacheProblems.invalidRequest(
          "request", "request is required and must be the chat request as a JSON object");
    }
    return request;
  }

  private static Duration ttl(JsonNode ttl) {
    if (ttl == null || ttl.isNull()) {
      return null;
    }
    ErrorResponseException invalid =
        CacheProblems.invalidRequest(
            "ttl", "ttl must be a positive ISO-8601 duration such as PT1H");
    if (!ttl.isString()) {
      throw invalid;
    }
    try {
      Duration parsed = Duration.parse(ttl.stringValue());
      if (parsed.isNegative() || parsed.isZero()) {
        throw invalid;
      }
      return parsed;
    } catch (DateTimeParseException e) {
      throw invalid;
    }
  }
}
