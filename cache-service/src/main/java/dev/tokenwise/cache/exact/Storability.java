package dev.tokenwise.cache.exact;

import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Decides whether a provider answer may be cached: only complete, successful chat completions are;
 * serving a cached error or a truncated answer would repeat a failure to every later caller.
 */
final class Storability {

  private Storability() {}

  private static final JsonMapper JSON = JsonMapper.builder().build();

  /**
   * Why {@code response} must not be cached as the answer to {@code request}, or empty when it may
   * be: {@link #refusal(JsonNode)}, and when the request asked for JSON output ({@code
   * response_format} {@code json_object} or {@code json_schema}), an answer whose content is not a
   * JSON object, or lacks a property the schema requires, or has one of the wrong JSON type.
   */
  static Optional<String> refusal(JsonNode request, JsonNode response) {
    Optional<String> refusal = refusal(response);
    if (refusal.isPresent() || request == null) {
      return refusal;
    }
    JsonNode format = request.path("response_format");
    String type = format.path("type").asString("");
    if (!type.equals("json_object") && !type.equals("json_schema")) {
      return Optional.empty();
    }
    JsonNode schema = format.path("json_schema").path("schema");
    for (JsonNode choice : response.get("choices").values()) {
      JsonNode message = choice.get("message");
      if (message.hasNonNull("refusal")) {
        return Optional.of("the model refused the structured output");
      }
      JsonNode content;
      try {
        content = JSON.readTree(message.path("content").asString(""));
      } catch (JacksonException e) {
        return Optional.of("response_format asks for JSON but the content is not JSON");
      }
      if (content == null || !content.isObject()) {
        return Optional.of("response_format asks for a JSON object but the content is not one");
      }
      Optional<String> mismatch = schemaMismatch(schema, content);
      if (mismatch.isPresent()) {
        return mismatch;
      }
    }
    return Optional.empty();
  }

  /**
   * The top level of a JSON schema checked against an answer: required properties present, and
   * declared primitive types matched. A full JSON Schema validator is more than a cache needs to
   * refuse the answers that obviously failed their schema.
   */
  private static Optional<String> schemaMismatch(JsonNode schema, JsonNode content) {
    for (JsonNode required : schema.path("required").values()) {
      if (required.isString() && !content.has(required.stringValue())) {
        return Optional.of(
            "the content lacks the property '" + required.stringValue() + "' its schema requires");
      }
    }
    for (var property : schema.path("properties").properties()) {
      JsonNode value = content.get(property.getKey());
      String declared = property.getValue().path("type").asString("");
      if (value != null && !declared.isEmpty() && !hasType(value, declared)) {
        return Optional.of(
            "the content's property '" + property.getKey() + "' is not of type " + declared);
      }
    }
    return Optional.empty();
  }

  private static boolean hasType(JsonNode value, String type) {
    return switch (type) {
      case "string" -> value.isString();
      case "number" -> value.isNumber();
      case "integer" -> value.isIntegralNumber();
      case "boolean" -> value.isBoolean();
      case "object" -> value.isObject();
      case "array" -> value.isArray();
      case "null" -> value.isNull();
      default -> true;
    };
  }

  /** Why {@code response} must not be cached, or empty when it may be. */
  static Optional<String> refusal(JsonNode response) {
    if (response == null || !response.isObject()) {
      return Optional.of("response is not a JSON object");
    }
    if (response.has("error")) {
      return Optional.of("response is an error body");
    }
    JsonNode choices = response.get("choices");
    if (choices == null || !choices.isArray() || choices.isEmpty()) {
      return Optional.of("response has no choices");
    }
    for (JsonNode choice : choices.values()) {
      if (!choice.isObject() || !choice.path("message").isObject()) {
        return Optional.of("response has a choice without a message");
      }
      String finishReason = choice.path("finish_reason").asString("");
      if ("length".equals(finishReason)) {
        return Optional.of("response was cut off at the token limit (finish_reason=length)");
      }
      if ("content_filter".equals(finishReason)) {
        // A filtered answer is partial; whether a later identical request is filtered is the
        // provider's call to make again, not ours to replay.
        return Optional.of(
            "response was stopped by a content filter (finish_reason=content_filter)");
      }
    }
    return Optional.empty();
  }
}
