package dev.tokenwise.router.responses;

import dev.tokenwise.router.pipeline.ChatEvent;
import dev.tokenwise.router.provider.SseFrames;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Chat Completions chunk stream as the Responses API's named events, in the order OpenAI sends
 * them: {@code response.created}, {@code response.in_progress}, then per output item {@code
 * response.output_item.added} → ({@code response.content_part.added}, {@code
 * response.output_text.delta}*, {@code response.output_text.done}, {@code
 * response.content_part.done}) or {@code response.function_call_arguments.delta}* / {@code .done} →
 * {@code response.output_item.done}, and finally {@code response.completed} (or {@code
 * response.incomplete} when cut at the cap) carrying the whole response and its usage. An error
 * chunk becomes an {@code error} event. Not thread-safe: one instance per stream, fed in order.
 */
final class ResponsesStream {

  private final JsonMapper json;
  private final JsonNode request;
  private long sequence;
  private ObjectNode response;
  private ObjectNode message;
  private final StringBuilder text = new StringBuilder();
  private final Map<Integer, ObjectNode> calls = new LinkedHashMap<>();
  private final Map<Integer, Integer> callOutputIndex = new LinkedHashMap<>();
  private final ArrayNode output;
  private String finishReason;
  private JsonNode usage;
  private boolean closed;

  ResponsesStream(JsonMapper json, JsonNode request) {
    this.json = json;
    this.request = request;
    this.output = json.createArrayNode();
  }

  /** The events one Chat Completions event (complete, unparsed) becomes. */
  List<byte[]> accept(byte[] chatEvent) {
    List<byte[]> out = new ArrayList<>();
    SseFrames frames = new SseFrames();
    List<SseFrames.Frame> parsed = new ArrayList<>(frames.accept(chatEvent));
    parsed.addAll(frames.finish());
    for (SseFrames.Frame frame : parsed) {
      String data = frame.data();
      if (data == null || data.isEmpty()) {
        continue;
      }
      JsonNode chunk = null;
      if (!data.equals("[DONE]")) {
        try {
          chunk = json.readTree(data);
        } catch (JacksonException e) {
          continue;
        }
      }
      out.addAll(accept(new ChatEvent(frame.raw(), chunk, chunk == null)));
    }
    return out;
  }

  /** The events one Chat Completions event, as the pipeline parsed it, becomes. */
  List<byte[]> accept(ChatEvent event) {
    List<byte[]> out = new ArrayList<>();
    if (closed) {
      return out;
    }
    if (event.done()) {
      finish(out);
      return out;
    }
    JsonNode chunk = event.data();
    if (chunk == null || !chunk.isObject()) {
      return out;
    }
    if (chunk.path("error").isObject()) {
      closed = true;
      out.add(error(chunk.path("error").path("message").asString("The stream failed.")));
      return out;
    }
    start(chunk, out);
    for (JsonNode choice : chunk.path("choices")) {
      if (choice.path("index").asInt(0) != 0) {
        continue;
      }
      JsonNode delta = choice.path("delta");
      if (delta.path("content").isString() && !delta.path("content").asString().isEmpty()) {
        text(delta.path("content").asString(), out);
      }
      for (JsonNode call : delta.path("tool_calls")) {
        toolCall(call, out);
      }
      if (choice.path("finish_reason").isString()) {
        finishReason = choice.path("finish_reason").asString();
      }
    }
    if (chunk.path("usage").isObject()) {
      usage = ResponseObjects.usage(chunk.get("usage"));
    }
    return out;
  }

  /** What a stream that ended without {@code [DONE]} still owes the client. */
  List<byte[]> end() {
    List<byte[]> out = new ArrayList<>();
    if (!closed) {
      finish(out);
    }
    return out;
  }

  /** The event telling the client the stream failed. */
  byte[] error(String message) {
    ObjectNode event = json.createObjectNode();
    event.put("type", "error");
    event.put("code", "upstream_error");
    event.put("message", message);
    event.putNull("param");
    return named("error", event);
  }

  private void start(JsonNode chunk, List<byte[]> out) {
    if (response != null) {
      return;
    }
    String chatId = chunk.path("id").asString("");
    response =
        ResponseObjects.envelope(
            chatId.isEmpty()
                ? ResponseObjects.id("resp_")
                : "resp_" + chatId.replaceFirst("^chatcmpl-", ""),
            chunk.path("created").asLong(System.currentTimeMillis() / 1000),
            chunk.path("model").asString(request.path("model").asString("")),
            "in_progress",
            request);
    out.add(event("response.created", "response", response.deepCopy()));
    out.add(event("response.in_progress", "response", response.deepCopy()));
  }

  private void text(String delta, List<byte[]> out) {
    if (message == null) {
      message = ResponseObjects.messageItem(ResponseObjects.id("msg_"), "in_progress");
      output.add(message);
      ObjectNode added = json.createObjectNode();
      added.put("output_index", output.size() - 1);
      added.set("item", message.deepCopy());
      out.add(named("response.output_item.added", added));
      ObjectNode part = json.createObjectNode();
      part.put("item_id", message.path("id").asString());
      part.put("output_index", output.size() - 1);
      part.put("content_index", 0);
      part.set("part", ResponseObjects.outputText(""));
      out.add(named("response.content_part.added", part));
    }
    text.append(delta);
    ObjectNode event = json.createObjectNode();
    event.put("item_id", message.path("id").asString());
    event.put("output_index", indexOf(message));
    event.put("content_index", 0);
    event.put("delta", delta);
    event.putArray("logprobs");
    out.add(named("response.output_text.delta", event));
  }

  private void toolCall(JsonNode call, List<byte[]> out) {
    int index = call.path("index").asInt(0);
    ObjectNode item = calls.get(index);
    if (item == null) {
      item =
          ResponseObjects.functionCall(
              ResponseObjects.id("fc_"),
              call.path("id").asString(""),
              call.path("function").path("name").asString(""),
              "",
              "in_progress");
      calls.put(index, item);
      output.add(item);
      callOutputIndex.put(index, output.size() - 1);
      ObjectNode added = json.createObjectNode();
      added.put("output_index", output.size() - 1);
      added.set("item", item.deepCopy());
      out.add(named("response.output_item.added", added));
    }
    String arguments = call.path("function").path("arguments").asString("");
    if (!arguments.isEmpty()) {
      item.put("arguments", item.path("arguments").asString("") + arguments);
      ObjectNode event = json.createObjectNode();
      event.put("item_id", item.path("id").asString());
      event.put("output_index", callOutputIndex.get(index));
      event.put("delta", arguments);
      out.add(named("response.function_call_arguments.delta", event));
    }
  }

  private void finish(List<byte[]> out) {
    closed = true;
    if (response == null) {
      start(json.createObjectNode(), out);
    }
    if (message != null) {
      int index = indexOf(message);
      String id = message.path("id").asString();
      ObjectNode done = json.createObjectNode();
      done.put("item_id", id);
      done.put("output_index", index);
      done.put("content_index", 0);
      done.put("text", text.toString());
      done.putArray("logprobs");
      out.add(named("response.output_text.done", done));
      ObjectNode partDone = json.createObjectNode();
      partDone.put("item_id", id);
      partDone.put("output_index", index);
      partDone.put("content_index", 0);
      partDone.set("part", ResponseObjects.outputText(text.toString()));
      out.add(named("response.content_part.done", partDone));
      message.put("status", ResponseObjects.status(finishReason));
      ((ArrayNode) message.get("content")).add(ResponseObjects.outputText(text.toString()));
      ObjectNode itemDone = json.createObjectNode();
      itemDone.put("output_index", index);
      itemDone.set("item", message.deepCopy());
      out.add(named("response.output_item.done", itemDone));
    }
    for (var entry : calls.entrySet()) {
      ObjectNode item = entry.getValue();
      int index = callOutputIndex.get(entry.getKey());
      ObjectNode done = json.createObjectNode();
      done.put("item_id", item.path("id").asString());
      done.put("output_index", index);
      done.put("name", item.path("name").asString());
      done.put("arguments", item.path("arguments").asString());
      out.add(named("response.function_call_arguments.done", done));
      item.put("status", "completed");
      ObjectNode itemDone = json.createObjectNode();
      itemDone.put("output_index", index);
      itemDone.set("item", item.deepCopy());
      out.add(named("response.output_item.done", itemDone));
    }
    String status = ResponseObjects.status(finishReason);
    response.put("status", status);
    ResponseObjects.incomplete(response, finishReason);
    response.set("output", output);
    response.set("usage", usage == null ? json.nullNode() : usage);
    out.add(
        event(
            status.equals("completed") ? "response.completed" : "response.incomplete",
            "response",
            response));
  }

  private int indexOf(ObjectNode item) {
    for (int i = 0; i < output.size(); i++) {
      if (output.get(i) == item) {
        return i;
      }
    }
    return output.size() - 1;
  }

  private byte[] event(String type, String member, JsonNode value) {
    ObjectNode event = json.createObjectNode();
    event.set(member, value);
    return named(type, event);
  }

  /** {@code event: <type>} and the data with {@code type} first and the sequence number added. */
  private byte[] named(String type, ObjectNode body) {
    ObjectNode event = json.createObjectNode();
    event.put("type", type);
    event.put("sequence_number", sequence++);
    event.setAll(body);
    return ("event: "
            + type
            + "\ndata: "
            + new String(json.writeValueAsBytes(event), StandardCharsets.UTF_8)
            + "\n\n")
        .getBytes(StandardCharsets.UTF_8);
  }
}
