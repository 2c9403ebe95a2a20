package dev.tokenwise.cache.exact;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One form for chat messages that say the same thing in different shapes, so that the same question
 * keys (exact) and compares (semantic) alike whichever protocol the client spoke: the router
 * translates Anthropic Messages and OpenAI Responses requests into the Chat Completions shape, and
 * a system prompt or question arrives as a string from one client and as content parts from
 * another.
 *
 * <ul>
 *   <li>a {@code content} array made only of text parts becomes one string (the parts' texts joined
 *       with a line break); a part's other members ({@code cache_control}, a prompt-caching
 *       breakpoint) steer the provider's prompt cache, not the answer;
 *   <li>role {@code developer} is role {@code system} (OpenAI's newer name for the same thing).
 * </ul>
 *
 * Anything else (an image part, a tool call) stays as it came. Pure.
 */
public final class MessageForms {

  private MessageForms() {}

  /**
   * {@code request} with its {@code messages} in the one form; the request itself when unchanged.
   */
  public static JsonNode normalized(JsonNode request) {
    JsonNode messages = request == null ? null : request.get("messages");
    if (messages == null || !messages.isArray() || !needsChange(messages)) {
      return request;
    }
    ObjectNode copy = ((ObjectNode) request).deepCopy();
    ArrayNode normalizedMessages = copy.putArray("messages");
    for (JsonNode message : messages.values()) {
      if (!message.isObject()) {
        normalizedMessages.add(message);
        continue;
      }
      ObjectNode m = ((ObjectNode) message).deepCopy();
      if ("developer".equals(m.path("role").asString(""))) {
        m.put("role", "system");
      }
      String text = textOfParts(m.get("content"));
      if (text != null) {
        m.put("content", text);
      }
      normalizedMessages.add(m);
    }
    return copy;
  }

  private static boolean needsChange(JsonNode messages) {
    for (JsonNode message : messages.values()) {
      if ("developer".equals(message.path("role").asString(""))
          || textOfParts(message.get("content")) != null) {
        return true;
      }
    }
    return false;
  }

  /** The joined text of a non-empty array of text parts; null for anything else. */
  private static String textOfParts(JsonNode content) {
    if (content == null || !content.isArray() || content.isEmpty()) {
      return null;
    }
    StringBuilder text = new StringBuilder();
    for (JsonNode part : content.values()) {
      if (!"text".equals(part.path("type").asString("")) || !part.path("text").isString()) {
        return null;
      }
      if (!text.isEmpty()) {
        text.append('\n');
      }
      text.append(part.get("text").stringValue());
    }
    return text.toString();
  }
}
