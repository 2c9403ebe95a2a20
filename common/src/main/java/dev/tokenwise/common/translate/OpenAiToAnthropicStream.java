package dev.tokenwise.common.translate;

import dev.tokenwise.common.anthropic.AnthropicContentBlock;
import dev.tokenwise.common.anthropic.AnthropicMessageResponse;
import dev.tokenwise.common.anthropic.AnthropicStreamEvent;
import dev.tokenwise.common.anthropic.AnthropicUsage;
import dev.tokenwise.common.openai.OpenAiChatChunk;
import dev.tokenwise.common.openai.OpenAiToolCall;
import dev.tokenwise.common.openai.OpenAiUsage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns Chat Completions chunks into an Anthropic event stream, one chunk at a time, and {@link
 * #finish()} at {@code data: [DONE]} (or when the upstream ends). Not thread safe: one instance per
 * stream.
 *
 * <p>OpenAI reports usage only at the end (with {@code stream_options.include_usage}), so {@code
 * message_start} carries zero counts and the final {@code message_delta} carries the full usage,
 * input side included, which Anthropic's cumulative {@code message_delta.usage} allows.
 */
public final class OpenAiToAnthropicStream {

  private final List<AnthropicStreamEvent> pending = new ArrayList<>();
  private final Map<Integer, Integer> blockByToolCall = new HashMap<>();
  private boolean started;
  private boolean finished;
  private int nextBlock;
  private Integer openBlock;
  private boolean openBlockIsText;
  private String finishReason;
  private OpenAiUsage usage;

  /** The events this chunk becomes. */
  public List<AnthropicStreamEvent> accept(OpenAiChatChunk chunk) {
    if (finished) {
      return List.of();
    }
    start(chunk.id(), chunk.model());
    if (chunk.error() != null) {
      pending.add(
          new AnthropicStreamEvent.Error(
              anthropicErrorType(chunk.error().type()), chunk.error().message()));
    }
    if (chunk.usage() != null) {
      usage = chunk.usage();
    }
    if (chunk.choices() != null && !chunk.choices().isEmpty()) {
      OpenAiChatChunk.Choice choice = chunk.choices().get(0);
      OpenAiChatChunk.Delta delta = choice.delta();
      if (delta != null) {
        String text = delta.content() != null ? delta.content() : delta.refusal();
        if (text != null && !text.isEmpty()) {
          if (openBlock == null || !openBlockIsText) {
            openBlock(AnthropicContentBlock.text(""), true);
          }
          pending.add(
              new AnthropicStreamEvent.ContentBlockDelta(
                  openBlock, AnthropicStreamEvent.Delta.text(text)));
        }
        if (delta.toolCalls() != null) {
          for (OpenAiToolCall call : delta.toolCalls()) {
            toolCallFragment(call);
          }
        }
      }
      if (choice.finishReason() != null) {
        finishReason = choice.finishReason();
        closeBlock();
      }
    }
    return drain();
  }

  /** Closes the message: the last block's stop, {@code message_delta} and {@code message_stop}. */
  public List<AnthropicStreamEvent> finish() {
    if (finished) {
      return List.of();
    }
    start(null, null);
    closeBlock();
    AnthropicUsage total = UsageTranslator.toAnthropic(usage);
    pending.add(
        new AnthropicStreamEvent.MessageDelta(
            FinishReasons.toAnthropic(finishReason == null ? "stop" : finishReason),
            null,
            total != null ? total : AnthropicUsage.of(0, 0, 0, 0)));
    pending.add(new AnthropicStreamEvent.MessageStop());
    finished = true;
    return drain();
  }

  /** The last usage the upstream reported, or null (no {@code include_usage} chunk yet). */
  public OpenAiUsage usage() {
    return usage;
  }

  /** Usage so far, normalised. */
  public NormalizedUsage normalizedUsage() {
    return NormalizedUsage.from(usage);
  }

  private void start(String id, String model) {
    if (started) {
      return;
    }
    started = true;
    pending.add(
        new AnthropicStreamEvent.MessageStart(
            new AnthropicMessageResponse(
                id,
                AnthropicMessageResponse.TYPE,
                "assistant",
                model,
                List.of(),
                null,
                null,
                AnthropicUsage.of(0, 0, 0, 0),
                null)));
  }

  private void toolCallFragment(OpenAiToolCall call) {
    int callIndex = call.index() == null ? 0 : call.index();
    Integer block = blockByToolCall.get(callIndex);
    if (block == null) {
      String name = call.function() == null ? null : call.function().name();
      block = openBlock(AnthropicContentBlock.toolUse(call.id(), name, Json.emptyObject()), false);
      blockByToolCall.put(callIndex, block);
    }
    String arguments = call.function() == null ? null : call.function().arguments();
    if (arguments != null && !arguments.isEmpty()) {
      pending.add(
          new AnthropicStreamEvent.ContentBlockDelta(
              block, AnthropicStreamEvent.Delta.inputJson(arguments)));
    }
  }

  private int openBlock(AnthropicContentBlock block, boolean text) {
    closeBlock();
    int index = nextBlock++;
    pending.add(new AnthropicStreamEvent.ContentBlockStart(index, block));
    openBlock = index;
    openBlockIsText = text;
    return index;
  }

  private void closeBlock() {
    if (openBlock != null) {
      pending.add(new AnthropicStreamEvent.ContentBlockStop(openBlock));
      openBlock = null;
    }
  }

  private List<AnthropicStreamEvent> drain() {
    List<AnthropicStreamEvent> out = List.copyOf(pending);
    pending.clear();
    return out;
  }

  private static String anthropicErrorType(String openAiType) {
    if (openAiType == null) {
      return "api_error";
    }
    return switch (openAiType) {
      case "invalid_request_error",
          "authentication_error",
          "permission_error",
          "not_found_error",
          "rate_limit_error" ->
          openAiType;
      default -> "api_error";
    };
  }
}
