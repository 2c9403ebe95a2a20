package dev.tokenwise.simulator.gemini;

import dev.tokenwise.common.tokens.TokenEstimator;
import dev.tokenwise.simulator.answer.Prompt;
import dev.tokenwise.simulator.answer.Prompt.Output;
import dev.tokenwise.simulator.answer.Prompt.Tool;
import dev.tokenwise.simulator.answer.Prompt.ToolChoice;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The parts of a {@code generateContent} body the simulator acts on, validated the way the API
 * does. Both spellings the API accepts are read: camelCase and the snake_case of Google's REST
 * samples ({@code system_instruction}, {@code function_declarations}...).
 *
 * @param prompt what the answer depends on
 * @param promptTokens input tokens, counted with common's estimator (Gemini's own tokenizer is not
 *     public; the count is an approximation of the same order)
 */
record GeminiRequest(Prompt prompt, long promptTokens) {

  /**
   * Reads and validates {@code body} for {@code model}.
   *
   * @param answerTokens the answer length asked for by header, or null
   * @throws GeminiApiError 400 {@code INVALID_ARGUMENT} when the request is invalid
   */
  static GeminiRequest parse(JsonNode body, String model, Integer answerTokens) {
    if (body == null || !body.isObject()) {
      throw GeminiApiError.invalidArgument(
          "Invalid JSON payload received. Expected an object at the top level.");
    }
    JsonNode contents = body.path("contents");
    if (!contents.isArray() || contents.isEmpty()) {
      throw GeminiApiError.invalidArgument(
          "* GenerateContentRequest.contents: contents is not specified");
    }
    StringBuilder counted = new StringBuilder(text(field(body, "systemInstruction")));
    String question = null;
    String toolResult = null;
    for (int i = 0; i < contents.size(); i++) {
      JsonNode content = contents.get(i);
      String role = content.path("role").asString("user");
      if (!role.equals("user") && !role.equals("model")) {
        throw GeminiApiError.invalidArgument("Please use a valid role: user, model.");
      }
      JsonNode parts = content.path("parts");
      if (!parts.isArray() || parts.isEmpty()) {
        throw GeminiApiError.invalidArgument(
            "* GenerateContentRequest.contents["
                + i
                + "].parts: contents.parts must not be empty.");
      }
      String text = text(content);
      counted.append(text);
      StringBuilder results = new StringBuilder();
      for (JsonNode part : parts) {
        JsonNode call = field(part, "functionCall");
        if (call.isObject()) {
          counted.append(call);
        }
        JsonNode response = field(part, "functionResponse");
        if (response.isObject()) {
          results.append(field(response, "response"));
        }
      }
      counted.append(results);
      if (role.equals("user")) {
        if (!results.isEmpty()) {
          toolResult = results.toString();
        } else {
          question = text;
          toolResult = null;
        }
      }
    }
    JsonNode config = field(body, "generationConfig");
    Long maxTokens = null;
    JsonNode max = field(config, "maxOutputTokens");
    if (!max.isMissingNode() && !max.isNull()) {
      if (!max.canConvertToLong() || max.asLong() < 1) {
        throw GeminiApiError.invalidArgument(
            "* GenerateContentRequest.generation_config.max_output_tokens: must be positive.");
      }
      maxTokens = max.asLong();
    }
    List<String> stop = new ArrayList<>();
    for (JsonNode sequence : field(config, "stopSequences")) {
      stop.add(sequence.asString(""));
    }
    if (stop.size() > 5) {
      throw GeminiApiError.invalidArgument(
          "* GenerateContentRequest.generation_config.stop_sequences: at most 5 stop sequences.");
    }
    List<Tool> tools = new ArrayList<>();
    for (JsonNode tool : field(body, "tools")) {
      for (JsonNode declaration : field(tool, "functionDeclarations")) {
        JsonNode schema = field(declaration, "parametersJsonSchema");
        if (schema.isMissingNode()) {
          schema = declaration.path("parameters");
        }
        tools.add(new Tool(declaration.path("name").asString(""), schema));
      }
    }
    if (!tools.isEmpty()) {
      counted.append(body.path("tools"));
    }
    Prompt prompt =
        new Prompt(
            model,
            question,
            toolResult,
            tools,
            toolChoice(field(field(body, "toolConfig"), "functionCallingConfig")),
            false,
            maxTokens,
            stop,
            answerTokens,
            output(config));
    long tokens = Math.max(1, TokenEstimator.shared().countText(model, counted.toString()));
    return new GeminiRequest(prompt, tokens);
  }

  /** The text of a {@code Content}'s parts, joined; empty for none. */
  static String text(JsonNode content) {
    StringBuilder text = new StringBuilder();
    for (JsonNode part : content.path("parts")) {
      if (part.path("text").isString() && !part.path("thought").asBoolean(false)) {
        text.append(part.path("text").stringValue());
      }
    }
    return text.toString();
  }

  private static ToolChoice toolChoice(JsonNode calling) {
    String mode = field(calling, "mode").asString("AUTO");
    JsonNode allowed = field(calling, "allowedFunctionNames");
    return switch (mode) {
      case "NONE" -> new ToolChoice(ToolChoice.Mode.NONE, null);
      case "ANY" ->
          allowed.isArray() && allowed.size() == 1
              ? new ToolChoice(ToolChoice.Mode.NAMED, allowed.get(0).asString(""))
              : new ToolChoice(ToolChoice.Mode.ANY, null);
      default -> ToolChoice.AUTO;
    };
  }

  private static Output output(JsonNode config) {
    if (!"application/json".equals(field(config, "responseMimeType").asString(""))) {
      return Output.TEXT;
    }
    JsonNode schema = field(config, "responseJsonSchema");
    if (schema.isMissingNode()) {
      schema = field(config, "responseSchema");
    }
    return schema.isObject()
        ? new Output(Output.Kind.JSON_SCHEMA, schema)
        : new Output(Output.Kind.JSON_OBJECT, null);
  }

  /** A field by its camelCase name or its snake_case spelling; missing when neither is there. */
  static JsonNode field(JsonNode node, String camelCase) {
    JsonNode value = node.path(camelCase);
    if (!value.isMissingNode()) {
      return value;
    }
    return node.path(camelCase.replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT));
  }
}
