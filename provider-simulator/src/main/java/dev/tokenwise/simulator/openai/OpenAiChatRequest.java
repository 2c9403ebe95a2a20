package dev.tokenwise.simulator.openai;

import dev.tokenwise.common.openai.JsonPaths;
import dev.tokenwise.common.tokens.TokenEstimator;
import dev.tokenwise.simulator.answer.Prompt;
import dev.tokenwise.simulator.answer.Prompt.Output;
import dev.tokenwise.simulator.answer.Prompt.Tool;
import dev.tokenwise.simulator.answer.Prompt.ToolChoice;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * The parts of a Chat Completions request the simulator acts on, validated the way the API does.
 *
 * @param model the requested model
 * @param prompt what the answer depends on
 * @param promptTokens input tokens as OpenAI would count them
 * @param cachedTokens of those, the ones read from the emulated prompt cache
 * @param stream whether to answer with an event stream
 * @param includeUsage whether a stream ends with a usage chunk
 */
record OpenAiChatRequest(
    String model,
    Prompt prompt,
    long promptTokens,
    boolean stream,
    boolean includeUsage,
    long cachedTokens) {

  /** The same request with the prompt-cache emulation's {@code cached_tokens}. */
  OpenAiChatRequest withCachedTokens(long cached) {
    return new OpenAiChatRequest(model, prompt, promptTokens, stream, includeUsage, cached);
  }

  private static final Set<String> ROLES =
      Set.of("system", "developer", "user", "assistant", "tool", "function");
  private static final int MAX_STOP_SEQUENCES = 4;

  /**
   * Reads and validates {@code body}.
   *
   * @param answerTokens the answer length asked for by header, or null
   * @throws OpenAiError with the API's 400 when the request is invalid
   */
  static OpenAiChatRequest parse(JsonNode body, Integer answerTokens) {
    if (!body.isObject()) {
      throw OpenAiError.invalidType("body", "an object", JsonPaths.describe(body));
    }
    JsonNode model = body.path("model");
    if (!model.isString() || model.stringValue().isEmpty()) {
      throw OpenAiError.invalidRequest("you must provide a model parameter", null, null);
    }
    JsonNode messages = body.path("messages");
    if (messages.isMissingNode() || messages.isNull()) {
      throw OpenAiError.missingParameter("messages");
    }
    if (!messages.isArray()) {
      throw OpenAiError.invalidType(
          "messages", "an array of objects", JsonPaths.describe(messages));
    }
    if (messages.isEmpty()) {
      throw OpenAiError.invalidRequest(
          "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an"
              + " empty array instead.",
          "messages",
          "empty_array");
    }
    List<TokenEstimator.Message> counted = new ArrayList<>();
    String question = null;
    String toolResult = null;
    for (int i = 0; i < messages.size(); i++) {
      JsonNode message = messages.get(i);
      String at = "messages[" + i + "]";
      if (!message.isObject()) {
        throw OpenAiError.invalidType(at, "an object", JsonPaths.describe(message));
      }
      JsonNode role = message.path("role");
      if (role.isMissingNode() || role.isNull()) {
        throw OpenAiError.missingParameter(at + ".role");
      }
      if (!role.isString() || !ROLES.contains(role.stringValue())) {
        throw OpenAiError.invalidRequest(
            "Invalid value: '"
                + role.asString("")
                + "'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and"
                + " 'developer'.",
            at + ".role",
            "invalid_value");
      }
      String text = text(message.path("content"), at + ".content");
      String name = message.path("name").isString() ? message.path("name").stringValue() : null;
      StringBuilder counting = new StringBuilder(text);
      for (JsonNode call : message.path("tool_calls")) {
        counting
            .append(call.path("function").path("name").asString(""))
            .append(call.path("function").path("arguments").asString(""));
      }
      counted.add(new TokenEstimator.Message(role.stringValue(), counting.toString(), name));
      switch (role.stringValue()) {
        case "user" -> {
          question = text;
          toolResult = null;
        }
        case "tool", "function" -> toolResult = text;
        default -> {}
      }
    }
    List<Tool> tools = tools(body.path("tools"));
    String modelId = model.stringValue();
    long promptTokens = TokenEstimator.shared().countChat(modelId, counted);
    if (!tools.isEmpty()) {
      promptTokens += TokenEstimator.shared().countText(modelId, body.path("tools").toString());
    }
    Long maxTokens = maxTokens(body, "max_completion_tokens");
    if (maxTokens == null) {
      maxTokens = maxTokens(body, "max_tokens");
    }
    JsonNode stream = body.path("stream");
    if (!stream.isMissingNode() && !stream.isNull() && !stream.isBoolean()) {
      throw OpenAiError.invalidType("stream", "a boolean", JsonPaths.describe(stream));
    }
    Prompt prompt =
        new Prompt(
            modelId,
            question,
            toolResult,
            tools,
            toolChoice(body.path("tool_choice")),
            false,
            maxTokens,
            stop(body.path("stop")),
            answerTokens,
            output(body.path("response_format"), counted));
    boolean streaming = stream.asBoolean(false);
    JsonNode streamOptions = body.path("stream_options");
    if (!streaming && !streamOptions.isMissingNode() && !streamOptions.isNull()) {
      throw OpenAiError.invalidRequest(
          "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
          "stream_options",
          null);
    }
    boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
    return new OpenAiChatRequest(modelId, prompt, promptTokens, streaming, includeUsage, 0);
  }

  /** The text of a message's content: a string, or the text parts of an array. */
  private static String text(JsonNode content, String at) {
    if (content.isMissingNode() || content.isNull()) {
      return "";
    }
    if (content.isString()) {
      return content.stringValue();
    }
    if (!content.isArray()) {
      throw OpenAiError.invalidType(
          at, "one of a string or array of objects", JsonPaths.describe(content));
    }
    StringBuilder text = new StringBuilder();
    for (JsonNode part : content) {
      if (part.path("text").isString()) {
        if (!text.isEmpty()) {
          text.append('\n');
        }
        text.append(part.path("text").stringValue());
      }
    }
    return text.toString();
  }

  private static final Pattern SCHEMA_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

  private static Output output(JsonNode format, List<TokenEstimator.Message> messages) {
    if (format.isMissingNode() || format.isNull()) {
      return Output.TEXT;
    }
    String type = format.path("type").asString("");
    return switch (type) {
      case "text" -> Output.TEXT;
      case "json_object" -> {
        boolean mentionsJson =
            messages.stream().anyMatch(m -> m.content().toLowerCase(Locale.ROOT).contains("json"));
        if (!mentionsJson) {
          throw OpenAiError.invalidRequest(
              "'messages' must contain the word 'json' in some form, to use 'response_format' of"
                  + " type 'json_object'.",
              "messages",
              null);
        }
        yield new Output(Output.Kind.JSON_OBJECT, null);
      }
      case "json_schema" -> {
        JsonNode jsonSchema = format.path("json_schema");
        if (!jsonSchema.path("name").isString()) {
          throw OpenAiError.missingParameter("response_format.json_schema.name");
        }
        if (!SCHEMA_NAME.matcher(jsonSchema.path("name").stringValue()).matches()) {
          throw OpenAiError.invalidRequest(
              "Invalid 'response_format.json_schema.name': string does not match pattern."
                  + " Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
              "response_format.json_schema.name",
              "invalid_value");
        }
        yield new Output(Output.Kind.JSON_SCHEMA, jsonSchema.path("schema"));
      }
      default ->
          throw OpenAiError.invalidRequest(
              "Invalid value: '"
                  + type
                  + "'. Supported values are: 'text', 'json_object', and 'json_schema'.",
              "response_format.type",
              "invalid_value");
    };
  }

  private static List<Tool> tools(JsonNode tools) {
    if (tools.isMissingNode() || tools.isNull()) {
      return List.of();
    }
    if (!tools.isArray()) {
      throw OpenAiError.invalidType("tools", "an array of objects", JsonPaths.describe(tools));
    }
    List<Tool> result = new ArrayList<>();
    for (int i = 0; i < tools.size(); i++) {
      JsonNode function = tools.get(i).path("function");
      if (!function.path("name").isString()) {
        throw OpenAiError.missingParameter("tools[" + i + "].function.name");
      }
      result.add(new Tool(function.path("name").stringValue(), function.path("parameters")));
    }
    return result;
  }

  private static ToolChoice toolChoice(JsonNode choice) {
    if (choice.isString()) {
      return switch (choice.stringValue()) {
        case "none" -> new ToolChoice(ToolChoice.Mode.NONE, null);
        case "required" -> new ToolChoice(ToolChoice.Mode.ANY, null);
        case "auto" -> ToolChoice.AUTO;
        default ->
            throw OpenAiError.invalidRequest(
                "Invalid value: '"
                    + choice.stringValue()
                    + "'. Supported values are: 'none', 'auto', and 'required'.",
                "tool_choice",
                "invalid_value");
      };
    }
    if (choice.path("function").path("name").isString()) {
      return new ToolChoice(
          ToolChoice.Mode.NAMED, choice.path("function").path("name").stringValue());
    }
    return ToolChoice.AUTO;
  }

  private static Long maxTokens(JsonNode body, String field) {
    JsonNode value = body.path(field);
    if (value.isMissingNode() || value.isNull()) {
      return null;
    }
    if (!value.isIntegralNumber()) {
      throw OpenAiError.invalidType(field, "an integer", JsonPaths.describe(value));
    }
    if (value.longValue() < 1) {
      throw OpenAiError.invalidRequest(
          "Invalid '"
              + field
              + "': integer below minimum value. Expected a value >= 1, but got "
              + value.longValue()
              + " instead.",
          field,
          "integer_below_min_value");
    }
    return value.longValue();
  }

  private static List<String> stop(JsonNode stop) {
    if (stop.isMissingNode() || stop.isNull()) {
      return List.of();
    }
    if (stop.isString()) {
      return List.of(stop.stringValue());
    }
    if (!stop.isArray()) {
      throw OpenAiError.invalidType(
          "stop", "one of a string or array of strings", JsonPaths.describe(stop));
    }
    if (stop.size() > MAX_STOP_SEQUENCES) {
      throw OpenAiError.invalidRequest(
          "Invalid 'stop': array too long. Expected an array with maximum length 4, but got an"
              + " array with length "
              + stop.size()
              + " instead.",
          "stop",
          "array_above_max_length");
    }
    List<String> sequences = new ArrayList<>();
    stop.forEach(s -> sequences.add(s.asString("")));
    return sequences;
  }
}
