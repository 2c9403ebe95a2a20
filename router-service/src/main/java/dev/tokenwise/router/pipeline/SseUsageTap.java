package dev.tokenwise.router.pipeline;

import dev.tokenwise.common.openai.OpenAiUsage;
import dev.tokenwise.common.translate.NormalizedUsage;
import dev.tokenwise.router.usage.UsageEvents;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Watches an OpenAI chat-completion event stream on its way to the client, event by event: it
 * remembers the usage chunk and the finish reason, and passes every event through byte for byte
 * except the usage-only chunk ({@code "choices": []}) when the router asked for it and the client
 * did not (OpenAI sends that chunk only with {@code stream_options.include_usage}).
 *
 * <p>Events are forwarded whole, as soon as their blank-line terminator arrives. Not thread-safe:
 * one instance per stream, fed in order.
 */
final class SseUsageTap {

  static final int MAX_OUTPUT_CHARS = 4 * 1024 * 1024;

  private final JsonMapper json;
  private final boolean forwardUsageChunk;
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
  private final StringBuilder output = new StringBuilder();
  private NormalizedUsage usage;
  private String finishReason;
  private final StringBuilder text = new StringBuilder();
  private JsonNode first;
  private boolean replayable = true;

  SseUsageTap(JsonMapper json, boolean forwardUsageChunk) {
    this.json = json;
    this.forwardUsageChunk = forwardUsageChunk;
  }

  /** The data of the event {@link #inspect} last read (null when it was not JSON). */
  private JsonNode lastData;

  private boolean lastDone;

  /** Feeds bytes from the provider; returns the complete events to send on, with their data. */
  List<ChatEvent> acceptEvents(byte[] bytes) {
    pending.writeBytes(bytes);
    byte[] buffered = pending.toByteArray();
    List<ChatEvent> out = new ArrayList<>();
    int start = 0;
    int end;
    while ((end = eventEnd(buffered, start)) > 0) {
      byte[] event = java.util.Arrays.copyOfRange(buffered, start, end);
      if (inspect(event)) {
        out.add(new ChatEvent(event, lastData, lastDone));
      }
      start = end;
    }
    pending.reset();
    pending.write(buffered, start, buffered.length - start);
    return out;
  }

  /** As {@link #finish()}, with the tail's data; empty when there is no tail. */
  List<ChatEvent> finishEvents() {
    byte[] tail = finish();
    return tail.length == 0 ? List.of() : List.of(new ChatEvent(tail, lastData, lastDone));
  }

  /** Feeds bytes from the provider; returns the complete events to send on, in order. */
  List<byte[]> accept(byte[] bytes) {
    pending.writeBytes(bytes);
    byte[] buffered = pending.toByteArray();
    List<byte[]> out = new ArrayList<>();
    int start = 0;
    int end;
    while ((end = eventEnd(buffered, start)) > 0) {
      byte[] event = java.util.Arrays.copyOfRange(buffered, start, end);
      if (inspect(event)) {
        out.add(event);
      }
      start = end;
    }
    pending.reset();
    pending.write(buffered, start, buffered.length - start);
    return out;
  }

  /** The unterminated tail when the provider ends the stream, inspected like any event. */
  byte[] finish() {
    byte[] rest = pending.toByteArray();
    pending.reset();
    return rest.length > 0 && inspect(rest) ? rest : new byte[0];
  }

  /** The message text streamed so far (choice 0's content), for checking it against a schema. */
  String text() {
    return text.toString();
  }

  /** The usage the stream reported, or null when it never did (a stream cut short). */
  NormalizedUsage usage() {
    return usage;
  }

  String finishReason() {
    return finishReason;
  }

  /**
   * The generated text seen so far (content and tool-call arguments), for counting the output of a
   * stream that ended without its usage chunk. Capped at {@value #MAX_OUTPUT_CHARS} characters.
   */
  String output() {
    return output.toString();
  }

  /**
   * The stream as the {@code chat.completion} a non-streamed request would have got, for the
   * response cache; null unless it is a plain text answer that ended normally: one choice, text
   * only (no tool calls, refusal or log probabilities), {@code finish_reason} {@code stop}, and the
   * usage reported.
   */
  ObjectNode completion() {
    if (!replayable
        || first == null
        || usage == null
        || !"stop".equals(finishReason)
        || text.isEmpty()
        || text.length() >= MAX_OUTPUT_CHARS) {
      return null;
    }
    ObjectNode completion = json.createObjectNode();
    for (String field : new String[] {"id", "created", "model", "system_fingerprint"}) {
      if (first.hasNonNull(field)) {
        completion.set(field, first.get(field));
      }
    }
    completion.put("object", "chat.completion");
    ObjectNode choice = completion.putArray("choices").addObject();
    choice.put("index", 0);
    choice.putObject("message").put("role", "assistant").put("content", text.toString());
    choice.put("finish_reason", finishReason);
    choice.putNull("logprobs");
    completion.set(
        "usage",
        json.valueToTree(
            OpenAiUsage.of(
                usage.inputTokens(),
                usage.cachedInputTokens(),
                usage.cacheWrite5m() + usage.cacheWrite1h(),
                usage.outputTokens(),
                usage.reasoningTokens())));
    return completion;
  }

  /** The model the provider named in the stream's first chunk (its snapshot), or null. */
  String model() {
    return first != null && first.path("model").isString() ? first.path("model").asString() : null;
  }

  /** Follows what a replay of the stream needs (see {@link #completion()}). */
  private void assemble(JsonNode chunk, JsonNode choice) {
    if (first == null) {
      first = chunk;
    }
    JsonNode delta = choice.path("delta");
    if (choice.path("index").asInt(0) != 0
        || delta.has("tool_calls") && !delta.path("tool_calls").isNull()
        || delta.has("function_call") && !delta.path("function_call").isNull()
        || delta.path("refusal").isString()
        || choice.has("logprobs") && !choice.path("logprobs").isNull()) {
      replayable = false;
    }
    JsonNode content = delta.path("content");
    if (content.isString() && text.length() < MAX_OUTPUT_CHARS) {
      text.append(content.asString());
    }
  }

  private void collect(JsonNode text) {
    if (text.isString() && output.length() < MAX_OUTPUT_CHARS) {
      String value = text.asString();
      output.append(value, 0, Math.min(value.length(), MAX_OUTPUT_CHARS - output.length()));
    }
  }

  /** Records what the event says; false when it must not reach the client. */
  private boolean inspect(byte[] event) {
    lastData = null;
    String data = data(new String(event, StandardCharsets.UTF_8));
    lastDone = "[DONE]".equals(data);
    if (data == null || lastDone) {
      return true;
    }
    JsonNode chunk;
    try {
      chunk = json.readTree(data);
    } catch (JacksonException e) {
      return true;
    }
    lastData = chunk;
    return inspect(chunk);
  }

  /**
   * A chunk the router translated itself (a tree, or {@code doneMarker} for the end), as the event
   * to send on, written once from the tree; empty when it must not reach the client.
   */
  List<ChatEvent> acceptChunk(JsonNode chunk, JsonNode doneMarker) {
    if (chunk == doneMarker) {
      lastDone = true;
      lastData = null;
      return List.of(new ChatEvent(DONE_EVENT.clone(), null, true));
    }
    lastDone = false;
    lastData = chunk;
    if (!inspect(chunk)) {
      return List.of();
    }
    return List.of(
        new ChatEvent(RequestPipeline.dataEvent(json.writeValueAsBytes(chunk)), chunk, false));
  }

  private static final byte[] DONE_EVENT = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

  /**
   * Records a chunk the router built itself rather than received (a Claude stream passed to an
   * Anthropic client as it came, watched through its Chat Completions view): nothing to forward.
   */
  void observe(JsonNode chunk) {
    inspect(chunk);
  }

  /** Records what the chunk says; false when it must not reach the client. */
  private boolean inspect(JsonNode chunk) {
    JsonNode choices = chunk.path("choices");
    if (chunk.has("error")) {
      replayable = false;
    }
    for (JsonNode choice : choices) {
      assemble(chunk, choice);
      JsonNode reason = choice.path("finish_reason");
      if (reason.isString()) {
        finishReason = reason.asString();
      }
      JsonNode delta = choice.path("delta");
      collect(delta.path("content"));
      for (JsonNode call : delta.path("tool_calls")) {
        collect(call.path("function").path("arguments"));
      }
    }
    if (chunk.path("usage").isObject()) {
      usage = UsageEvents.openAiUsage(json, chunk.get("usage"));
      return forwardUsageChunk || !(choices.isArray() && choices.isEmpty());
    }
    return true;
  }

  /** The event's data lines joined by newlines (the SSE rule), or null when it has none. */
  private static String data(String event) {
    StringBuilder data = null;
    for (String line : event.split("\r\n|\r|\n")) {
      if (line.startsWith("data:")) {
        String value = line.substring(5);
        if (value.startsWith(" ")) {
          value = value.substring(1);
        }
        data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
      }
    }
    return data == null ? null : data.toString().trim();
  }

  /** Index just past the first blank line at or after {@code from}, or -1. */
  private static int eventEnd(byte[] bytes, int from) {
    for (int i = from; i < bytes.length - 1; i++) {
      if (bytes[i] == '\n' && bytes[i + 1] == '\n') {
        return i + 2;
      }
      if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
        if (i + 3 < bytes.length && bytes[i + 2] == '\r' && bytes[i + 3] == '\n') {
          return i + 4;
        }
      } else if (bytes[i] == '\r' && bytes[i + 1] == '\r') {
        return i + 2;
      }
    }
    return -1;
  }
}
