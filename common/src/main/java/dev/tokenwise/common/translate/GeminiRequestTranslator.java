package dev.tokenwise.common.translate;

import dev.tokenwise.common.gemini.GeminiContent;
import dev.tokenwise.common.gemini.GeminiGenerateContentRequest;
import dev.tokenwise.common.gemini.GeminiGenerationConfig;
import dev.tokenwise.common.gemini.GeminiPart;
import dev.tokenwise.common.gemini.GeminiTool;
import dev.tokenwise.common.openai.OpenAiChatRequest;
import dev.tokenwise.common.openai.OpenAiContent;
import dev.tokenwise.common.openai.OpenAiContentPart;
import dev.tokenwise.common.openai.OpenAiMessage;
import dev.tokenwise.common.openai.OpenAiResponseFormat;
import dev.tokenwise.common.openai.OpenAiStreamOptions;
import dev.tokenwise.common.openai.OpenAiTool;
import dev.tokenwise.common.openai.OpenAiToolCall;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Translates a Chat Completions request into a Gemini {@code generateContent} body, and back. The
 * model and streaming are not fields on Gemini's side (they are in the URL), so the caller picks
 * the endpoint. Fields with no counterpart ({@code seed}, {@code user}, {@code logprobs}...) are
 * not carried over; what Gemini cannot express raises {@link UntranslatableException}.
 */
public final class GeminiRequestTranslator {

  private GeminiRequestTranslator() {}

  /**
   * System and developer messages become {@code systemInstruction}; {@code assistant} turns become
   * {@code model} turns with {@code functionCall} parts; {@code tool} messages become {@code
   * functionResponse} parts in a {@code user} turn (consecutive turns of one role are merged, so
   * the results of parallel calls share one turn, as Gemini's function-calling guide shows).
   */
  public static GeminiGenerateContentRequest toGemini(OpenAiChatRequest request) {
    List<GeminiPart> system = new ArrayList<>();
    List<GeminiContent> contents = new ArrayList<>();
    Map<String, String> functionByCallId = new HashMap<>();
    List<OpenAiMessage> source = request.messages() == null ? List.of() : request.messages();
    for (int i = 0; i < source.size(); i++) {
      OpenAiMessage message = source.get(i);
      String at = "messages[" + i + "]";
      String role = message.role() == null ? "" : message.role();
      switch (role) {
        case "system", "developer" -> system.addAll(textParts(message.content(), at));
        case "user" -> append(contents, GeminiContent.USER, userParts(message.content(), at));
        case "assistant" ->
            append(contents, GeminiContent.MODEL, modelParts(message, at, functionByCallId));
        case "tool" ->
            append(
                contents,
                GeminiContent.USER,
                List.of(
                    GeminiPart.functionResponse(
                        message.toolCallId(),
                        functionByCallId.getOrDefault(message.toolCallId(), message.name()),
                        functionResponse(message.content(), at))));
        default ->
            throw new UntranslatableException(
                at + ".role", "Role '" + role + "' cannot be translated for Gemini.");
      }
    }
    return new GeminiGenerateContentRequest(
        contents,
        system.isEmpty() ? null : new GeminiContent(null, system, null),
        tools(request.tools()),
        toolConfig(request.toolChoice()),
        generationConfig(request),
        null,
        null);
  }

  /**
   * The other way: a {@code generateContent} body for {@code model} as a Chat Completions request.
   * {@code systemInstruction} becomes a system message, {@code functionCall} parts tool calls
   * (Gemini 2.5 sends no call ids: each call gets {@code call_<n>} and the next {@code
   * functionResponse} of that name answers it), {@code inlineData} a {@code data:} URL image.
   * {@code stream} asks for a stream with its usage chunk.
   */
  public static OpenAiChatRequest toOpenAi(
      GeminiGenerateContentRequest request, String model, boolean stream) {
    List<OpenAiMessage> messages = new ArrayList<>();
    if (request.systemInstruction() != null) {
      messages.add(OpenAiMessage.of("system", request.systemInstruction().text()));
    }
    Map<String, java.util.ArrayDeque<String>> openCalls = new HashMap<>();
    int calls = 0;
    List<GeminiContent> contents = request.contents() == null ? List.of() : request.contents();
    for (int i = 0; i < contents.size(); i++) {
      GeminiContent content = contents.get(i);
      String at = "contents[" + i + "]";
      List<GeminiPart> parts = content.parts() == null ? List.of() : content.parts();
      if (GeminiContent.MODEL.equals(content.role())) {
        List<OpenAiToolCall> toolCalls = new ArrayList<>();
        for (GeminiPart part : parts) {
          if (part.functionCall() != null) {
            String id =
                part.functionCall().id() != null ? part.functionCall().id() : "call_" + calls;
            calls++;
            openCalls
                .computeIfAbsent(part.functionCall().name(), n -> new java.util.ArrayDeque<>())
                .add(id);
            toolCalls.add(
                OpenAiToolCall.function(
                    id,
                    part.functionCall().name(),
                    Json.writeArguments(part.functionCall().args())));
          }
        }
        String text = content.text();
        messages.add(
            new OpenAiMessage(
                "assistant",
                text.isEmpty() && !toolCalls.isEmpty() ? null : OpenAiContent.text(text),
                null,
                toolCalls.isEmpty() ? null : toolCalls,
                null,
                null,
                null));
        continue;
      }
      List<OpenAiContentPart> userParts = new ArrayList<>();
      for (int j = 0; j < parts.size(); j++) {
        GeminiPart part = parts.get(j);
        String partAt = at + ".parts[" + j + "]";
        if (part.functionResponse() != null) {
          GeminiPart.FunctionResponse response = part.functionResponse();
          java.util.ArrayDeque<String> pending = openCalls.get(response.name());
          String id =
              response.id() != null
                  ? response.id()
                  : pending != null && !pending.isEmpty() ? pending.poll() : "call_" + calls++;
          messages.add(
              new OpenAiMessage(
                  "tool",
                  OpenAiContent.text(Json.writeArguments(response.response())),
                  null,
                  null,
                  id,
                  null,
                  null));
        } else if (part.text() != null) {
          userParts.add(OpenAiContentPart.text(part.text()));
        } else if (part.inlineData() != null) {
          userParts.add(
              OpenAiContentPart.imageUrl(
                  "data:" + part.inlineData().mimeType() + ";base64," + part.inlineData().data(),
                  null));
        } else {
          throw new UntranslatableException(
              partAt, "This part cannot be translated for a Chat Completions model.");
        }
      }
      if (userParts.size() == 1 && "text".equals(userParts.get(0).type())) {
        messages.add(OpenAiMessage.of("user", userParts.get(0).text()));
      } else if (!userParts.isEmpty()) {
        messages.add(
            new OpenAiMessage(
                "user", OpenAiContent.parts(userParts), null, null, null, null, null));
      }
    }
    GeminiGenerationConfig config = request.generationConfig();
    OpenAiChatRequest.Builder builder =
        new OpenAiChatRequest.Builder().model(model).messages(messages);
    if (config != null) {
      builder
          .maxCompletionTokens(config.maxOutputTokens())
          .temperature(config.temperature())
          .topP(config.topP())
          .n(config.candidateCount());
      if (config.stopSequences() != null && !config.stopSequences().isEmpty()) {
        var stop = JsonNodeFactory.instance.arrayNode();
        config.stopSequences().forEach(stop::add);
        builder.stop(stop);
      }
      if ("application/json".equals(config.responseMimeType())) {
        builder.responseFormat(
            config.schema() == null
                ? new OpenAiResponseFormat("json_object", null, null)
                : OpenAiResponseFormat.jsonSchema("response", config.schema(), false));
      }
    }
    builder.tools(openAiTools(request.tools())).toolChoice(openAiToolChoice(request.toolConfig()));
    if (stream) {
      builder.stream(true).streamOptions(OpenAiStreamOptions.withUsage());
    }
    return builder.build();
  }

  private static List<OpenAiTool> openAiTools(List<GeminiTool> tools) {
    if (tools == null || tools.isEmpty()) {
      return null;
    }
    List<OpenAiTool> result = new ArrayList<>();
    for (int i = 0; i < tools.size(); i++) {
      GeminiTool tool = tools.get(i);
      if (!tool.extra().isEmpty()) {
        throw new UntranslatableException(
            "tools[" + i + "]", "Only function declarations can be translated.");
      }
      if (tool.functionDeclarations() != null) {
        for (GeminiTool.FunctionDeclaration declaration : tool.functionDeclarations()) {
          result.add(
              OpenAiTool.function(
                  declaration.name(), declaration.description(), declaration.schema()));
        }
      }
    }
    return result;
  }

  private static JsonNode openAiToolChoice(JsonNode toolConfig) {
    JsonNode calling = toolConfig == null ? null : toolConfig.get("functionCallingConfig");
    if (calling == null || !calling.path("mode").isString()) {
      return null;
    }
    JsonNode allowed = calling.path("allowedFunctionNames");
    var factory = JsonNodeFactory.instance;
    return switch (calling.path("mode").asString()) {
      case "NONE" -> factory.stringNode("none");
      case "ANY" -> {
        if (allowed.isArray() && allowed.size() == 1) {
          ObjectNode named = factory.objectNode();
          named.put("type", "function");
          named.putObject("function").put("name", allowed.get(0).asString(""));
          yield named;
        }
        yield factory.stringNode("required");
      }
      default -> factory.stringNode("auto");
    };
  }

  private static void append(List<GeminiContent> contents, String role, List<GeminiPart> parts) {
    int last = contents.size() - 1;
    if (last >= 0 && role.equals(contents.get(last).role())) {
      List<GeminiPart> merged = new ArrayList<>(contents.get(last).parts());
      merged.addAll(parts);
      contents.set(last, GeminiContent.of(role, merged));
    } else {
      contents.add(GeminiContent.of(role, parts));
    }
  }

  private static List<GeminiPart> textParts(OpenAiContent content, String at) {
    List<GeminiPart> parts = new ArrayList<>();
    if (content == null) {
      return parts;
    }
    List<OpenAiContentPart> source = content.asParts();
    for (int i = 0; i < source.size(); i++) {
      if (!"text".equals(source.get(i).type())) {
        throw new UntranslatableException(
            at + ".content[" + i + "]", "Only text parts are allowed here.");
      }
      parts.add(GeminiPart.text(source.get(i).text()));
    }
    return parts;
  }

  private static List<GeminiPart> userParts(OpenAiContent content, String at) {
    List<GeminiPart> parts = new ArrayList<>();
    if (content == null) {
      return parts;
    }
    List<OpenAiContentPart> source = content.asParts();
    for (int i = 0; i < source.size(); i++) {
      OpenAiContentPart part = source.get(i);
      String partAt = at + ".content[" + i + "]";
      String type = part.type() == null ? "" : part.type();
      switch (type) {
        case "text" -> parts.add(GeminiPart.text(part.text()));
        case "image_url" ->
            parts.add(inlineImage(part.imageUrl() == null ? null : part.imageUrl().url(), partAt));
        default ->
            throw new UntranslatableException(
                partAt, "Content part '" + type + "' cannot be translated for Gemini.");
      }
    }
    return parts;
  }

  /**
   * Gemini takes images inline as base64 ({@code inlineData}); a remote URL would need the Files
   * API, so only {@code data:} URLs translate.
   */
  private static GeminiPart inlineImage(String url, String at) {
    if (url != null && url.startsWith("data:")) {
      int comma = url.indexOf(',');
      String header = comma < 0 ? "" : url.substring(5, comma);
      if (comma > 0 && header.endsWith(";base64")) {
        return GeminiPart.inlineData(
            header.substring(0, header.length() - ";base64".length()), url.substring(comma + 1));
      }
    }
    throw new UntranslatableException(
        at + ".image_url.url", "Only base64 data URLs can be translated for Gemini.");
  }

  private static List<GeminiPart> modelParts(
      OpenAiMessage message, String at, Map<String, String> functionByCallId) {
    List<GeminiPart> parts = new ArrayList<>();
    String text = message.text();
    if (!text.isEmpty()) {
      parts.add(GeminiPart.text(text));
    }
    List<OpenAiToolCall> calls = message.toolCalls() == null ? List.of() : message.toolCalls();
    for (int j = 0; j < calls.size(); j++) {
      OpenAiToolCall call = calls.get(j);
      String callAt = at + ".tool_calls[" + j + "]";
      if (call.function() == null) {
        throw new UntranslatableException(callAt, "Only function tool calls can be translated.");
      }
      if (call.id() != null) {
        functionByCallId.put(call.id(), call.function().name());
      }
      parts.add(
          GeminiPart.functionCall(
              call.id(),
              call.function().name(),
              Json.parseArguments(call.function().arguments(), callAt + ".function.arguments")));
    }
    if (parts.isEmpty()) {
      // Gemini rejects a turn without parts; an empty assistant message still holds its place.
      parts.add(GeminiPart.text(""));
    }
    return parts;
  }

  /**
   * Gemini wants the result as a JSON object: a tool message that is a JSON object is sent as such,
   * any other text as {@code {"result": "<text>"}}.
   */
  private static JsonNode functionResponse(OpenAiContent content, String at) {
    String text = content == null ? "" : content.joinedText();
    if (content != null) {
      for (OpenAiContentPart part : content.asParts()) {
        if (!"text".equals(part.type())) {
          throw new UntranslatableException(
              at + ".content", "Tool results for Gemini can hold text only.");
        }
      }
    }
    String trimmed = text.strip();
    if (trimmed.startsWith("{")) {
      try {
        JsonNode node = JsonMapper.shared().readTree(trimmed);
        if (node != null && node.isObject()) {
          return node;
        }
      } catch (JacksonException e) {
        // not JSON: wrapped below
      }
    }
    ObjectNode wrapped = Json.emptyObject();
    wrapped.put("result", text);
    return wrapped;
  }

  private static List<GeminiTool> tools(List<OpenAiTool> tools) {
    if (tools == null || tools.isEmpty()) {
      return null;
    }
    List<GeminiTool.FunctionDeclaration> declarations = new ArrayList<>();
    for (int i = 0; i < tools.size(); i++) {
      OpenAiTool tool = tools.get(i);
      if (!"function".equals(tool.type()) || tool.function() == null) {
        throw new UntranslatableException(
            "tools[" + i + "]", "Only function tools can be translated for Gemini.");
      }
      JsonNode schema = tool.function().parameters();
      declarations.add(
          new GeminiTool.FunctionDeclaration(
              tool.function().name(),
              tool.function().description(),
              null,
              schema == null || schema.isNull() ? null : schema,
              null));
    }
    return List.of(new GeminiTool(declarations, null));
  }

  /**
   * {@code none|auto|required} become {@code functionCallingConfig.mode} {@code NONE|AUTO|ANY}; a
   * named function becomes {@code ANY} restricted to it.
   */
  private static JsonNode toolConfig(JsonNode choice) {
    if (choice == null || choice.isNull()) {
      return null;
    }
    ObjectNode config = JsonNodeFactory.instance.objectNode();
    ObjectNode calling = config.putObject("functionCallingConfig");
    if (choice.isString()) {
      calling.put(
          "mode",
          switch (choice.asString()) {
            case "none" -> "NONE";
            case "required" -> "ANY";
            default -> "AUTO";
          });
      return config;
    }
    String name = choice.at("/function/name").asString(null);
    if (name == null) {
      throw new UntranslatableException(
          "tool_choice", "Only a named function 'tool_choice' can be translated.");
    }
    calling.put("mode", "ANY");
    calling.putArray("allowedFunctionNames").add(name);
    return config;
  }

  private static GeminiGenerationConfig generationConfig(OpenAiChatRequest request) {
    String mimeType = null;
    JsonNode schema = null;
    if (request.responseFormat() != null && request.responseFormat().type() != null) {
      switch (request.responseFormat().type()) {
        case "text" -> {}
        case "json_object" -> mimeType = "application/json";
        case "json_schema" -> {
          mimeType = "application/json";
          schema =
              request.responseFormat().jsonSchema() == null
                  ? null
                  : request.responseFormat().jsonSchema().schema();
        }
        default ->
            throw new UntranslatableException(
                "response_format",
                "'response_format' of type '"
                    + request.responseFormat().type()
                    + "' cannot be translated for a Gemini model.");
      }
    }
    List<String> stop = request.stopSequences();
    GeminiGenerationConfig config =
        new GeminiGenerationConfig(
            request.requestedMaxTokens(),
            request.temperature(),
            request.topP(),
            request.n() != null && request.n() > 1 ? request.n() : null,
            stop.isEmpty() ? null : stop,
            mimeType,
            null,
            schema,
            null);
    return config.equals(
            new GeminiGenerationConfig(null, null, null, null, null, null, null, null, null))
        ? null
        : config;
  }
}
