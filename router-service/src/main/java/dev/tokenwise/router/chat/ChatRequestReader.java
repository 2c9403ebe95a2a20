package dev.tokenwise.router.chat;

import dev.tokenwise.router.error.OpenAiApiException;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads a chat request body within the size limit and validates it. Errors are OpenAI-shaped 400s
 * naming the offending field, or a 413 for an oversize body; nothing downstream runs for them.
 */
@Component
class ChatRequestReader {

  /** Bodies above this are parsed off the event loop (STYLE.md: large JSON is CPU work). */
  private static final int INLINE_PARSE_LIMIT = 64 * 1024;

  private final JsonMapper json;
  private final int limit;

  ChatRequestReader(JsonMapper json, ChatProperties properties) {
    this.json = json;
    this.limit = (int) Math.min(Integer.MAX_VALUE - 8, properties.maxBodySize().toBytes());
  }

  Mono<ChatCall> read(ServerRequest request) {
    long declared = request.headers().contentLength().orElse(-1);
    if (declared > limit) {
      return Mono.error(OpenAiApiException.bodyTooLarge(limit));
    }
    return DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()), limit)
        .onErrorMap(DataBufferLimitException.class, e -> OpenAiApiException.bodyTooLarge(limit))
        .map(ChatRequestReader::drain)
        .switchIfEmpty(
            Mono.error(
                () ->
                    OpenAiApiException.invalidRequest(
                        "The request body is empty; expected a JSON object.",
                        null,
                        "invalid_json")))
        .flatMap(
            bytes -> {
              Mono<ChatCall> parse = Mono.fromCallable(() -> parse(bytes));
              return bytes.length > INLINE_PARSE_LIMIT
                  ? parse.subscribeOn(Schedulers.parallel())
                  : parse;
            });
  }

  ChatCall parse(byte[] bytes) {
    JsonNode tree;
    try {
      tree = json.readTree(bytes);
    } catch (JacksonException e) {
      throw OpenAiApiException.invalidRequest(
          "We could not parse the JSON body of your request. Make sure it is valid JSON.",
          null,
          "invalid_json");
    }
    if (!(tree instanceof ObjectNode body)) {
      throw OpenAiApiException.invalidRequest(
          "The request body must be a JSON object.", null, "invalid_type");
    }
    ChatRequestValidation.validate(body);
    return new ChatCall(
        body,
        bytes,
        body.get("model").asString(),
        body.path("stream").asBoolean(false),
        requestedMaxTokens(body),
        endUser(body));
  }

  private static Long requestedMaxTokens(ObjectNode body) {
    JsonNode max = body.get("max_completion_tokens");
    if (max == null || max.isNull()) {
      max = body.get("max_tokens");
    }
    return max == null || max.isNull() ? null : max.asLong();
  }

  private static String endUser(ObjectNode body) {
    for (String field : new String[] {"safety_identifier", "user"}) {
      JsonNode value = body.get(field);
      if (value != null && value.isString() && !value.asString().isBlank()) {
        return value.asString();
      }
    }
    return null;
  }

  private static byte[] drain(DataBuffer buffer) {
    try {
      byte[] bytes = new byte[buffer.readableByteCount()];
      buffer.read(bytes);
      return bytes;
    } finally {
      DataBufferUtils.release(buffer);
    }
  }
}
