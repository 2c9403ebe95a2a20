package dev.tokenwise.cache.api;

import dev.tokenwise.cache.namespace.CacheNamespace;
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

  private static final JsonMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(JsonNodeFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
          .build();

  /** {@code POST /internal/cache/lookup}. */
  record Lookup(CacheNamespace namespace, JsonNode request) {}

  /** {@code POST /internal/cache/store}; {@code ttl} is {@code null} when not given. */
  record Store(CacheNamespace namespace, JsonNode request, JsonNode response, Duration ttl) {}

  private CacheRequestBody() {}

  static Lookup lookup(byte[] body) {
    JsonNode root = parse(body);
    return new Lookup(namespace(root), request(root));
  }

  static Store store(byte[] body) {
    JsonNode root = parse(body);
    CacheNamespace namespace = namespace(root);
    JsonNode request = request(root);
    JsonNode response = root.get("response");
    if (response == null || response.isNull()) {
      throw CacheProblems.invalidRequest("response", "response is required");
    }
    return new Store(namespace, request, response, ttl(root.get("ttl")));
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
