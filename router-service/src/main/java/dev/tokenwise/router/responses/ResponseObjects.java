package dev.tokenwise.router.responses;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Responses API's {@code response} object, its output items and usage, built from a {@code
 * chat.completion}. Every member the official SDKs treat as required is present (nullable ones as
 * null); the request's settings are echoed as the API does.
 */
final class ResponseObjects {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private ResponseObjects() {}

  static String id(String prefix) {
    byte[] random = new byte[16];
    ThreadLocalRandom.current().nextBytes(random);
    return prefix + HexFormat.of().formatHex(random);
  }

  /**
   * The response envelope without output and usage: {@code status} as given, the request's settings
   * echoed.
   */
  static ObjectNode envelope(
      String id, long createdAt, String model, String status, JsonNode request) {
    ObjectNode response = NODES.objectNode();
    response.put("id", id);
    response.put("object", "response");
    response.put("created_at", createdAt);
    response.put("status", status);
    response.putNull("error");
    response.putNull("incomplete_details");
    echo(response, request, "instructions", null);
    echo(response, request, "max_output_tokens", null);
    response.put("model", model);
    response.putArray("output");
    response.put("parallel_tool_calls", request.path("parallel_tool_calls").asBoolean(true));
    response.putNull("previous_response_id");
    echo(response, request, "reasoning", null);
    response.put("store", false);
    echo(response, request, "temperature", null);
    if (request.has("text") && request.get("text").isObject()) {
      response.set("text", request.get("text"));
    } else {
      response.putObject("text").putObject("format").put("type", "text");
    }
    if (request.has("tool_choice") && !request.get("tool_choice").isNull()) {
      response.set("tool_choice", request.get("tool_choice"));
    } else {
      response.put("tool_choice", "auto");
    }
    if (request.path("tools").isArray()) {
      response.set("tools", request.get("tools"));
    } else {
      response.putArray("tools");
    }
    echo(response, request, "top_p", null);
    response.put("truncation", "disabled");
    response.putNull("usage");
    echo(response, request, "user", null);
    if (request.path("metadata").isObject()) {
      response.set("metadata", request.get("metadata"));
    } else {
      response.putObject("metadata");
    }
    return response;
  }

  private static void echo(ObjectNode response, JsonNode request, String field, JsonNode absent) {
    JsonNode value = request.get(field);
    response.set(field, value == null ? (absent == null ? NODES.nullNode() : absent) : value);
  }

  /** A whole {@code chat.completion} as a finished {@code response}. */
  static ObjectNode fromCompletion(JsonNode completion, JsonNode request) {
    String chatId = completion.path("id").asString("");
    String id = chatId.isEmpty() ? id("resp_") : "resp_" + chatId.replaceFirst("^chatcmpl-", "");
    JsonNode choice = completion.path("choices").path(0);
    String finish = choice.path("finish_reason").asString("stop");
    ObjectNode response =
        envelope(
            id,
            completion.path("created").asLong(System.currentTimeMillis() / 1000),
            completion.path("model").asString(request.path("model").asString("")),
            status(finish),
            request);
    incomplete(response, finish);
    ArrayNode output = (ArrayNode) response.get("output");
    JsonNode message = choice.path("message");
    if (message.path("content").isString() || message.path("refusal").isString()) {
      // a message cut at the cap is itself incomplete, as the Responses API reports it
      ObjectNode item = messageItem(id("msg_"), status(finish));
      ArrayNode content = (ArrayNode) item.get("content");
      if (message.path("refusal").isString()) {
        content
            .addObject()
            .put("type", "refusal")
            .put("refusal", message.path("refusal").asString());
      } else {
        content.add(outputText(message.path("content").asString()));
      }
      output.add(item);
    }
    for (JsonNode call : message.path("tool_calls")) {
      output.add(
          functionCall(
              id("fc_"),
              call.path("id").asString(""),
              call.path("function").path("name").asString(""),
              call.path("function").path("arguments").asString(""),
              "completed"));
    }
    response.set("usage", usage(completion.path("usage")));
    return response;
  }

  /** {@code completed}, or {@code incomplete} when the answer was cut at the cap or filtered. */
  static String status(String finishReason) {
    return "length".equals(finishReason) || "content_filter".equals(finishReason)
        ? "incomplete"
        : "completed";
  }

  static void incomplete(ObjectNode response, String finishReason) {
    if ("length".equals(finishReason)) {
      response.putObject("incomplete_details").put("reason", "max_output_tokens");
    } else if ("content_filter".equals(finishReason)) {
      response.putObject("incomplete_details").put("reason", "content_filter");
    }
  }

  static ObjectNode messageItem(String id, String status) {
    ObjectNode item = NODES.objectNode();
    item.put("type", "message");
    item.put("id", id);
    item.put("status", status);
    item.put("role", "assistant");
    item.putArray("content");
    return item;
  }

  static ObjectNode outputText(String text) {
    ObjectNode part = NODES.objectNode();
    part.put("type", "output_text");
    part.put("text", text);
    part.putArray("annotations");
    part.putArray("logprobs");
    return part;
  }

  static ObjectNode functionCall(
      String id, String callId, String name, String arguments, String status) {
    ObjectNode item = NODES.objectNode();
    item.put("type", "function_call");
    item.put("id", id);
    item.put("call_id", callId);
    item.put("name", name);
    item.put("arguments", arguments);
    item.put("status", status);
    return item;
  }

  /**
   * Chat Completions usage in the Responses API's names ({@code prompt_tokens} already includes
   * cached tokens, as {@code input_tokens} does); null when the completion reported none.
   */
  static JsonNode usage(JsonNode usage) {
    if (!usage.isObject()) {
      return NODES.nullNode();
    }
    long input = usage.path("prompt_tokens").asLong(0);
    long output = usage.path("completion_tokens").asLong(0);
    ObjectNode out = NODES.objectNode();
    out.put("input_tokens", input);
    JsonNode details = usage.path("prompt_tokens_details");
    out.putObject("input_tokens_details")
        .put("cached_tokens", details.path("cached_tokens").asLong(0))
        .put("cache_write_tokens", details.path("cache_write_tokens").asLong(0));
    out.put("output_tokens", output);
    out.putObject("output_tokens_details")
        .put(
            "reasoning_tokens",
            usage.path("completion_tokens_details").path("reasoning_tokens").asLong(0));
    out.put("total_tokens", usage.path("total_tokens").asLong(input + output));
    return out;
  }
}
