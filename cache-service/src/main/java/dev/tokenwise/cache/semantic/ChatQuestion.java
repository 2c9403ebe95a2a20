package dev.tokenwise.cache.semantic;

import dev.tokenwise.cache.exact.MessageForms;
import dev.tokenwise.cache.exact.RequestFingerprint;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the semantic cache compares: the text of the last user message (embedded), and a hash of
 * everything before and around it — system prompt, earlier turns, tools, response format, the
 * route's prompt-template version and model version, the embedding model — which must be identical
 * for a hit. Sampling knobs ({@code temperature}, {@code top_p}, {@code seed}, output caps) are not
 * in the context: they do not change what is asked; the route's temperature limit governs them.
 * Messages are compared in {@link MessageForms}' one form, so a system prompt sent as a string and
 * the same one sent as text parts are one context.
 *
 * @param text the last user message's text
 * @param context hex hash (128 bits) of the context
 */
record ChatQuestion(String text, String context) {

  /** Request fields that do not change the question (beyond the exact cache's transport ones). */
  static final Set<String> SAMPLING_FIELDS =
      Set.of(
          "temperature",
          "top_p",
          "seed",
          "max_tokens",
          "max_completion_tokens",
          "frequency_penalty",
          "presence_penalty");

  /** A request the semantic cache cannot compare, and why (a metric tag). */
  static final class NotComparable extends Exception {
    final String reason;

    NotComparable(String reason) {
      super(reason, null, false, false);
      this.reason = reason;
    }
  }

  static ChatQuestion of(
      JsonNode request, String templateVersion, String modelVersion, String embeddingModel)
      throws NotComparable {
    request = MessageForms.normalized(request);
    JsonNode messages = request.get("messages");
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      throw new NotComparable("no-messages");
    }
    JsonNode last = messages.get(messages.size() - 1);
    if (!"user".equals(last.path("role").asString(""))) {
      throw new NotComparable("not-a-user-turn");
    }
    String text = text(last.get("content"));
    if (text == null || text.isBlank()) {
      throw new NotComparable("non-text-content");
    }
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    ObjectNode context = nodes.objectNode();
    ObjectNode rest = context.putObject("request");
    for (var field : request.properties()) {
      String name = field.getKey();
      if (RequestFingerprint.TRANSPORT_FIELDS.contains(name)
          || SAMPLING_FIELDS.contains(name)
          || field.getValue().isNull()) {
        continue;
      }
      if ("messages".equals(name)) {
        ArrayNode before = rest.putArray("messages");
        for (int i = 0; i < messages.size() - 1; i++) {
          before.add(messages.get(i));
        }
        // The last message's other members (a name) are context too.
        ObjectNode lastWithoutContent = rest.putObject("last");
        for (var member : last.properties()) {
          if (!"content".equals(member.getKey())) {
            lastWithoutContent.set(member.getKey(), member.getValue());
          }
        }
      } else {
        rest.set(name, field.getValue());
      }
    }
    context.put("template", templateVersion == null ? "" : templateVersion);
    context.put("modelVersion", modelVersion == null ? "" : modelVersion);
    context.put("embedding", embeddingModel);
    String hash = RequestFingerprint.canonicalSha256(context).substring(0, 32);
    return new ChatQuestion(text.strip(), hash);
  }

  /** A string content, or the text parts of a content array; null when any part is not text. */
  private static String text(JsonNode content) {
    if (content == null) {
      return null;
    }
    if (content.isString()) {
      return content.stringValue();
    }
    if (!content.isArray()) {
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
