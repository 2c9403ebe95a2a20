package dev.tokenwise.router.pipeline;

import dev.tokenwise.common.openai.OpenAiChatChunk;
import dev.tokenwise.common.openai.OpenAiChatResponse;
import dev.tokenwise.common.openai.OpenAiMessage;
import dev.tokenwise.common.openai.OpenAiToolCall;
import dev.tokenwise.common.openai.OpenAiUsage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A stored {@code chat.completion} replayed as the server-sent events OpenAI sends for {@code
 * "stream": true}: per choice a first chunk with the role, one chunk with the text (a cached answer
 * has no reason to trickle), one per tool call, then a chunk with the finish reason; with {@code
 * stream_options.include_usage} a last chunk with empty {@code choices} and the usage; then {@code
 * data: [DONE]}. Every chunk carries the stored answer's id, created time and model, as a streamed
 * answer's chunks share them.
 */
final class CachedCompletionStream {

  private CachedCompletionStream() {}

  /** The whole event stream, as bytes ready to send. */
  static byte[] events(JsonNode completion, boolean includeUsage, JsonMapper json) {
    OpenAiChatResponse stored = json.treeToValue(completion, OpenAiChatResponse.class);
    List<OpenAiChatChunk> chunks = new ArrayList<>();
    List<OpenAiChatResponse.Choice> choices =
        stored.choices() == null ? List.of() : stored.choices();
    for (int position = 0; position < choices.size(); position++) {
      OpenAiChatResponse.Choice choice = choices.get(position);
      int index = choice.index() != null ? choice.index() : position;
      OpenAiMessage message = choice.message();
      String role = message != null && message.role() != null ? message.role() : "assistant";
      chunks.add(chunk(stored, index, new OpenAiChatChunk.Delta(role, "", null, null, null), null));
      String text = message == null ? null : message.text();
      if (text != null && !text.isEmpty()) {
        chunks.add(
            chunk(stored, index, new OpenAiChatChunk.Delta(null, text, null, null, null), null));
      }
      if (message != null && message.refusal() != null) {
        chunks.add(
            chunk(
                stored,
                index,
                new OpenAiChatChunk.Delta(null, null, null, message.refusal(), null),
                null));
      }
      List<OpenAiToolCall> calls =
          message == null || message.toolCalls() == null ? List.of() : message.toolCalls();
      for (int call = 0; call < calls.size(); call++) {
        OpenAiToolCall whole = calls.get(call);
        OpenAiToolCall fragment =
            new OpenAiToolCall(call, whole.id(), whole.type(), whole.function(), whole.extra());
        chunks.add(
            chunk(
                stored,
                index,
                new OpenAiChatChunk.Delta(null, null, List.of(fragment), null, null),
                null));
      }
      chunks.add(
          chunk(
              stored,
              index,
              new OpenAiChatChunk.Delta(null, null, null, null, null),
              choice.finishReason() != null ? choice.finishReason() : "stop"));
    }
    if (includeUsage) {
      chunks.add(
          new OpenAiChatChunk(
              stored.id(),
              OpenAiChatChunk.OBJECT,
              stored.created(),
              stored.model(),
              List.of(),
              stored.usage() != null ? stored.usage() : OpenAiUsage.of(0, 0, 0, 0, 0),
              stored.serviceTier(),
              stored.systemFingerprint(),
              null,
              null));
    }
    ByteArrayOutputStream sse = new ByteArrayOutputStream();
    for (OpenAiChatChunk chunk : chunks) {
      sse.writeBytes(DATA);
      sse.writeBytes(json.writeValueAsBytes(chunk));
      sse.writeBytes(END);
    }
    sse.writeBytes(DATA);
    sse.writeBytes(OpenAiChatChunk.DONE.getBytes(StandardCharsets.US_ASCII));
    sse.writeBytes(END);
    return sse.toByteArray();
  }

  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);

  private static OpenAiChatChunk chunk(
      OpenAiChatResponse stored, int index, OpenAiChatChunk.Delta delta, String finishReason) {
    return new OpenAiChatChunk(
        stored.id(),
        OpenAiChatChunk.OBJECT,
        stored.created(),
        stored.model(),
        List.of(new OpenAiChatChunk.Choice(index, delta, finishReason, null, null)),
        null,
        stored.serviceTier(),
        stored.systemFingerprint(),
        null,
        null);
  }
}
