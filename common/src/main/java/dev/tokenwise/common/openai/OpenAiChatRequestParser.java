package dev.tokenwise.common.openai;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Reads a raw Chat Completions body and reports the first problem the way OpenAI does: a message
 * naming the field ({@code messages[2].role}) and a code, so the gateway can answer 400 before
 * spending anything on a provider call.
 */
public final class OpenAiChatRequestParser {

  private static final String MISSING = "missing_required_parameter";
  private static final String INVALID_TYPE = "invalid_type";
  private static final String INVALID_VALUE = "invalid_value";

  private OpenAiChatRequestParser() {}

  /** Parses and validates {@code body}; throws {@link OpenAiRequestException} on any problem. */
  public static OpenAiChatRequest parse(ObjectMapper mapper, byte[] body) {
    JsonNode tree;
    try {
      tree = mapper.readTree(body);
    } catch (JacksonException e) {
      throw new OpenAiRequestException(
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't"
              + " using your HTTP library correctly. The OpenAI API expects a JSON payload.)",
          null,
          null);
    }
    return parse(mapper, tree);
  }

  /** Validates an already parsed body and converts it. */
  public static OpenAiChatRequest parse(ObjectMapper mapper, JsonNode tree) {
    validate(tree);
    try {
      return mapper.treeToValue(tree, OpenAiChatRequest.class);
    } catch (DatabindException e) {
      String path = JsonPaths.pathOf(e);
      throw new OpenAiRequestException(
          "Invalid value for '" + (path == null ? "body" : path) + "'.", path, INVALID_TYPE);
    }
  }

  /** Checks the fields Tokenwise relies on; unknown fields are the provider's business. */
  public static void validate(JsonNode tree) {
    if (tree == null || !tree.isObject()) {
      throw new OpenAiRequestException(
          "The request body must be a JSON object, but got " + JsonPaths.describe(tree) + ".",
          null,
          INVALID_TYPE);
    }
    JsonNode model = tree.get("model");
    if (model == null || model.isNull()) {
      throw missing("model", "you must provide a model parameter");
    }
    requireType(model, "model", "a string", model.isString());
    if (model.asString().isBlank()) {
      throw new OpenAiRequestException(
          "Invalid 'model': empty string. Expected a model name.", "model", INVALID_VALUE);
    }
    JsonNode messages = tree.get("messages");
    if (messages == null || messages.isNull()) {
      throw missing("messages", null);
    }
    requireType(messages, "messages", "an array", messages.isArray());
    if (messages.isEmpty()) {
      throw new OpenAiRequestException(
          "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an"
              + " empty array instead.",
          "messages",
          "empty_array");
    }
    for (int i = 0; i < messages.size(); i++) {
      validateMessage(messages.get(i), "messages[" + i + "]");
    }
    for (String field : new String[] {"max_tokens", "max_completion_tokens", "n"}) {
      JsonNode value = tree.get(field);
      if (present(value)) {
        requireType(value, field, "an integer", value.isIntegralNumber());
        if (!value.canConvertToLong()) {
          // Beyond 64 bits: asLong() would silently wrap.
          throw new OpenAiRequestException(
              "Invalid '" + field + "': integer above maximum value.", field, INVALID_VALUE);
        }
        if (value.asLong() < 0) {
          throw new OpenAiRequestException(
              "Invalid '" + field + "': integer below minimum value.", field, INVALID_VALUE);
        }
      }
    }
    for (String field : new String[] {"temperature", "top_p"}) {
      JsonNode value = tree.get(field);
      if (present(value)) {
        requireType(value, field, "a number", value.isNumber());
      }
    }
    for (String field : new String[] {"stream", "parallel_tool_calls"}) {
      JsonNode value = tree.get(field);
      if (present(value)) {
        requireType(value, field, "a boolean", value.isBoolean());
      }
    }
    for (String field : new String[] {"user", "prompt_cache_key", "service_tier"}) {
      JsonNode value = tree.get(field);
      if (present(value)) {
        requireType(value, field, "a string", value.isString());
      }
    }
    for (String field : new String[] {"stream_options", "response_format", "metadata"}) {
      JsonNode value = tree.get(field);
      if (present(value)) {
        requireType(value, field, "an object", value.isObject());
      }
    }
    JsonNode responseFormat = tree.get("response_format");
    if (present(responseFormat)) {
      requireString(responseFormat, "type", "response_format.type");
    }
    JsonNode stop = tree.get("stop");
    if (present(stop) && !stop.isString()) {
      requireType(stop, "stop", "a string or an array of strings", stop.isArray());
      for (int i = 0; i < stop.size(); i++) {
        requireType(stop.get(i), "stop[" + i + "]", "a string", stop.get(i).isString());
      }
    }
    JsonNode tools = tree.get("tools");
    if (present(tools)) {
      requireType(tools, "tools", "an array", tools.isArray());
      for (int i = 0; i < tools.size(); i++) {
        JsonNode tool = tools.get(i);
        String at = "tools[" + i + "]";
        requireType(tool, at, "an object", tool.isObject());
        requireString(tool, "type", at + ".type");
        JsonNode function = tool.get("function");
        if ("function".equals(tool.get("type").asString())) {
          if (!present(function)) {
            throw missing(at + ".function", null);
          }
          requireType(function, at + ".function", "an object", function.isObject());
          requireString(function, "name", at + ".function.name");
        }
      }
    }
    JsonNode toolChoice = tree.get("tool_choice");
    if (present(toolChoice)) {
      requireType(
          toolChoice,
          "tool_choice",
          "a string or an object",
          toolChoice.isString() || toolChoice.isObject());
    }
  }

  private static void validateMessage(JsonNode message, String at) {
    requireType(message, at, "an object", message.isObject());
    String role = requireString(message, "role", at + ".role");
    if (!OpenAiMessage.ROLES.contains(role)) {
      throw new OpenAiRequestException(
          "Invalid value for '"
              + at
              + ".role': '"
              + role
              + "'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and"
              + " 'developer'.",
          at + ".role",
          INVALID_VALUE);
    }
    JsonNode content = message.get("content");
    boolean mayOmitContent = "assistant".equals(role);
    if (!present(content)) {
      if (!mayOmitContent) {
        throw missing(at + ".content", null);
      }
    } else {
      requireType(
          content,
          at + ".content",
          "a string or an array",
          content.isString() || content.isArray());
      for (int i = 0; content.isArray() && i < content.size(); i++) {
        JsonNode part = content.get(i);
        String partAt = at + ".content[" + i + "]";
        requireType(part, partAt, "an object", part.isObject());
        String type = requireString(part, "type", partAt + ".type");
        if ("text".equals(type)) {
          requireString(part, "text", partAt + ".text");
        } else if ("image_url".equals(type)) {
          JsonNode imageUrl = part.get("image_url");
          if (!present(imageUrl)) {
            throw missing(partAt + ".image_url", null);
          }
          requireType(imageUrl, partAt + ".image_url", "an object", imageUrl.isObject());
          requireString(imageUrl, "url", partAt + ".image_url.url");
        }
      }
    }
    if ("tool".equals(role)) {
      requireString(message, "tool_call_id", at + ".tool_call_id");
    }
    JsonNode toolCalls = message.get("tool_calls");
    if (present(toolCalls)) {
      requireType(toolCalls, at + ".tool_calls", "an array", toolCalls.isArray());
      for (int i = 0; i < toolCalls.size(); i++) {
        JsonNode call = toolCalls.get(i);
        String callAt = at + ".tool_calls[" + i + "]";
        requireType(call, callAt, "an object", call.isObject());
        requireString(call, "id", callAt + ".id");
        JsonNode function = call.get("function");
        if (present(function)) {
          requireType(function, callAt + ".function", "an object", function.isObject());
        }
      }
    }
  }

  private static boolean present(JsonNode value) {
    return value != null && !value.isNull() && !value.isMissingNode();
  }

  private static String requireString(JsonNode parent, String field, String at) {
    JsonNode value = parent.get(field);
    if (!present(value)) {
      throw missing(at, null);
    }
    requireType(value, at, "a string", value.isString());
    return value.asString();
  }

  private static void requireType(JsonNode value, String at, String expected, boolean ok) {
    if (!ok) {
      throw new OpenAiRequestException(
          "Invalid type for '"
              + at
              + "': expected "
              + expected
              + ", but got "
              + JsonPaths.describe(value)
              + " instead.",
          at,
          INVALID_TYPE);
    }
  }

  private static OpenAiRequestException missing(String at, String message) {
    return new OpenAiRequestException(
        message != null ? message : "Missing required parameter: '" + at + "'.", at, MISSING);
  }
}
