package dev.tokenwise.common.translate;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** Tool arguments travel as a JSON string on OpenAI and as a JSON object on Anthropic. */
final class Json {

  private Json() {}

  static ObjectNode emptyObject() {
    return JsonNodeFactory.instance.objectNode();
  }

  /** The arguments string as an object; an empty string is an empty object. */
  static JsonNode parseArguments(String arguments, String field) {
    if (arguments == null || arguments.isBlank()) {
      return emptyObject();
    }
    try {
      JsonNode node = JsonMapper.shared().readTree(arguments);
      if (node != null && node.isObject()) {
        return node;
      }
    } catch (JacksonException e) {
      // reported below
    }
    throw new UntranslatableException(field, "'" + field + "' is not a JSON object.");
  }

  /** An input object as the compact JSON string OpenAI sends as {@code arguments}. */
  static String writeArguments(JsonNode input) {
    return input == null || input.isNull() ? "{}" : JsonMapper.shared().writeValueAsString(input);
  }
}
