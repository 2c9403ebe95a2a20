package dev.tokenwise.common.translate;

import dev.tokenwise.common.gemini.GeminiContent;
import dev.tokenwise.common.gemini.GeminiError;
import dev.tokenwise.common.gemini.GeminiGenerateContentResponse;
import dev.tokenwise.common.gemini.GeminiPart;
import dev.tokenwise.common.gemini.GeminiUsageMetadata;
import dev.tokenwise.common.openai.OpenAiChatResponse;
import dev.tokenwise.common.openai.OpenAiContent;
import dev.tokenwise.common.openai.OpenAiError;
import dev.tokenwise.common.openai.OpenAiMessage;
import dev.tokenwise.common.openai.OpenAiToolCall;
import dev.tokenwise.common.openai.OpenAiUsage;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Translates Gemini answers, usage and errors into Chat Completions shapes, and answers back.
 * Thought parts are left out (Chat Completions has no place for them); their tokens stay in the
 * usage as reasoning tokens.
 */
public final class GeminiResponseTranslator {

  private final Clock clock;

  /** {@code clock} stamps {@code created}, which Gemini responses do not carry. */
  public GeminiResponseTranslator(Clock clock) {
    this.clock = clock;
  }

  /**
   * Each candidate becomes a choice: text parts joined into {@code content}, {@code functionCall}
   * parts into {@code tool_calls} (arguments as a JSON string). A prompt blocked before any
   * candidate becomes one empty choice with {@code finish_reason: content_filter}. {@code model}
   * names the model when the response carries no {@code modelVersion}.
   */
  public OpenAiChatResponse toOpenAi(GeminiGenerateContentResponse response, String model) {
    List<OpenAiChatResponse.Choice> choices = new ArrayList<>();
    List<GeminiGenerateContentResponse.Candidate> candidates =
        response.candidates() == null ? List.of() : response.candidates();
    for (int i = 0; i < candidates.size(); i++) {
      GeminiGenerateContentResponse.Candidate candidate = candidates.get(i);
      GeminiContent content = candidate.content();
      List<OpenAiToolCall> calls = new ArrayList<>();
      if (content != null && content.parts() != null) {
        for (GeminiPart part : content.parts()) {
          if (part.functionCall() != null) {
            calls.add(
                OpenAiToolCall.function(
                    callId(part.functionCall().id(), i, calls.size()),
                    part.functionCall().name(),
                    Json.writeArguments(part.functionCall().args())));
          }
        }
      }
      String text = content == null ? "" : content.text();
      OpenAiMessage message =
          new OpenAiMessage(
              "assistant",
              text.isEmpty() && !calls.isEmpty() ? null : OpenAiContent.text(text),
              null,
              calls.isEmpty() ? null : calls,
              null,
              null,
              null);
      int index = candidate.index() == null ? i : candidate.index();
      choices.add(
          new OpenAiChatResponse.Choice(
              index,
              message,
              finishReason(candidate.finishReason(), !calls.isEmpty()),
              null,
              null));
    }
    if (choices.isEmpty()) {
      choices.add(
          new OpenAiChatResponse.Choice(
              0,
              OpenAiMessage.of("assistant", ""),
              response.blockReason() != null ? "content_filter" : "stop",
              null,
              null));
    }
    return new OpenAiChatResponse(
        chatId(response.responseId()),
        OpenAiChatResponse.OBJECT,
        clock.instant().getEpochSecond(),
        response.modelVersion() != null ? response.modelVersion() : model,
        choices,
        toOpenAi(response.usageMetadata()),
        null,
        null,
        null);
  }

  /**
   * {@code prompt_tokens = promptTokenCount + toolUsePromptTokenCount} (cached included, as OpenAI
   * counts), {@code cached_tokens = cachedContentTokenCount}, {@code completion_tokens =
   * candidatesTokenCount + thoughtsTokenCount} with the thoughts as {@code reasoning_tokens}
   * (OpenAI counts reasoning inside completion tokens; Gemini does not).
   */
  public static OpenAiUsage toOpenAi(GeminiUsageMetadata usage) {
    if (usage == null) {
      return null;
    }
    NormalizedUsage normalized = NormalizedUsage.from(usage);
    return OpenAiUsage.of(
        normalized.inputTokens(),
        normalized.cachedInputTokens(),
        0,
        normalized.outputTokens(),
        normalized.reasoningTokens());
  }

  /**
   * Gemini's {@code finishReason} as OpenAI's: {@code STOP} is {@code stop} ({@code tool_calls}
   * when the candidate calls functions), {@code MAX_TOKENS} is {@code length}, the safety family
   * ({@code SAFETY}, {@code RECITATION}, {@code BLOCKLIST}, {@code PROHIBITED_CONTENT}, {@code
   * SPII}, {@code IMAGE_SAFETY}) is {@code content_filter}; null stays null.
   */
  public static String finishReason(String geminiReason, boolean calledFunctions) {
    if (geminiReason == null) {
      return null;
    }
    if (calledFunctions) {
      return "tool_calls";
    }
    return switch (geminiReason) {
      case "MAX_TOKENS" -> "length";
      case "SAFETY",
          "RECITATION",
          "BLOCKLIST",
          "PROHIBITED_CONTENT",
          "SPII",
          "IMAGE_SAFETY",
          "IMAGE_PROHIBITED_CONTENT" ->
          "content_filter";
      default -> "stop";
    };
  }

  /**
   * Google's error envelope as OpenAI's, keeping the message and mapping the canonical status to
   * the error type OpenAI's SDKs know.
   */
  public static OpenAiError toOpenAi(GeminiError error) {
    GeminiError.Body body = error.error();
    String status = body.status() == null ? "" : body.status();
    String type =
        switch (status) {
          case GeminiError.INVALID_ARGUMENT, GeminiError.FAILED_PRECONDITION, "OUT_OF_RANGE" ->
              OpenAiError.INVALID_REQUEST;
          case GeminiError.UNAUTHENTICATED -> OpenAiError.AUTHENTICATION;
          case GeminiError.PERMISSION_DENIED -> OpenAiError.PERMISSION;
          case GeminiError.NOT_FOUND -> OpenAiError.NOT_FOUND;
          case GeminiError.RESOURCE_EXHAUSTED -> OpenAiError.RATE_LIMIT;
          default -> OpenAiError.SERVER;
        };
    String code =
        GeminiError.RESOURCE_EXHAUSTED.equals(status)
            ? "rate_limit_exceeded"
            : status.isEmpty() ? null : status.toLowerCase(java.util.Locale.ROOT);
    return OpenAiError.of(body.message(), type, null, code);
  }

  /**
   * The other way: a {@code chat.completion} as a {@code GenerateContentResponse}. Each choice
   * becomes a candidate with its text and {@code functionCall} parts (arguments parsed into {@code
   * args}); usage as {@link #toGemini(OpenAiUsage)}.
   */
  public GeminiGenerateContentResponse toGemini(OpenAiChatResponse response) {
    List<GeminiGenerateContentResponse.Candidate> candidates = new ArrayList<>();
    List<OpenAiChatResponse.Choice> choices =
        response.choices() == null ? List.of() : response.choices();
    for (int i = 0; i < choices.size(); i++) {
      OpenAiChatResponse.Choice choice = choices.get(i);
      List<GeminiPart> parts = new ArrayList<>();
      OpenAiMessage message = choice.message();
      if (message != null) {
        String text =
            message.text().isEmpty() && message.refusal() != null
                ? message.refusal()
                : message.text();
        if (!text.isEmpty()) {
          parts.add(GeminiPart.text(text));
        }
        List<OpenAiToolCall> calls = message.toolCalls() == null ? List.of() : message.toolCalls();
        for (int j = 0; j < calls.size(); j++) {
          OpenAiToolCall call = calls.get(j);
          parts.add(
              GeminiPart.functionCall(
                  call.id(),
                  call.function().name(),
                  Json.parseArguments(
                      call.function().arguments(),
                      "choices[" + i + "].message.tool_calls[" + j + "].function.arguments")));
        }
      }
      if (parts.isEmpty()) {
        parts.add(GeminiPart.text(""));
      }
      candidates.add(
          new GeminiGenerateContentResponse.Candidate(
              GeminiContent.of(GeminiContent.MODEL, parts),
              geminiFinishReason(choice.finishReason()),
              choice.index() == null ? i : choice.index(),
              null));
    }
    return new GeminiGenerateContentResponse(
        candidates, null, toGemini(response.usage()), response.model(), response.id(), null);
  }

  /**
   * {@code promptTokenCount = prompt_tokens} (both include cached tokens), {@code
   * cachedContentTokenCount = cached_tokens}; the reasoning tokens leave {@code completion_tokens}
   * for {@code thoughtsTokenCount}, as Gemini counts them apart.
   */
  public static GeminiUsageMetadata toGemini(OpenAiUsage usage) {
    if (usage == null) {
      return null;
    }
    long output = usage.completionTokensOrZero();
    long reasoning = Math.min(usage.reasoningTokens(), output);
    return GeminiUsageMetadata.of(
        usage.promptTokensOrZero(),
        Math.min(usage.cachedTokens(), usage.promptTokensOrZero()),
        output - reasoning,
        reasoning);
  }

  /** OpenAI's {@code finish_reason} as Gemini's; null stays null. */
  public static String geminiFinishReason(String finishReason) {
    if (finishReason == null) {
      return null;
    }
    return switch (finishReason) {
      case "length" -> "MAX_TOKENS";
      case "content_filter" -> "SAFETY";
      default -> "STOP";
    };
  }

  static String chatId(String responseId) {
    return "chatcmpl-" + (responseId != null ? responseId : UUID.randomUUID().toString());
  }

  /** Gemini 2.5 sends no call ids; OpenAI clients need one to answer the call. */
  static String callId(String id, int candidate, int call) {
    return id != null ? id : "call_" + candidate + "_" + call;
  }
}
