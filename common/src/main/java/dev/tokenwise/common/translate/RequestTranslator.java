package dev.tokenwise.common.translate;

import dev.tokenwise.common.anthropic.AnthropicContent;
import dev.tokenwise.common.anthropic.AnthropicContentBlock;
import dev.tokenwise.common.anthropic.AnthropicMessage;
import dev.tokenwise.common.anthropic.AnthropicMessageRequest;
import dev.tokenwise.common.anthropic.AnthropicTool;
import dev.tokenwise.common.anthropic.AnthropicToolChoice;
import dev.tokenwise.common.openai.OpenAiChatRequest;
import dev.tokenwise.common.openai.OpenAiContent;
import dev.tokenwise.common.openai.OpenAiContentPart;
import dev.tokenwise.common.openai.OpenAiMessage;
import dev.tokenwise.common.openai.OpenAiResponseFormat;
import dev.tokenwise.common.openai.OpenAiStreamOptions;
import dev.tokenwise.common.openai.OpenAiTool;
import dev.tokenwise.common.openai.OpenAiToolCall;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Translates Chat Completions requests to Messages requests and back. Fields with no counterpart on
 * the other side (OpenAI's {@code seed}, Anthropic's {@code top_k}, either side's unmodelled
 * extras) are not carried over; features the other side cannot express raise {@link
 * UntranslatableException} instead of being dropped.
 */
public final class RequestTranslator {

  /**
   * Added to {@code system} for {@code response_format: json_object}, which Anthropic has no switch
   * for: the model is asked, not forced, so a client that must get JSON should send a schema.
   */
  public static final String JSON_OBJECT_INSTRUCTION =
      "Answer with a single valid JSON object and nothing else: no prose, no code fences.";

  /** Used for {@code max_tokens}, which Anthropic requires, when the client set no limit. */
  private final long defaultMaxTokens;

  public RequestTranslator(long defaultMaxTokens) {
    if (defaultMaxTokens <= 0) {
      throw new IllegalArgumentException("defaultMaxTokens must be positive");
    }
    this.defaultMaxTokens = defaultMaxTokens;
  }

  /**
   * System and developer messages become the top-level {@code system}; tool calls become {@code
   * tool_use} blocks and tool messages {@code tool_result} blocks in a user turn; {@code
   * max_completion_tokens} (else {@code max_tokens}, else the configured default) becomes {@code
   * max_tokens}.
   */
  public AnthropicMessageRequest toAnthropic(OpenAiChatRequest request) {
    if (request.n() != null && request.n() > 1) {
      throw new UntranslatableException("n", "Anthropic models return one choice; 'n' must be 1.");
    }
    OpenAiResponseFormat format = request.responseFormat();
    String structuredTool = structuredOutputTool(request);
    List<AnthropicContentBlock> system = new ArrayList<>();
    List<AnthropicMessage> messages = new ArrayList<>();
    List<OpenAiMessage> source = request.messages() == null ? List.of() : request.messages();
    for (int i = 0; i < source.size(); i++) {
      OpenAiMessage message = source.get(i);
      String at = "messages[" + i + "]";
      switch (message.role()) {
        case "system", "developer" -> system.addAll(textBlocks(message.content(), at));
        case "user" -> append(messages, "user", userBlocks(message.content(), at));
        case "assistant" -> append(messages, "assistant", assistantBlocks(message, at));
        case "tool" ->
            append(
                messages,
                "user",
                List.of(
                    AnthropicContentBlock.toolResult(
                        message.toolCallId(), toolResultContent(message.content(), at), null)));
        default ->
            throw new UntranslatableException(
                at + ".role", "Role '" + message.role() + "' cannot be translated for Anthropic.");
      }
    }
    if (format != null && "json_object".equals(format.type())) {
      system.add(AnthropicContentBlock.text(JSON_OBJECT_INSTRUCTION));
    }
    List<AnthropicTool> tools = anthropicTools(request.tools());
    AnthropicToolChoice toolChoice =
        anthropicToolChoice(request.toolChoice(), request.parallelToolCalls());
    if (structuredTool != null) {
      boolean clientTools = tools != null && !tools.isEmpty();
      tools = withStructuredOutputTool(tools, format.jsonSchema());
      toolChoice =
          structuredToolChoice(
              request.toolChoice(), clientTools, request.parallelToolCalls(), structuredTool);
    }
    List<String> stop = request.stopSequences();
    Double temperature = request.temperature();
    if (temperature != null && temperature > 1.0) {
      // OpenAI accepts 0..2, Anthropic 0..1: the top of both ranges means "most random".
      temperature = 1.0;
    }
    return new AnthropicMessageRequest.Builder()
            .model(request.model())
            .messages(messages)
            .maxTokens(
                request.requestedMaxTokens() != null
                    ? request.requestedMaxTokens()
                    : defaultMaxTokens)
            .system(system.isEmpty() ? null : AnthropicContent.blocks(system))
            .stopSequences(stop.isEmpty() ? null : stop)
            .stream(request.stream())
            .temperature(temperature)
            .topP(request.topP())
            .tools(tools)
            .toolChoice(toolChoice)
            .metadata(userMetadata(request.user()))
            .build();
  }

  /**
   * The name of the tool that carries a {@code json_schema} {@code response_format} on Anthropic
   * (the schema's {@code name}), or null when the request asks for no schema. The response
   * translators take it to turn that tool's input back into the answer's content.
   *
   * @throws UntranslatableException when the format is neither {@code text}, {@code json_object}
   *     nor a {@code json_schema} with a name and an object schema
   */
  public static String structuredOutputTool(OpenAiChatRequest request) {
    OpenAiResponseFormat format = request.responseFormat();
    if (format == null || format.type() == null || "text".equals(format.type())) {
      return null;
    }
    if ("json_object".equals(format.type())) {
      return null;
    }
    if (!"json_schema".equals(format.type())) {
      throw new UntranslatableException(
          "response_format.type",
          "'response_format' of type '"
              + format.type()
              + "' cannot be translated for an Anthropic model.");
    }
    OpenAiResponseFormat.JsonSchema spec = format.jsonSchema();
    if (spec == null || spec.name() == null || spec.name().isBlank()) {
      throw new UntranslatableException(
          "response_format.json_schema.name", "'response_format.json_schema.name' is required.");
    }
    JsonNode schema = spec.schema();
    if (schema == null
        || !schema.isObject()
        || !"object".equals(schema.path("type").asString(""))) {
      // Anthropic's input_schema must describe an object, as OpenAI's strict mode requires too
      throw new UntranslatableException(
          "response_format.json_schema.schema",
          "Only a schema of type 'object' can be translated for an Anthropic model.");
    }
    if (request.tools() != null) {
      for (OpenAiTool tool : request.tools()) {
        if (tool.function() != null && spec.name().equals(tool.function().name())) {
          throw new UntranslatableException(
              "response_format.json_schema.name",
              "The schema's name '" + spec.name() + "' is also the name of a tool.");
        }
      }
    }
    return spec.name();
  }

  /**
   * Anthropic has no {@code response_format}; its documented way to structured output is a tool
   * whose input schema is the wanted schema, forced with {@code tool_choice} (docs.anthropic.com,
   * "Tool use: JSON output").
   */
  private static List<AnthropicTool> withStructuredOutputTool(
      List<AnthropicTool> tools, OpenAiResponseFormat.JsonSchema spec) {
    List<AnthropicTool> result = tools == null ? new ArrayList<>() : new ArrayList<>(tools);
    String description =
        spec.description() != null && !spec.description().isBlank()
            ? spec.description()
            : "Give your answer as this tool's input, which must match its schema.";
    result.add(AnthropicTool.of(spec.name(), description, spec.schema()));
    return result;
  }

  /**
   * The schema tool is forced, unless the client offered tools of its own and may want one called
   * ({@code tool_choice} absent, {@code auto} or {@code required}): then any tool must be called,
   * the schema tool being the way to answer. A named function stays forced.
   */
  private static AnthropicToolChoice structuredToolChoice(
      JsonNode choice, boolean clientTools, Boolean parallel, String structuredTool) {
    if (choice != null && choice.isObject()) {
      return anthropicToolChoice(choice, parallel);
    }
    boolean none = choice != null && "none".equals(choice.asString(""));
    if (clientTools && !none) {
      return new AnthropicToolChoice(
          "any", null, Boolean.FALSE.equals(parallel) ? Boolean.TRUE : null, null);
    }
    return new AnthropicToolChoice("tool", structuredTool, true, null);
  }

  private static void append(
      List<AnthropicMessage> messages, String role, List<AnthropicContentBlock> blocks) {
    // Anthropic merges consecutive turns of one role; doing it here keeps tool results of parallel
    // calls in the single user turn the API documents.
    int last = messages.size() - 1;
    if (last >= 0 && messages.get(last).role().equals(role)) {
      List<AnthropicContentBlock> merged = new ArrayList<>(messages.get(last).content().asBlocks());
      merged.addAll(blocks);
      messages.set(last, AnthropicMessage.of(role, AnthropicContent.blocks(merged)));
    } else if (blocks.size() == 1
        && AnthropicContentBlock.TEXT.equals(blocks.get(0).type())
        && blocks.get(0).extra().isEmpty()) {
      messages.add(AnthropicMessage.of(role, blocks.get(0).text()));
    } else {
      messages.add(AnthropicMessage.of(role, AnthropicContent.blocks(blocks)));
    }
  }

  private static List<AnthropicContentBlock> textBlocks(OpenAiContent content, String at) {
    List<AnthropicContentBlock> blocks = new ArrayList<>();
    if (content == null) {
      return blocks;
    }
    List<OpenAiContentPart> parts = content.asParts();
    for (int i = 0; i < parts.size(); i++) {
      OpenAiContentPart part = parts.get(i);
      if (!"text".equals(part.type())) {
        throw new UntranslatableException(
            at + ".content[" + i + "]", "Only text parts are allowed here.");
      }
      blocks.add(AnthropicContentBlock.text(part.text()));
    }
    return blocks;
  }

  private static List<AnthropicContentBlock> userBlocks(OpenAiContent content, String at) {
    List<AnthropicContentBlock> blocks = new ArrayList<>();
    if (content == null) {
      return blocks;
    }
    List<OpenAiContentPart> parts = content.asParts();
    for (int i = 0; i < parts.size(); i++) {
      OpenAiContentPart part = parts.get(i);
      String partAt = at + ".content[" + i + "]";
      switch (part.type()) {
        case "text" -> blocks.add(AnthropicContentBlock.text(part.text()));
        case "image_url" ->
            blocks.add(AnthropicContentBlock.image(imageSource(part.imageUrl().url(), partAt)));
        default ->
            throw new UntranslatableException(
                partAt, "Content part '" + part.type() + "' cannot be translated for Anthropic.");
      }
    }
    return blocks;
  }

  /** {@code data:image/png;base64,AAAA} becomes a base64 source, anything else a URL source. */
  private static AnthropicContentBlock.Source imageSource(String url, String at) {
    if (url != null && url.startsWith("data:")) {
      int comma = url.indexOf(',');
      String header = comma < 0 ? "" : url.substring(5, comma);
      if (comma < 0 || !header.endsWith(";base64")) {
        throw new UntranslatableException(
            at + ".image_url.url", "Only base64 data URLs can be translated for Anthropic.");
      }
      String mediaType = header.substring(0, header.length() - ";base64".length());
      return AnthropicContentBlock.Source.base64(mediaType, url.substring(comma + 1));
    }
    return AnthropicContentBlock.Source.url(url);
  }

  private static List<AnthropicContentBlock> assistantBlocks(OpenAiMessage message, String at) {
    List<AnthropicContentBlock> blocks = new ArrayList<>();
    String text = message.text();
    if (!text.isEmpty()) {
      blocks.add(AnthropicContentBlock.text(text));
    }
    List<OpenAiToolCall> calls = message.toolCalls() == null ? List.of() : message.toolCalls();
    for (int j = 0; j < calls.size(); j++) {
      OpenAiToolCall call = calls.get(j);
      String callAt = at + ".tool_calls[" + j + "]";
      if (call.function() == null) {
        throw new UntranslatableException(callAt, "Only function tool calls can be translated.");
      }
      blocks.add(
          AnthropicContentBlock.toolUse(
              call.id(),
              call.function().name(),
              Json.parseArguments(call.function().arguments(), callAt + ".function.arguments")));
    }
    return blocks;
  }

  private static AnthropicContent toolResultContent(OpenAiContent content, String at) {
    if (content == null) {
      return AnthropicContent.text("");
    }
    if (content instanceof OpenAiContent.Text text) {
      return AnthropicContent.text(text.text());
    }
    return AnthropicContent.blocks(textBlocks(content, at));
  }

  private static List<AnthropicTool> anthropicTools(List<OpenAiTool> tools) {
    if (tools == null) {
      return null;
    }
    List<AnthropicTool> result = new ArrayList<>();
    for (int i = 0; i < tools.size(); i++) {
      OpenAiTool tool = tools.get(i);
      if (!"function".equals(tool.type()) || tool.function() == null) {
        throw new UntranslatableException(
            "tools[" + i + "]", "Only function tools can be translated for Anthropic.");
      }
      JsonNode schema = tool.function().parameters();
      if (schema == null || schema.isNull()) {
        // OpenAI allows a function without parameters; Anthropic requires an input schema.
        ObjectNode empty = Json.emptyObject();
        empty.put("type", "object");
        schema = empty;
      }
      result.add(AnthropicTool.of(tool.function().name(), tool.function().description(), schema));
    }
    return result;
  }

  private static AnthropicToolChoice anthropicToolChoice(JsonNode choice, Boolean parallel) {
    Boolean disableParallel = Boolean.FALSE.equals(parallel) ? Boolean.TRUE : null;
    if (choice == null || choice.isNull()) {
      return disableParallel == null ? null : new AnthropicToolChoice("auto", null, true, null);
    }
    if (choice.isString()) {
      String type =
          switch (choice.asString()) {
            case "none" -> "none";
            case "required" -> "any";
            default -> "auto";
          };
      return new AnthropicToolChoice(
          type, null, "none".equals(type) ? null : disableParallel, null);
    }
    String name = choice.at("/function/name").asString(null);
    if (name == null) {
      throw new UntranslatableException(
          "tool_choice", "Only a named function 'tool_choice' can be translated.");
    }
    return new AnthropicToolChoice("tool", name, disableParallel, null);
  }

  private static JsonNode userMetadata(String user) {
    if (user == null) {
      return null;
    }
    ObjectNode metadata = Json.emptyObject();
    metadata.put("user_id", user);
    return metadata;
  }

  /**
   * {@code system} becomes a leading system message, {@code tool_use} blocks become {@code
   * tool_calls} and {@code tool_result} blocks {@code tool} messages; a streaming request also asks
   * for the usage chunk, which Anthropic clients expect to receive.
   */
  public OpenAiChatRequest toOpenAi(AnthropicMessageRequest request) {
    List<OpenAiMessage> messages = new ArrayList<>();
    if (request.system() != null) {
      messages.add(
          new OpenAiMessage(
              "system", openAiText(request.system(), "system"), null, null, null, null, null));
    }
    List<AnthropicMessage> source = request.messages() == null ? List.of() : request.messages();
    for (int i = 0; i < source.size(); i++) {
      AnthropicMessage message = source.get(i);
      String at = "messages." + i;
      if ("assistant".equals(message.role())) {
        messages.add(assistantMessage(message.content(), at));
      } else {
        addUserMessages(messages, message.content(), at);
      }
    }
    JsonNode user = request.metadata() == null ? null : request.metadata().get("user_id");
    boolean stream = request.wantsStream();
    return new OpenAiChatRequest.Builder()
        .model(request.model()).messages(messages).maxCompletionTokens(request.maxTokens()).stream(
                request.stream())
            .streamOptions(stream ? OpenAiStreamOptions.withUsage() : null)
            .temperature(request.temperature())
            .topP(request.topP())
            .stop(stopNode(request.stopSequences()))
            .tools(openAiTools(request.tools()))
            .toolChoice(openAiToolChoice(request.toolChoice()))
            .parallelToolCalls(
                request.toolChoice() != null
                        && Boolean.TRUE.equals(request.toolChoice().disableParallelToolUse())
                    ? Boolean.FALSE
                    : null)
            .user(user != null && user.isString() ? user.asString() : null)
            .build();
  }

  private static OpenAiContent openAiText(AnthropicContent content, String at) {
    if (content instanceof AnthropicContent.Text text) {
      return OpenAiContent.text(text.text());
    }
    List<OpenAiContentPart> parts = new ArrayList<>();
    List<AnthropicContentBlock> blocks = blocksOf(content, at);
    for (int i = 0; i < blocks.size(); i++) {
      if (!AnthropicContentBlock.TEXT.equals(blocks.get(i).type())) {
        throw new UntranslatableException(at + "." + i, "Only text blocks are allowed here.");
      }
      parts.add(OpenAiContentPart.text(blocks.get(i).text()));
    }
    return parts.size() == 1 ? OpenAiContent.text(parts.get(0).text()) : OpenAiContent.parts(parts);
  }

  private static OpenAiMessage assistantMessage(AnthropicContent content, String at) {
    StringBuilder text = new StringBuilder();
    List<OpenAiToolCall> calls = new ArrayList<>();
    List<AnthropicContentBlock> blocks =
        content == null ? List.of() : blocksOf(content, at + ".content");
    for (int i = 0; i < blocks.size(); i++) {
      AnthropicContentBlock block = blocks.get(i);
      switch (block.type()) {
        case AnthropicContentBlock.TEXT -> text.append(block.text());
        case AnthropicContentBlock.TOOL_USE ->
            calls.add(
                OpenAiToolCall.function(
                    block.id(), block.name(), Json.writeArguments(block.input())));
        case AnthropicContentBlock.THINKING, "redacted_thinking" -> {
          // Thinking is Anthropic-only state; OpenAI models cannot take it back.
        }
        default ->
            throw new UntranslatableException(
                at + ".content." + i,
                "Content block '" + block.type() + "' cannot be translated for OpenAI.");
      }
    }
    return new OpenAiMessage(
        "assistant",
        text.isEmpty() && !calls.isEmpty() ? null : OpenAiContent.text(text.toString()),
        null,
        calls.isEmpty() ? null : calls,
        null,
        null,
        null);
  }

  /**
   * A user turn becomes its tool results as {@code tool} messages (OpenAI wants them right after
   * the assistant's calls), then one user message with the remaining content, if any.
   */
  private static void addUserMessages(
      List<OpenAiMessage> messages, AnthropicContent content, String at) {
    if (content instanceof AnthropicContent.Text text) {
      messages.add(OpenAiMessage.of("user", text.text()));
      return;
    }
    List<OpenAiContentPart> parts = new ArrayList<>();
    List<AnthropicContentBlock> blocks = blocksOf(content, at + ".content");
    for (int i = 0; i < blocks.size(); i++) {
      AnthropicContentBlock block = blocks.get(i);
      String blockAt = at + ".content." + i;
      switch (block.type()) {
        case AnthropicContentBlock.TEXT -> parts.add(OpenAiContentPart.text(block.text()));
        case AnthropicContentBlock.IMAGE ->
            parts.add(OpenAiContentPart.imageUrl(imageUrl(block.source(), blockAt), null));
        case AnthropicContentBlock.TOOL_RESULT ->
            messages.add(
                new OpenAiMessage(
                    "tool",
                    OpenAiContent.text(toolResultText(block.content(), blockAt)),
                    null,
                    null,
                    block.toolUseId(),
                    null,
                    null));
        default ->
            throw new UntranslatableException(
                blockAt, "Content block '" + block.type() + "' cannot be translated for OpenAI.");
      }
    }
    if (parts.size() == 1 && "text".equals(parts.get(0).type())) {
      messages.add(OpenAiMessage.of("user", parts.get(0).text()));
    } else if (!parts.isEmpty()) {
      messages.add(
          new OpenAiMessage("user", OpenAiContent.parts(parts), null, null, null, null, null));
    }
  }

  private static List<AnthropicContentBlock> blocksOf(AnthropicContent content, String at) {
    if (content instanceof AnthropicContent.Other) {
      throw new UntranslatableException(at, "This content cannot be translated for OpenAI.");
    }
    return content.asBlocks();
  }

  private static String imageUrl(AnthropicContentBlock.Source source, String at) {
    if (source != null && "base64".equals(source.type())) {
      return "data:" + source.mediaType() + ";base64," + source.data();
    }
    if (source != null && "url".equals(source.type())) {
      return source.url();
    }
    throw new UntranslatableException(at + ".source", "Only base64 and URL images translate.");
  }

  private static String toolResultText(AnthropicContent content, String at) {
    if (content == null) {
      return "";
    }
    if (content instanceof AnthropicContent.Text text) {
      return text.text();
    }
    List<AnthropicContentBlock> blocks = blocksOf(content, at + ".content");
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < blocks.size(); i++) {
      if (!AnthropicContentBlock.TEXT.equals(blocks.get(i).type())) {
        throw new UntranslatableException(
            at + ".content." + i, "Tool results for OpenAI can hold text only.");
      }
      text.append(blocks.get(i).text());
    }
    return text.toString();
  }

  private static JsonNode stopNode(List<String> stopSequences) {
    if (stopSequences == null || stopSequences.isEmpty()) {
      return null;
    }
    var array = JsonNodeFactory.instance.arrayNode();
    stopSequences.forEach(array::add);
    return array;
  }

  private static List<OpenAiTool> openAiTools(List<AnthropicTool> tools) {
    if (tools == null) {
      return null;
    }
    List<OpenAiTool> result = new ArrayList<>();
    for (int i = 0; i < tools.size(); i++) {
      AnthropicTool tool = tools.get(i);
      if (tool.type() != null && !"custom".equals(tool.type())) {
        throw new UntranslatableException(
            "tools." + i, "Server tool '" + tool.type() + "' cannot be translated for OpenAI.");
      }
      result.add(OpenAiTool.function(tool.name(), tool.description(), tool.inputSchema()));
    }
    return result;
  }

  private static JsonNode openAiToolChoice(AnthropicToolChoice choice) {
    if (choice == null || choice.type() == null) {
      return null;
    }
    var factory = JsonNodeFactory.instance;
    return switch (choice.type()) {
      case "any" -> factory.stringNode("required");
      case "none" -> factory.stringNode("none");
      case "tool" -> {
        ObjectNode named = factory.objectNode();
        named.put("type", "function");
        named.putObject("function").put("name", choice.name());
        yield named;
      }
      default -> factory.stringNode("auto");
    };
  }
}
