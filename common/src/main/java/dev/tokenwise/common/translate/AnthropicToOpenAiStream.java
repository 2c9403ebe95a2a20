package dev.tokenwise.common.translate;

import dev.tokenwise.common.anthropic.AnthropicContentBlock;
import dev.tokenwise.common.anthropic.AnthropicMessageResponse;
import dev.tokenwise.common.anthropic.AnthropicStreamEvent;
import dev.tokenwise.common.anthropic.AnthropicUsage;
import dev.tokenwise.common.openai.OpenAiChatChunk;
import dev.tokenwise.common.openai.OpenAiError;
import dev.tokenwise.common.openai.OpenAiToolCall;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns an Anthropic event stream into Chat Completions chunks, one event at a time. Not thread
 * safe: one instance per stream. After {@code message_stop} the caller writes {@code data: [DONE]}.
 *
 * <p>Usage: {@code message_start} carries the input side and {@code message_delta} a cumulative
 * update (Anthropic's streaming reference); when {@code includeUsage} is set, a final chunk with
 * empty {@code choices} carries it in OpenAI's shape, as {@code stream_options.include_usage}
 * promises.
 */
public final class AnthropicToOpenAiStream {

  private final boolean includeUsage;
  private final long created;
  private final Map<Integer, Integer> toolCallByBlock = new HashMap<>();
  private String id;
  private String model;
  private AnthropicUsage usage;
  private String finishReason;
  private final String structuredTool;
  private Integer structuredBlock;
  private boolean structuredSeen;

  public AnthropicToOpenAiStream(Clock clock, boolean includeUsage) {
    this(clock, includeUsage, null);
  }

  /**
   * For a request whose {@code json_schema} became the tool {@code structuredTool} ({@link
   * RequestTranslator#structuredOutputTool}; null for none): that tool's {@code input_json_delta}
   * fragments stream as content deltas and the answer finishes with {@code stop}, as in {@link
   * ResponseTranslator#toOpenAi(AnthropicMessageResponse, String)}.
   */
  public AnthropicToOpenAiStream(Clock clock, boolean includeUsage, String structuredTool) {
    this.includeUsage = includeUsage;
    this.created = clock.instant().getEpochSecond();
    this.structuredTool = structuredTool;
  }

  /** The chunks this event becomes; often none ({@code ping}, block stops). */
  public List<OpenAiChatChunk> accept(AnthropicStreamEvent event) {
    if (event instanceof AnthropicStreamEvent.MessageStart start) {
      AnthropicMessageResponse message = start.message();
      if (message != null) {
        id = message.id();
        model = message.model();
        usage = message.usage();
      }
      return List.of(chunk(new OpenAiChatChunk.Delta("assistant", "", null, null, null), null));
    }
    if (event instanceof AnthropicStreamEvent.ContentBlockStart start) {
      AnthropicContentBlock block = start.contentBlock();
      if (block != null
          && AnthropicContentBlock.TOOL_USE.equals(block.type())
          && !structuredSeen
          && structuredTool != null
          && structuredTool.equals(block.name())) {
        structuredSeen = true;
        structuredBlock = start.index();
        return List.of();
      }
      if (block != null && AnthropicContentBlock.TOOL_USE.equals(block.type())) {
        int callIndex = toolCallByBlock.size();
        toolCallByBlock.put(start.index(), callIndex);
        OpenAiToolCall call =
            new OpenAiToolCall(
                callIndex,
                block.id(),
                "function",
                new OpenAiToolCall.Function(block.name(), "", null),
                null);
        return List.of(
            chunk(new OpenAiChatChunk.Delta(null, null, List.of(call), null, null), null));
      }
      if (block != null
          && AnthropicContentBlock.TEXT.equals(block.type())
          && block.text() != null
          && !block.text().isEmpty()) {
        return List.of(textChunk(block.text()));
      }
      return List.of();
    }
    if (event instanceof AnthropicStreamEvent.ContentBlockDelta delta && delta.delta() != null) {
      AnthropicStreamEvent.Delta d = delta.delta();
      if (AnthropicStreamEvent.Delta.TEXT.equals(d.type()) && d.text() != null) {
        return List.of(textChunk(d.text()));
      }
      if (AnthropicStreamEvent.Delta.INPUT_JSON.equals(d.type())
          && structuredSeen
          && Objects.equals(structuredBlock, delta.index())) {
        return d.partialJson() == null || d.partialJson().isEmpty()
            ? List.of()
            : List.of(textChunk(d.partialJson()));
      }
      Integer callIndex = toolCallByBlock.get(delta.index());
      if (AnthropicStreamEvent.Delta.INPUT_JSON.equals(d.type()) && callIndex != null) {
        OpenAiToolCall fragment =
            new OpenAiToolCall(
                callIndex,
                null,
                null,
                new OpenAiToolCall.Function(null, d.partialJson(), null),
                null);
        return List.of(
            chunk(new OpenAiChatChunk.Delta(null, null, List.of(fragment), null, null), null));
      }
      return List.of();
    }
    if (event instanceof AnthropicStreamEvent.MessageDelta delta) {
      usage = usage == null ? delta.usage() : usage.mergedWith(delta.usage());
      if (delta.stopReason() != null) {
        finishReason = FinishReasons.toOpenAi(delta.stopReason());
        if (structuredSeen && toolCallByBlock.isEmpty() && "tool_calls".equals(finishReason)) {
          finishReason = "stop";
        }
        return List.of(
            chunk(new OpenAiChatChunk.Delta(null, null, null, null, null), finishReason));
      }
      return List.of();
    }
    if (event instanceof AnthropicStreamEvent.MessageStop) {
      if (!includeUsage || usage == null) {
        return List.of();
      }
      return List.of(
          new OpenAiChatChunk(
              id,
              OpenAiChatChunk.OBJECT,
              created,
              model,
              List.of(),
              UsageTranslator.toOpenAi(usage),
              null,
              null,
              null,
              null));
    }
    if (event instanceof AnthropicStreamEvent.Error error) {
      String type = error.error() == null ? null : error.error().type();
      String message = error.error() == null ? null : error.error().message();
      return List.of(
          new OpenAiChatChunk(
              id,
              OpenAiChatChunk.OBJECT,
              created,
              model,
              null,
              null,
              null,
              null,
              new OpenAiError.Body(message, openAiErrorType(type), null, type, null),
              null));
    }
    return List.of();
  }

  /** Usage so far in Anthropic's shape (complete after {@code message_delta}), or null. */
  public AnthropicUsage usage() {
    return usage;
  }

  /** Usage so far, normalised. */
  public NormalizedUsage normalizedUsage() {
    return NormalizedUsage.from(usage);
  }

  /** The OpenAI finish reason once {@code message_delta} arrived, else null. */
  public String finishReason() {
    return finishReason;
  }

  private OpenAiChatChunk textChunk(String text) {
    return chunk(new OpenAiChatChunk.Delta(null, text, null, null, null), null);
  }

  private OpenAiChatChunk chunk(OpenAiChatChunk.Delta delta, String finish) {
    return new OpenAiChatChunk(
        id,
        OpenAiChatChunk.OBJECT,
        created,
        model,
        List.of(new OpenAiChatChunk.Choice(0, delta, finish, null, null)),
        null,
        null,
        null,
        null,
        null);
  }

  private static String openAiErrorType(String anthropicType) {
    if (anthropicType == null) {
      return OpenAiError.SERVER;
    }
    return switch (anthropicType) {
      case "invalid_request_error",
          "authentication_error",
          "permission_error",
          "not_found_error",
          "rate_limit_error" ->
          anthropicType;
      default -> OpenAiError.SERVER;
    };
  }
}
