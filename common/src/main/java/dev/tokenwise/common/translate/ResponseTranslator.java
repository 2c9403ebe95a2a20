package dev.tokenwise.common.translate;

import dev.tokenwise.common.anthropic.AnthropicContentBlock;
import dev.tokenwise.common.anthropic.AnthropicMessageResponse;
import dev.tokenwise.common.openai.OpenAiChatResponse;
import dev.tokenwise.common.openai.OpenAiContent;
import dev.tokenwise.common.openai.OpenAiMessage;
import dev.tokenwise.common.openai.OpenAiToolCall;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** Translates a complete (non-streamed) response between the two formats. */
public final class ResponseTranslator {

  private final Clock clock;

  /** {@code clock} stamps {@code created}, which Anthropic responses do not carry. */
  public ResponseTranslator(Clock clock) {
    this.clock = clock;
  }

  /**
   * Text blocks are joined into {@code content}, {@code tool_use} blocks become {@code tool_calls}
   * with the input as a JSON string, thinking blocks are left out (Chat Completions has no place
   * for them), and usage is widened to include cached tokens.
   */
  public OpenAiChatResponse toOpenAi(AnthropicMessageResponse response) {
    return toOpenAi(response, null);
  }

  /**
   * As {@link #toOpenAi(AnthropicMessageResponse)}, for a request whose {@code json_schema} became
   * the tool {@code structuredTool} ({@link RequestTranslator#structuredOutputTool}): that tool's
   * input is the answer, so it becomes {@code content} (a JSON string, any text beside it dropped)
   * and {@code finish_reason} {@code stop}, as OpenAI answers a schema request.
   */
  public OpenAiChatResponse toOpenAi(AnthropicMessageResponse response, String structuredTool) {
    StringBuilder text = new StringBuilder();
    String structured = null;
    List<OpenAiToolCall> calls = new ArrayList<>();
    List<AnthropicContentBlock> content =
        response.content() == null ? List.of() : response.content();
    for (AnthropicContentBlock block : content) {
      if (AnthropicContentBlock.TEXT.equals(block.type()) && block.text() != null) {
        text.append(block.text());
      } else if (AnthropicContentBlock.TOOL_USE.equals(block.type())) {
        if (structured == null && structuredTool != null && structuredTool.equals(block.name())) {
          structured = Json.writeArguments(block.input());
        } else {
          calls.add(
              OpenAiToolCall.function(
                  block.id(), block.name(), Json.writeArguments(block.input())));
        }
      }
    }
    String finishReason = FinishReasons.toOpenAi(response.stopReason());
    if (structured != null) {
      text.setLength(0);
      text.append(structured);
      if (calls.isEmpty() && "tool_calls".equals(finishReason)) {
        finishReason = "stop";
      }
    }
    OpenAiMessage message =
        new OpenAiMessage(
            "assistant",
            text.isEmpty() && !calls.isEmpty() ? null : OpenAiContent.text(text.toString()),
            null,
            calls.isEmpty() ? null : calls,
            null,
            null,
            null);
    return new OpenAiChatResponse(
        response.id(),
        OpenAiChatResponse.OBJECT,
        clock.instant().getEpochSecond(),
        response.model(),
        List.of(new OpenAiChatResponse.Choice(0, message, finishReason, null, null)),
        UsageTranslator.toOpenAi(response.usage()),
        null,
        null,
        null);
  }

  /**
   * The first choice becomes the message: text (or a refusal) as a text block, then one {@code
   * tool_use} block per tool call with its arguments parsed into an object.
   */
  public AnthropicMessageResponse toAnthropic(OpenAiChatResponse response) {
    List<AnthropicContentBlock> blocks = new ArrayList<>();
    String finishReason = null;
    if (response.choices() != null && !response.choices().isEmpty()) {
      OpenAiChatResponse.Choice choice = response.choices().get(0);
      finishReason = choice.finishReason();
      OpenAiMessage message = choice.message();
      if (message != null) {
        String text = message.text();
        if (text.isEmpty() && message.refusal() != null) {
          text = message.refusal();
          finishReason = "content_filter";
        }
        if (!text.isEmpty()) {
          blocks.add(AnthropicContentBlock.text(text));
        }
        List<OpenAiToolCall> calls = message.toolCalls() == null ? List.of() : message.toolCalls();
        for (int i = 0; i < calls.size(); i++) {
          OpenAiToolCall call = calls.get(i);
          String at = "choices[0].message.tool_calls[" + i + "].function.arguments";
          blocks.add(
              AnthropicContentBlock.toolUse(
                  call.id(),
                  call.function().name(),
                  Json.parseArguments(call.function().arguments(), at)));
        }
      }
    }
    return new AnthropicMessageResponse(
        response.id(),
        AnthropicMessageResponse.TYPE,
        "assistant",
        response.model(),
        blocks,
        FinishReasons.toAnthropic(finishReason),
        null,
        UsageTranslator.toAnthropic(response.usage()),
        null);
  }
}
