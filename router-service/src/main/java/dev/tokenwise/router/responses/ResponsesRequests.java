package dev.tokenwise.router.responses;

import dev.tokenwise.router.error.OpenAiApiException;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * An OpenAI Responses API request ({@code POST /v1/responses}) as the Chat Completions request the
 * pipeline serves: {@code instructions} and {@code input} items become messages, function tools and
 * calls keep their names and ids, {@code text.format} becomes {@code response_format}. What has no
 * Chat Completions form — stored state ({@code previous_response_id}, {@code conversation}),
 * background runs, prompt templates, built-in tools — is refused with a 400 naming the field, never
 * silently dropped.
 */
final class ResponsesRequests {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Members copied as they are: they mean the same in both APIs. */
  private static final Set<String> SAME =
      Set.of(
          "model",
          "temperature",
          "top_p",
          "parallel_tool_calls",
          "user",
          "safety_identifier",
          "prompt_cache_key",
          "prompt_cache_retention",
          "service_tier",
          "metadata",
          "stream",
          "top_logprobs");

  /** Members that steer OpenAI's own storage or delivery; meaningless through a gateway. */
  private static final Set<String> IGNORED =
      Set.of("store", "include", "truncation", "stream_options", "max_tool_calls");

  private ResponsesRequests() {}

  static ObjectNode toChat(JsonNode request) {
    if (!request.isObject()) {
      throw invalid("The request body must be a JSON object.", null);
    }
    JsonNode model = request.path("model");
    if (!model.isMissingNode() && !model.isNull() && !model.isString()) {
      throw invalid(
          "Invalid type for 'model': expected a string, but got "
              + model.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
              + " instead.",
          "model");
    }
    if (!model.isString() || model.asString().isBlank()) {
      throw invalid("You must provide a model parameter.", "model");
    }
    refuseStored(request, "previous_response_id");
    refuseStored(request, "conversation");
    if (request.path("background").asBoolean(false)) {
      throw unsupported("background", "Background responses are not supported by Tokenwise.");
    }
    if (request.has("prompt") && !request.get("prompt").isNull()) {
      throw unsupported("prompt", "Stored prompt templates are not supported by Tokenwise.");
    }
    ObjectNode chat = NODES.objectNode();
    ArrayNode messages = NODES.arrayNode();
    for (var entry : request.properties()) {
      String name = entry.getKey();
      JsonNode value = entry.getValue();
      if (value.isNull()) {
        continue;
      }
      switch (name) {
        case "instructions" -> {
          if (!value.isString()) {
            throw invalid("'instructions' must be a string.", name);
          }
          messages.insertObject(0).put("role", "developer").put("content", value.asString());
        }
        case "input" -> messages(value, messages);
        case "max_output_tokens" -> chat.set("max_completion_tokens", value);
        case "tools" -> chat.set("tools", tools(value));
        case "tool_choice" -> chat.set("tool_choice", toolChoice(value));
        case "text" -> format(value.path("format"), chat);
        case "reasoning" -> {
          if (value.path("effort").isString()) {
            chat.put("reasoning_effort", value.path("effort").asString());
          }
        }
        default -> {
          if (SAME.contains(name)) {
            chat.set(name, value);
          } else if (!IGNORED.contains(name)) {
            throw unsupported(
                name, "The parameter '" + name + "' is not supported on /v1/responses.");
          }
        }
      }
    }
    if (!request.has("input") || request.get("input").isNull()) {
      throw invalid("You must provide an 'input' parameter.", "input");
    }
    chat.set("messages", messages);
    if (chat.path("stream").asBoolean(false)) {
      chat.putObject("stream_options").put("include_usage", true);
    }
    return chat;
  }

  private static void refuseStored(JsonNode request, String field) {
    if (request.has(field) && !request.get(field).isNull()) {
      throw invalid(
          "'"
              + field
              + "' is not supported: Tokenwise does not store responses or conversations. Send"
              + " the whole conversation in 'input'.",
          field);
    }
  }

  private static void messages(JsonNode input, ArrayNode messages) {
    if (input.isString()) {
      messages.addObject().put("role", "user").put("content", input.asString());
      return;
    }
    if (!input.isArray()) {
      throw invalid("'input' must be a string or an array of input items.", "input");
    }
    ObjectNode pendingCalls = null;
    for (int i = 0; i < input.size(); i++) {
      JsonNode item = input.get(i);
      String type = item.path("type").asString(item.has("role") ? "message" : "");
      String param = "input[" + i + "]";
      switch (type) {
        case "message" -> {
          pendingCalls = null;
          messages.add(message(item, param));
        }
        case "function_call" -> {
          if (pendingCalls == null) {
            pendingCalls = messages.addObject().put("role", "assistant");
            pendingCalls.putNull("content");
            pendingCalls.putArray("tool_calls");
          }
          ObjectNode call = ((ArrayNode) pendingCalls.get("tool_calls")).addObject();
          call.put("id", text(item.path("call_id"), param + ".call_id"));
          call.put("type", "function");
          call.putObject("function")
              .put("name", text(item.path("name"), param + ".name"))
              .put("arguments", item.path("arguments").asString("{}"));
        }
        case "function_call_output" -> {
          pendingCalls = null;
          JsonNode output = item.path("output");
          messages
              .addObject()
              .put("role", "tool")
              .put("tool_call_id", text(item.path("call_id"), param + ".call_id"))
              .put("content", output.isString() ? output.asString() : partsText(output));
        }
        case "reasoning" -> {
          // the model's own earlier reasoning: Chat Completions has no place for it
        }
        default ->
            throw unsupported(
                param + ".type",
                "Input items of type '" + type + "' are not supported on /v1/responses.");
      }
    }
  }

  private static ObjectNode message(JsonNode item, String param) {
    String role = item.path("role").asString("");
    if (!Set.of("user", "assistant", "system", "developer").contains(role)) {
      throw invalid("Invalid value for 'role': '" + role + "'.", param + ".role");
    }
    ObjectNode message = NODES.objectNode().put("role", role);
    JsonNode content = item.path("content");
    if (content.isString()) {
      return message.put("content", content.asString());
    }
    if (!content.isArray()) {
      throw invalid("'content' must be a string or an array of parts.", param + ".content");
    }
    if (!role.equals("user")) {
      // assistant, system and developer turns take text only in Chat Completions
      return message.put("content", partsText(content));
    }
    ArrayNode parts = message.putArray("content");
    for (int j = 0; j < content.size(); j++) {
      JsonNode part = content.get(j);
      String type = part.path("type").asString("");
      switch (type) {
        case "input_text", "output_text", "text" ->
            parts
                .addObject()
                .put("type", "text")
                .put("text", text(part.path("text"), param + ".content[" + j + "].text"));
        case "input_image" -> {
          ObjectNode image = parts.addObject().put("type", "image_url").putObject("image_url");
          image.put("url", text(part.path("image_url"), param + ".content[" + j + "].image_url"));
          if (part.path("detail").isString()) {
            image.put("detail", part.path("detail").asString());
          }
        }
        default ->
            throw unsupported(
                param + ".content[" + j + "].type",
                "Content parts of type '" + type + "' are not supported on /v1/responses.");
      }
    }
    return message;
  }

  private static String partsText(JsonNode parts) {
    StringBuilder text = new StringBuilder();
    for (JsonNode part : parts) {
      if (part.path("text").isString()) {
        text.append(part.path("text").asString());
      } else if (part.path("refusal").isString()) {
        text.append(part.path("refusal").asString());
      }
    }
    return text.toString();
  }

  private static ArrayNode tools(JsonNode tools) {
    if (!tools.isArray()) {
      throw invalid("'tools' must be an array.", "tools");
    }
    ArrayNode out = NODES.arrayNode();
    for (int i = 0; i < tools.size(); i++) {
      JsonNode tool = tools.get(i);
      String type = tool.path("type").asString("");
      if (!type.equals("function")) {
        throw unsupported(
            "tools[" + i + "].type",
            "Tools of type '" + type + "' are not supported on /v1/responses; use function tools.");
      }
      ObjectNode function = out.addObject().put("type", "function").putObject("function");
      function.put("name", text(tool.path("name"), "tools[" + i + "].name"));
      for (String member : new String[] {"description", "parameters", "strict"}) {
        if (tool.has(member) && !tool.get(member).isNull()) {
          function.set(member, tool.get(member));
        }
      }
    }
    return out;
  }

  private static JsonNode toolChoice(JsonNode choice) {
    if (choice.isString()) {
      return choice;
    }
    if ("function".equals(choice.path("type").asString(""))) {
      ObjectNode out = NODES.objectNode().put("type", "function");
      out.putObject("function").put("name", text(choice.path("name"), "tool_choice.name"));
      return out;
    }
    throw unsupported("tool_choice", "This 'tool_choice' is not supported on /v1/responses.");
  }

  private static void format(JsonNode format, ObjectNode chat) {
    String type = format.path("type").asString("text");
    switch (type) {
      case "text" -> {}
      case "json_object" -> chat.putObject("response_format").put("type", "json_object");
      case "json_schema" -> {
        ObjectNode schema =
            chat.putObject("response_format").put("type", "json_schema").putObject("json_schema");
        schema.put("name", text(format.path("name"), "text.format.name"));
        for (String member : new String[] {"description", "schema", "strict"}) {
          if (format.has(member) && !format.get(member).isNull()) {
            schema.set(member, format.get(member));
          }
        }
      }
      default ->
          throw unsupported("text.format.type", "The text format '" + type + "' is not supported.");
    }
  }

  private static String text(JsonNode value, String param) {
    if (!value.isString()) {
      throw invalid("Missing or invalid '" + param + "': a string is required.", param);
    }
    return value.asString();
  }

  private static OpenAiApiException invalid(String message, String param) {
    return OpenAiApiException.invalidRequest(message, param, "invalid_value");
  }

  private static OpenAiApiException unsupported(String param, String message) {
    return OpenAiApiException.invalidRequest(message, param, "unsupported_parameter");
  }
}
