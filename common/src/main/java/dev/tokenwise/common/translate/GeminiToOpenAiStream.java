package dev.tokenwise.common.translate;

import dev.tokenwise.common.gemini.GeminiContent;
import dev.tokenwise.common.gemini.GeminiGenerateContentResponse;
import dev.tokenwise.common.gemini.GeminiPart;
import dev.tokenwise.common.gemini.GeminiUsageMetadata;
import dev.tokenwise.common.openai.OpenAiChatChunk;
import dev.tokenwise.common.openai.OpenAiToolCall;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns Gemini's {@code streamGenerateContent?alt=sse} chunks into Chat Completions chunks, one at
 * a time, and {@link #finish()} when the upstream ends (Gemini sends no end marker). Not thread
 * safe: one instance per stream. After {@code finish()} the caller writes {@code data: [DONE]}.
 *
 * <p>Each Gemini chunk's text is a delta; a {@code functionCall} arrives whole in one chunk. The
 * last chunk carries {@code finishReason} and the complete {@code usageMetadata} (earlier ones may
 * carry partial counts: the last one seen wins); with {@code includeUsage} it becomes OpenAI's
 * final {@code choices: []} usage chunk.
 */
public final class GeminiToOpenAiStream {

  private final boolean includeUsage;
  private final long created;
  private final String model;
  private String id;
  private String servedModel;
  private boolean started;
  private boolean finished;
  private int toolCalls;
  private GeminiUsageMetadata usage;
  private String finishReason;

  /** {@code model} names the model when the chunks carry no {@code modelVersion}. */
  public GeminiToOpenAiStream(Clock clock, boolean includeUsage, String model) {
    this.includeUsage = includeUsage;
    this.created = clock.instant().getEpochSecond();
    this.model = model;
  }

  /** The chunks this Gemini chunk becomes (the first also opens the assistant message). */
  public List<OpenAiChatChunk> accept(GeminiGenerateContentResponse chunk) {
    List<OpenAiChatChunk> out = new ArrayList<>();
    if (finished) {
      return out;
    }
    if (id == null) {
      id = GeminiResponseTranslator.chatId(chunk.responseId());
    }
    if (chunk.modelVersion() != null) {
      servedModel = chunk.modelVersion();
    }
    if (!started) {
      started = true;
      out.add(chunk(new OpenAiChatChunk.Delta("assistant", "", null, null, null), null));
    }
    if (chunk.usageMetadata() != null) {
      usage = chunk.usageMetadata();
    }
    GeminiGenerateContentResponse.Candidate candidate =
        chunk.candidates() == null || chunk.candidates().isEmpty()
            ? null
            : chunk.candidates().get(0);
    GeminiContent content = candidate == null ? null : candidate.content();
    if (content != null && content.parts() != null) {
      for (GeminiPart part : content.parts()) {
        if (part.functionCall() != null) {
          OpenAiToolCall call =
              new OpenAiToolCall(
                  toolCalls,
                  GeminiResponseTranslator.callId(part.functionCall().id(), 0, toolCalls),
                  "function",
                  new OpenAiToolCall.Function(
                      part.functionCall().name(),
                      Json.writeArguments(part.functionCall().args()),
                      null),
                  null);
          toolCalls++;
          out.add(chunk(new OpenAiChatChunk.Delta(null, null, List.of(call), null, null), null));
        } else if (part.text() != null && !part.text().isEmpty() && !part.isThought()) {
          out.add(chunk(new OpenAiChatChunk.Delta(null, part.text(), null, null, null), null));
        }
      }
    }
    if (candidate != null && candidate.finishReason() != null) {
      finishReason = GeminiResponseTranslator.finishReason(candidate.finishReason(), toolCalls > 0);
      out.add(chunk(new OpenAiChatChunk.Delta(null, null, null, null, null), finishReason));
    } else if (candidate == null && chunk.blockReason() != null) {
      finishReason = "content_filter";
      out.add(chunk(new OpenAiChatChunk.Delta(null, null, null, null, null), finishReason));
    }
    return out;
  }

  /** The usage chunk (when asked for and known); nothing after this is accepted. */
  public List<OpenAiChatChunk> finish() {
    if (finished) {
      return List.of();
    }
    finished = true;
    if (!includeUsage || usage == null) {
      return List.of();
    }
    return List.of(
        new OpenAiChatChunk(
            id,
            OpenAiChatChunk.OBJECT,
            created,
            servedModel != null ? servedModel : model,
            List.of(),
            GeminiResponseTranslator.toOpenAi(usage),
            null,
            null,
            null,
            null));
  }

  /** Usage so far, normalised (zero before any count arrived). */
  public NormalizedUsage normalizedUsage() {
    return NormalizedUsage.from(usage);
  }

  /** The OpenAI finish reason once the last chunk arrived, else null. */
  public String finishReason() {
    return finishReason;
  }

  private OpenAiChatChunk chunk(OpenAiChatChunk.Delta delta, String finish) {
    return new OpenAiChatChunk(
        id,
        OpenAiChatChunk.OBJECT,
        created,
        servedModel != null ? servedModel : model,
        List.of(new OpenAiChatChunk.Choice(0, delta, finish, null, null)),
        null,
        null,
        null,
        null,
        null);
  }
}
