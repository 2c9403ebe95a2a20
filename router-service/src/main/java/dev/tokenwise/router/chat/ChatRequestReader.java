package dev.tokenwise.router.chat;

import dev.tokenwise.common.openai.OpenAiChatRequest;
import dev.tokenwise.common.openai.OpenAiChatRequestParser;
import dev.tokenwise.common.openai.OpenAiRequestException;
import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.pipeline.ClientCall;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Validates a chat request body with common's {@link OpenAiChatRequestParser}, parsing it once.
 * Errors are OpenAI-shaped 400s naming the offending field; nothing downstream runs for them.
 */
@Component
class ChatRequestReader {

  private final JsonMapper json;

  ChatRequestReader(JsonMapper json) {
    this.json = json;
  }

  ClientCall parse(byte[] bytes) {
    JsonNode tree;
    try {
      tree = json.readTree(bytes);
    } catch (JacksonException e) {
      throw OpenAiApiException.invalidRequest(
          "We could not parse the JSON body of your request. Make sure it is valid JSON.",
          null,
          "invalid_json");
    }
    OpenAiChatRequest request;
    try {
      request = OpenAiChatRequestParser.parse(json, tree);
    } catch (OpenAiRequestException e) {
      throw OpenAiApiException.invalidRequest(e.getMessage(), e.param(), e.code());
    } catch (JacksonException e) {
      // e.g. an integer beyond 64 bits where a token count belongs
      throw OpenAiApiException.invalidRequest(
          "A field has a value of the wrong type or out of range.", null, "invalid_value");
    }
    ObjectNode body = (ObjectNode) tree;
    return new ClientCall(
        body,
        bytes,
        body,
        bytes,
        request.model(),
        Boolean.TRUE.equals(request.stream()),
        request.requestedMaxTokens(),
        endUser(body),
        null);
  }

  private static String endUser(ObjectNode body) {
    for (String field : new String[] {"safety_identifier", "user"}) {
      JsonNode value = body.get(field);
      if (value != null && value.isString() && !value.asString().isBlank()) {
        return value.asString();
      }
    }
    return null;
  }
}
