package dev.tokenwise.common.translate;

import dev.tokenwise.common.gemini.GeminiContent;
import dev.tokenwise.common.gemini.GeminiGenerateContentResponse;
import dev.tokenwise.common.gemini.GeminiPart;
import dev.tokenwise.common.openai.OpenAiChatChunk;
import dev.tokenwise.common.openai.OpenAiToolCall;
import dev.tokenwise.common.openai.OpenAiUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns Chat Completions chunks into Gemini {@code streamGenerateContent} chunks, one at a time,
 * and {@link #finish()} at {@code data: [DONE]} (or when the upstream ends). Not thread safe: one
 * instance per stream. Text deltas pass as text parts at once; tool-call fragments are gathered and
 * sent as whole {@code functionCall} parts with the last chunk, which also carries {@code
 * finishReason} and the usage (OpenAI's usage chunk comes after the finish reason, so the last
 * Gemini chunk waits for it).
 */
public final class OpenAiToGeminiStream {

  private final Map<Integer, String[]> toolCalls = new TreeMap<>();
  private String id;
  private String model;
  private String finishReason;
  private OpenAiUsage usage;
  private boolean finished;

  /** The Gemini chunks this chunk becomes (text at once; the rest waits for {@link #finish()}). */
  public List<GeminiGenerateContentResponse> accept(OpenAiChatChunk chunk) {
    List<GeminiGenerateContentResponse> out = new ArrayList<>();
    if (finished) {
      return out;
    }
    id = id == null ? chunk.id() : id;
    model = chunk.model() != null ? chunk.model() : model;
    if (chunk.usage() != null) {
      usage = chunk.usage();
    }
    if (chunk.choices() == null || chunk.choices().isEmpty()) {
      return out;
    }
    OpenAiChatChunk.Choice choice = chunk.choices().get(0);
    OpenAiChatChunk.Delta delta = choice.delta();
    if (delta != null) {
      String text = delta.content() != null ? delta.content() : delta.refusal();
      if (text != null && !text.isEmpty()) {
        out.add(response(List.of(GeminiPart.text(text)), null, false));
      }
      if (delta.toolCalls() != null) {
        for (OpenAiToolCall call : delta.toolCalls()) {
          int index = call.index() == null ? toolCalls.size() : call.index();
          String[] gathered = toolCalls.computeIfAbsent(index, i -> new String[] {null, null, ""});
          if (call.id() != null) {
            gathered[0] = call.id();
          }
          if (call.function() != null) {
            if (call.function().name() != null) {
              gathered[1] = call.function().name();
            }
            if (call.function().arguments() != null) {
              gathered[2] += call.function().arguments();
            }
          }
        }
      }
    }
    if (choice.finishReason() != null) {
      finishReason = GeminiResponseTranslator.geminiFinishReason(choice.finishReason());
    }
    return out;
  }

  /** The last chunk: gathered function calls, {@code finishReason} and usage. */
  public List<GeminiGenerateContentResponse> finish() {
    if (finished) {
      return List.of();
    }
    finished = true;
    List<GeminiPart> parts = new ArrayList<>();
    for (Map.Entry<Integer, String[]> call : toolCalls.entrySet()) {
      String[] gathered = call.getValue();
      parts.add(
          GeminiPart.functionCall(
              gathered[0],
              gathered[1],
              Json.parseArguments(gathered[2], "tool_calls[" + call.getKey() + "].arguments")));
    }
    if (parts.isEmpty()) {
      parts.add(GeminiPart.text(""));
    }
    return List.of(response(parts, finishReason == null ? "STOP" : finishReason, true));
  }

  /** Usage so far, normalised. */
  public NormalizedUsage normalizedUsage() {
    return NormalizedUsage.from(usage);
  }

  private GeminiGenerateContentResponse response(
      List<GeminiPart> parts, String finish, boolean last) {
    return new GeminiGenerateContentResponse(
        List.of(
            new GeminiGenerateContentResponse.Candidate(
                GeminiContent.of(GeminiContent.MODEL, parts), finish, 0, null)),
        null,
        last ? GeminiResponseTranslator.toGemini(usage) : null,
        model,
        id,
        null);
  }
}
