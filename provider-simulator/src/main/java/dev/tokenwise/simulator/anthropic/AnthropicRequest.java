package dev.tokenwise.simulator.anthropic;

import dev.tokenwise.common.tokens.TokenEstimator;
import dev.tokenwise.simulator.answer.Prompt;
import dev.tokenwise.simulator.answer.Prompt.Tool;
import dev.tokenwise.simulator.answer.Prompt.ToolChoice;
import dev.tokenwise.simulator.promptcache.PromptCacheEmulator;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The parts of a Messages request the simulator acts on, validated the way the API does.
 *
 * @param model the requested model
 * @param prompt what the answer depends on
 * @param inputTokens input tokens as Claude would count them (estimated)
 * @param stream whether to answer with an event stream
 */
record AnthropicRequest(
    String model,
    Prompt prompt,
    long inputTokens,
    boolean stream,
    PromptCacheEmulator.AnthropicCache cache) {

  /** The same request with the prompt-cache emulation's reads and writes. */
  AnthropicRequest withCache(PromptCacheEmulator.AnthropicCache emulated) {
    return new AnthropicRequest(model, prompt, inputTokens, stream, emulated);
  }

  /**
   * Reads and validates {@code body}.
   *
   * @param answerTokens the answer length asked for by header, or null
   * @throws AnthropicError with the API's 400 when the request is invalid
   */
  static AnthropicRequest parse(JsonNode body, Integer answerTokens) {
    return parse(body, answerTokens, true);
  }

  /**
   * Reads and validates a {@code count_tokens} body: a messages request without {@code max_tokens}.
   */
  static AnthropicRequest parseForCounting(JsonNode body) {
    return parse(body, null, false);
  }

  private static AnthropicRequest parse(JsonNode body, Integer answerTokens, boolean generating) {
    if (!body.isObject()) {
      throw AnthropicError.invalidRequest("Input should be a valid dictionary");
    }
    JsonNode model = body.path("model");
    if (model.isMissingNode()) {
      throw AnthropicError.invalidRequest("model: Field required");
    }
    if (!model.isString() || model.stringValue().isEmpty()) {
      throw AnthropicError.invalidRequest("model: Input should be a valid string");
    }
    JsonNode messages = body.path("messages");
    if (messages.isMissingNode()) {
      throw AnthropicError.invalidRequest("messages: Field required");
    }
    if (!messages.isArray()) {
      throw AnthropicError.invalidRequest("messages: Input should be a valid list");
    }
    JsonNode maxTokens = body.path("max_tokens");
    if (generating) {
      if (maxTokens.isMissingNode()) {
        throw AnthropicError.invalidRequest("max_tokens: Field required");
      }
      if (!maxTokens.isIntegralNumber()) {
        throw AnthropicError.invalidRequest("max_tokens: Input should be a valid integer");
      }
      if (maxTokens.longValue() < 1) {
        throw AnthropicError.invalidRequest(
            "max_tokens: Input should be greater than or equal to 1");
      }
    }
    if (messages.isEmpty()) {
      throw AnthropicError.invalidRequest("messages: at least one message is required");
    }
    List<TokenEstimator.Message> counted = new ArrayList<>();
    String system = systemText(body.path("system"));
    if (!system.isEmpty()) {
      counted.add(new TokenEstimator.Message("system", system));
    }
    String question = null;
    String toolResult = null;
    for (int i = 0; i < messages.size(); i++) {
      JsonNode message = messages.get(i);
      String at = "messages." + i;
      if (!message.isObject()) {
        throw AnthropicError.invalidRequest(at + ": Input should be a valid dictionary");
      }
      JsonNode role = message.path("role");
      if (role.isMissingNode()) {
        throw AnthropicError.invalidRequest(at + ".role: Field required");
      }
      if (!role.isString()
          || !(role.stringValue().equals("user") || role.stringValue().equals("assistant"))) {
        throw AnthropicError.invalidRequest(at + ".role: Input should be 'user' or 'assistant'");
      }
      JsonNode content = message.path("content");
      if (content.isMissingNode()) {
        throw AnthropicError.invalidRequest(at + ".content: Field required");
      }
      StringBuilder text = new StringBuilder();
      StringBuilder results = new StringBuilder();
      StringBuilder other = new StringBuilder();
      if (content.isString()) {
        text.append(content.stringValue());
      } else if (content.isArray()) {
        for (JsonNode block : content) {
          switch (block.path("type").asString("")) {
            case "text" -> append(text, block.path("text").asString(""));
            case "tool_result" -> append(results, resultText(block.path("content")));
            case "tool_use" ->
                other.append(block.path("name").asString("")).append(block.path("input"));
            default -> {}
          }
        }
      } else {
        throw AnthropicError.invalidRequest(at + ".content: Input should be a valid list");
      }
      counted.add(
          new TokenEstimator.Message(role.stringValue(), text.toString() + results + other));
      if (role.stringValue().equals("user")) {
        if (!results.isEmpty() || (content.isArray() && hasToolResult(content))) {
          toolResult = results.toString();
          if (!text.isEmpty()) {
            question = text.toString();
          }
        } else {
          question = text.toString();
          toolResult = null;
        }
      }
    }
    List<Tool> tools = tools(body.path("tools"));
    String modelId = model.stringValue();
    long inputTokens = TokenEstimator.shared().countChat(modelId, counted);
    if (!tools.isEmpty()) {
      inputTokens += TokenEstimator.shared().countText(modelId, body.path("tools").toString());
    }
    JsonNode stream = body.path("stream");
    if (!stream.isMissingNode() && !stream.isBoolean()) {
      throw AnthropicError.invalidRequest("stream: Input should be a valid boolean");
    }
    Prompt prompt =
        new Prompt(
            modelId,
            question,
            toolResult,
            tools,
            toolChoice(body.path("tool_choice")),
            true,
            generating ? maxTokens.longValue() : null,
            stopSequences(body.path("stop_sequences")),
            answerTokens);
    return new AnthropicRequest(
        modelId,
        prompt,
        inputTokens,
        stream.asBoolean(false),
        PromptCacheEmulator.AnthropicCache.NONE);
  }

  private static boolean hasToolResult(JsonNode content) {
    for (JsonNode block : content) {
      if ("tool_result".equals(block.path("type").asString(""))) {
        return true;
      }
    }
    return false;
  }

  private static void append(StringBuilder text, String more) {
    if (!text.isEmpty() && !more.isEmpty()) {
      text.append('\n');
    }
    text.append(more);
  }

  private static String systemText(JsonNode system) {
    if (system.isString()) {
      return system.stringValue();
    }
    if (system.isMissingNode() || system.isNull()) {
      return "";
    }
    if (!system.isArray()) {
      throw AnthropicError.invalidRequest("system: Input should be a valid list");
    }
    StringBuilder text = new StringBuilder();
    system.forEach(block -> append(text, block.path("text").asString("")));
    return text.toString();
  }

  private static String resultText(JsonNode content) {
    if (content.isString()) {
      return content.stringValue();
    }
    StringBuilder text = new StringBuilder();
    content.forEach(block -> append(text, block.path("text").asString("")));
    return text.toString();
  }

  private static List<Tool> tools(JsonNode tools) {
    if (tools.isMissingNode() || tools.isNull()) {
      return List.of();
    }
    if (!tools.isArray()) {
      throw AnthropicError.invalidRequest("tools: Input should be a valid list");
    }
    List<Tool> result = new ArrayList<>();
    for (int i = 0; i < tools.size(); i++) {
      JsonNode tool = tools.get(i);
      if (!tool.path("name").isString()) {
        throw AnthropicError.invalidRequest("tools." + i + ".name: Field required");
      }
      result.add(new Tool(tool.path("name").stringValue(), tool.path("input_schema")));
    }
    return result;
  }

  private static ToolChoice toolChoice(JsonNode choice) {
    return switch (choice.path("type").asString("auto")) {
      case "none" -> new ToolChoice(ToolChoice.Mode.NONE, null);
      case "any" -> new ToolChoice(ToolChoice.Mode.ANY, null);
      case "tool" -> {
        if (!choice.path("name").isString()) {
          throw AnthropicError.invalidRequest("tool_choice.tool.name: Field required");
        }
        yield new ToolChoice(ToolChoice.Mode.NAMED, choice.path("name").stringValue());
      }
      case "auto" -> ToolChoice.AUTO;
      default ->
          throw AnthropicError.invalidRequest(
              "tool_choice: Input tag '"
                  + choice.path("type").asString("")
                  + "' found using 'type' does not match any of the expected tags: 'auto', 'any',"
                  + " 'tool', 'none'");
    };
  }

  private static List<String> stopSequences(JsonNode stop) {
    if (stop.isMissingNode() || stop.isNull()) {
      return List.of();
    }
    if (!stop.isArray()) {
      throw AnthropicError.invalidRequest("stop_sequences: Input should be a valid list");
    }
    List<String> sequences = new ArrayList<>();
    for (int i = 0; i < stop.size(); i++) {
      if (!stop.get(i).isString()) {
        throw AnthropicError.invalidRequest(
            "stop_sequences." + i + ": Input should be a valid string");
      }
      sequences.add(stop.get(i).stringValue());
    }
    return sequences;
  }
}
