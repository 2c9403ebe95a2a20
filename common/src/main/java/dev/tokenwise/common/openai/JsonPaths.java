package dev.tokenwise.common.openai;

import tools.jackson.databind.DatabindException;
import tools.jackson.databind.JsonNode;

/**
 * Names JSON values and field paths the way provider error messages do; shared by the OpenAI and
 * Anthropic request parsers.
 */
public final class JsonPaths {

  private JsonPaths() {}

  /** {@code messages[2].content} from a databind error's reference chain, or null. */
  public static String pathOf(DatabindException e) {
    StringBuilder path = new StringBuilder();
    for (var reference : e.getPath()) {
      if (reference.getPropertyName() != null) {
        if (path.length() > 0) {
          path.append('.');
        }
        path.append(reference.getPropertyName());
      } else if (reference.getIndex() >= 0) {
        path.append('[').append(reference.getIndex()).append(']');
      }
    }
    return path.length() == 0 ? null : path.toString();
  }

  /** {@code "a string"}, {@code "an integer"}, ... for "expected X, but got Y" messages. */
  public static String describe(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      return "nothing";
    }
    if (node.isNull()) {
      return "null";
    }
    if (node.isString()) {
      return "a string";
    }
    if (node.isIntegralNumber()) {
      return "an integer";
    }
    if (node.isNumber()) {
      return "a decimal";
    }
    if (node.isBoolean()) {
      return "a boolean";
    }
    if (node.isArray()) {
      return "an array";
    }
    return "an object";
  }
}
