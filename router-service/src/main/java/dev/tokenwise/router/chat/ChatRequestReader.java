package dev.tokenwise.router.chat;

import dev.tokenwise.common.openai.OpenAiChatRequest;
import dev.tokenwise.common.openai.OpenAiChatRequestParser;
import dev.tokenwise.common.openai.OpenAiRequestException;
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
 * Reads a chat request body within the size limit and validates it with common's {@link
 * OpenAiChatRequestParser}. Errors are OpenAI-shaped 400s naming the offending field, or a 413 for
 * an oversize body; nothing downstream runs for them.
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
    OpenAiChatRequest request;
    try {
      request = OpenAiChatRequestParser.parse(json, tree);
    } catch (OpenAiRequestException e) {
      throw OpenAiApiException.invalidRequest(e.getMessage(), e.param(), e.code());
    } catch (JacksonException e) {
      // e.g. an integer beyond 64 bits where a token count belongs
      throw OpenAiApiException.invalidRequest(
          "A field has a value of the wrong type or out of range.", null, "invalid_value");
    }
    ObjectNode body = (ObjectNode) tree;
    return new ChatCall(
        body,
        bytes,
        request.model(),
        Boolean.TRUE.equals(request.stream()),
        request.requestedMaxTokens(),
        endUser(body));
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
