package dev.tokenwise.common.anthropic;

import dev.tokenwise.common.openai.JsonPaths;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Reads a raw Messages body and reports the first problem with the field named in Anthropic's style
 * ({@code messages.2.role: Input should be 'user' or 'assistant'}), so the gateway can answer 400
 * before calling a provider.
 */
public final class AnthropicMessageRequestParser {

  private AnthropicMessageRequestParser() {}

  /** Parses and validates {@code body}; throws {@link AnthropicRequestException} on a problem. */
  public static AnthropicMessageRequest parse(ObjectMapper mapper, byte[] body) {
    JsonNode tree;
    try {
      tree = mapper.readTree(body);
    } catch (JacksonException e) {
      throw new AnthropicRequestException("The request body is not valid JSON.", null);
    }
    return parse(mapper, tree);
  }

  /** Validates an already parsed body and converts it. */
  public static AnthropicMessageRequest parse(ObjectMapper mapper, JsonNode tree) {
    validate(tree);
    try {
      return mapper.treeToValue(tree, AnthropicMessageRequest.class);
    } catch (DatabindException e) {
      String path = JsonPaths.pathOf(e);
      String field = path == null ? null : path.replaceAll("\\[(\\d+)]", ".$1");
      throw new AnthropicRequestException(
          (field == null ? "body" : field) + ": Input has an invalid type", field);
    }
  }

  /** Checks the fields Tokenwise relies on; other fields are the provider's business. */
  public static void validate(JsonNode tree) {
    if (tree == null || !tree.isObject()) {
      throw new AnthropicRequestException("The request body must be a JSON object.", null);
    }
    requireString(tree.get("model"), "model");
    JsonNode maxTokens = tree.get("max_tokens");
    if (!present(maxTokens)) {
      throw missing("max_tokens");
    }
    if (!maxTokens.isIntegralNumber()) {
      throw invalid("max_tokens", "Input should be a valid integer");
    }
    if (!maxTokens.canConvertToLong()) {
      throw invalid("max_tokens", "Input should be less than or equal to 9223372036854775807");
    }
    if (maxTokens.asLong() < 0) {
      throw invalid("max_tokens", "Input should be greater than or equal to 0");
    }
    JsonNode messages = tree.get("messages");
    if (!present(messages)) {
      throw missing("messages");
    }
    if (!messages.isArray()) {
      throw invalid("messages", "Input should be a valid list");
    }
    if (messages.isEmpty()) {
      throw invalid("messages", "at least one message is required");
    }
    for (int i = 0; i < messages.size(); i++) {
      JsonNode message = messages.get(i);
      String at = "messages." + i;
      if (!message.isObject()) {
        throw invalid(at, "Input should be a valid dictionary");
      }
      String role = requireString(message.get("role"), at + ".role");
      if (!AnthropicMessage.ROLES.contains(role)) {
        throw invalid(at + ".role", "Input should be 'user' or 'assistant'");
      }
      JsonNode content = message.get("content");
      if (!present(content)) {
        throw missing(at + ".content");
      }
      if (!content.isString() && !content.isArray()) {
        throw invalid(at + ".content", "Input should be a valid string or a list of blocks");
      }
      for (int j = 0; content.isArray() && j < content.size(); j++) {
        JsonNode block = content.get(j);
        if (!block.isObject()) {
          throw invalid(at + ".content." + j, "Input should be a valid dictionary");
        }
        String type = requireString(block.get("type"), at + ".content." + j + ".type");
        if ("text".equals(type)) {
          // A text block without its text is what the provider refuses with a 400; translation
          // relies on it being there.
          requireString(block.get("text"), at + ".content." + j + ".text");
        }
      }
    }
    JsonNode system = tree.get("system");
    if (present(system) && !system.isString() && !system.isArray()) {
      throw invalid("system", "Input should be a valid string or a list of text blocks");
    }
    for (int i = 0; present(system) && system.isArray() && i < system.size(); i++) {
      JsonNode block = system.get(i);
      if (!block.isObject()) {
        throw invalid("system." + i, "Input should be a valid dictionary");
      }
      requireString(block.get("text"), "system." + i + ".text");
    }
    JsonNode stopSequences = tree.get("stop_sequences");
    if (present(stopSequences)) {
      if (!stopSequences.isArray()) {
        throw invalid("stop_sequences", "Input should be a valid list");
      }
      for (int i = 0; i < stopSequences.size(); i++) {
        if (!stopSequences.get(i).isString()) {
          throw invalid("stop_sequences." + i, "Input should be a valid string");
        }
      }
    }
    for (String field : new String[] {"temperature", "top_p"}) {
      JsonNode value = tree.get(field);
      if (present(value) && !value.isNumber()) {
        throw invalid(field, "Input should be a valid number");
      }
    }
    JsonNode topK = tree.get("top_k");
    if (present(topK) && !topK.isIntegralNumber()) {
      throw invalid("top_k", "Input should be a valid integer");
    }
    JsonNode stream = tree.get("stream");
    if (present(stream) && !stream.isBoolean()) {
      throw invalid("stream", "Input should be a valid boolean");
    }
    JsonNode tools = tree.get("tools");
    if (present(tools)) {
      if (!tools.isArray()) {
        throw invalid("tools", "Input should be a valid list");
      }
      for (int i = 0; i < tools.size(); i++) {
        if (!tools.get(i).isObject()) {
          throw invalid("tools." + i, "Input should be a valid dictionary");
        }
        requireString(tools.get(i).get("name"), "tools." + i + ".name");
      }
    }
    for (String field : new String[] {"tool_choice", "metadata", "cache_control", "thinking"}) {
      JsonNode value = tree.get(field);
      if (present(value) && !value.isObject()) {
        throw invalid(field, "Input should be a valid dictionary");
      }
    }
  }

  private static boolean present(JsonNode value) {
    return value != null && !value.isNull() && !value.isMissingNode();
  }

  private static String requireString(JsonNode value, String field) {
    if (!present(value)) {
      throw missing(field);
    }
    if (!value.isString()) {
      throw invalid(field, "Input should be a valid string");
    }
    return value.asString();
  }

  private static AnthropicRequestException missing(String field) {
    return new AnthropicRequestException(field + ": Field required", field);
  }

  private static AnthropicRequestException invalid(String field, String problem) {
    return new AnthropicRequestException(field + ": " + problem, field);
  }
}
