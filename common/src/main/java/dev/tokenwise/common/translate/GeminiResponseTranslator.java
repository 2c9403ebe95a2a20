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
 * Translates Gemini answers, usage and errors into Chat Completions shapes. Thought parts are left
 * out (Chat Completions has no place for them); their tokens stay in the usage as reasoning tokens.
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

  static String chatId(String responseId) {
    return "chatcmpl-" + (responseId != null ? responseId : UUID.randomUUID().toString());
  }

  /** Gemini 2.5 sends no call ids; OpenAI clients need one to answer the call. */
  static String callId(String id, int candidate, int call) {
    return id != null ? id : "call_" + candidate + "_" + call;
  }
}
