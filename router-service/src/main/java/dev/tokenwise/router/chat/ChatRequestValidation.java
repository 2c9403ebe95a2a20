package dev.tokenwise.router.chat;

import dev.tokenwise.router.error.OpenAiApiException;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The checks a chat request must pass before anything is cached, forwarded or counted: required
 * fields present and every field the router reads of the right type. Messages the provider would
 * reject for other reasons are left for the provider to say so.
 */
final class ChatRequestValidation {

  private static final Set<String> ROLES =
      Set.of("developer", "system", "user", "assistant", "tool", "function");

  private ChatRequestValidation() {}

  static void validate(ObjectNode body) {
    JsonNode model = body.get("model");
    if (model == null || model.isNull()) {
      throw missing("model");
    }
    if (!model.isString() || model.asString().isBlank()) {
      throw wrongType("model", "a non-empty string");
    }
    JsonNode messages = body.get("messages");
    if (messages == null || messages.isNull()) {
      throw missing("messages");
    }
    if (!messages.isArray()) {
      throw wrongType("messages", "an array");
    }
    if (messages.isEmpty()) {
      throw OpenAiApiException.invalidRequest(
          "'messages' must contain at least one message.", "messages", "invalid_value");
    }
    for (int i = 0; i < messages.size(); i++) {
      validateMessage(messages.get(i), "messages[" + i + "]");
    }
    optional(body, "stream", JsonNode::isBoolean, "a boolean");
    optional(body, "max_tokens", ChatRequestValidation::isNonNegativeInteger, "an integer >= 0");
    optional(
        body,
        "max_completion_tokens",
        ChatRequestValidation::isNonNegativeInteger,
        "an integer >= 0");
    optional(body, "n", ChatRequestValidation::isNonNegativeInteger, "an integer >= 1");
    optional(body, "temperature", JsonNode::isNumber, "a number");
    optional(body, "top_p", JsonNode::isNumber, "a number");
    optional(body, "stream_options", JsonNode::isObject, "an object");
    optional(body, "tools", JsonNode::isArray, "an array");
    optional(body, "response_format", JsonNode::isObject, "an object");
    optional(body, "user", JsonNode::isString, "a string");
  }

  private static void validateMessage(JsonNode message, String path) {
    if (!message.isObject()) {
      throw wrongType(path, "an object");
    }
    JsonNode role = message.get("role");
    if (role == null || role.isNull()) {
      throw missing(path + ".role");
    }
    if (!role.isString() || !ROLES.contains(role.asString())) {
      throw OpenAiApiException.invalidRequest(
          "'" + path + ".role' must be one of " + ROLES + ".", path + ".role", "invalid_value");
    }
    JsonNode content = message.get("content");
    if (content != null && !content.isNull() && !content.isString() && !content.isArray()) {
      throw wrongType(path + ".content", "a string or an array of content parts");
    }
  }

  private static boolean isNonNegativeInteger(JsonNode node) {
    return node.isIntegralNumber() && node.canConvertToLong() && node.asLong() >= 0;
  }

  private static void optional(
      ObjectNode body, String field, java.util.function.Predicate<JsonNode> ok, String expected) {
    JsonNode value = body.get(field);
    if (value != null && !value.isNull() && !ok.test(value)) {
      throw wrongType(field, expected);
    }
  }

  private static OpenAiApiException missing(String field) {
    return OpenAiApiException.invalidRequest(
        "Missing required parameter: '" + field + "'.", field, "missing_required_parameter");
  }

  private static OpenAiApiException wrongType(String field, String expected) {
    return OpenAiApiException.invalidRequest(
        "Invalid type for '" + field + "': expected " + expected + ".", field, "invalid_type");
  }
}
