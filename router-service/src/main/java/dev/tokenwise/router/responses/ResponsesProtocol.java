package dev.tokenwise.router.responses;

import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.pipeline.ChatEvent;
import dev.tokenwise.router.pipeline.ClientCall;
import dev.tokenwise.router.pipeline.ClientProtocol;
import dev.tokenwise.router.provider.Formats;
import dev.tokenwise.router.provider.ProviderReply;
import dev.tokenwise.router.provider.ResilientProviders;
import dev.tokenwise.router.route.RoutePlan;
import dev.tokenwise.router.usage.Conversations;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OpenAI Responses API at the edge of the pipeline. Every model — OpenAI's included — is served
 * through the request's Chat Completions translation ({@link ResponsesRequests}), and the answer
 * and its events are written back as a {@code response} ({@link ResponseObjects}, {@link
 * ResponsesStream}). Responses are not stored: {@code previous_response_id} is a 400.
 */
@Component
class ResponsesProtocol implements ClientProtocol {

  private final Formats formats;
  private final JsonMapper json;

  ResponsesProtocol(Formats formats, JsonMapper json) {
    this.formats = formats;
    this.json = json;
  }

  @Override
  public ClientCall read(byte[] body, String tenant, HttpHeaders headers) {
    JsonNode tree;
    try {
      tree = json.readTree(body);
    } catch (JacksonException e) {
      throw OpenAiApiException.invalidRequest(
          "We could not parse the JSON body of your request. Make sure it is valid JSON.",
          null,
          "invalid_json");
    }
    ObjectNode chat = ResponsesRequests.toChat(tree);
    JsonNode max = chat.path("max_completion_tokens");
    return new ClientCall(
        chat,
        null,
        (ObjectNode) tree,
        body,
        chat.path("model").asString(),
        chat.path("stream").asBoolean(false),
        max.isIntegralNumber() ? max.asLong() : null,
        Conversations.endUser(endUser(tree), headers),
        Conversations.forChat(tenant, headers, chat));
  }

  private static String endUser(JsonNode body) {
    for (String field : new String[] {"safety_identifier", "user"}) {
      JsonNode value = body.get(field);
      if (value != null && value.isString() && !value.asString().isBlank()) {
        return value.asString();
      }
    }
    return null;
  }

  /** No provider is called with the Responses API: Chat Completions is what they all accept. */
  @Override
  public boolean forwardsNative(ResilientProviders.Target target, RoutePlan plan) {
    return false;
  }

  @Override
  public byte[] nativeBody(ClientCall call, RoutePlan plan, ResilientProviders.Target target) {
    return null;
  }

  @Override
  public byte[] answer(JsonNode completion, ClientCall call) {
    return json.writeValueAsBytes(ResponseObjects.fromCompletion(completion, call.clientBody()));
  }

  @Override
  public byte[] error(ProviderReply reply) {
    return formats.openAiError(reply);
  }

  @Override
  public boolean wantsUsageChunk(ClientCall call) {
    return true;
  }

  @Override
  public Flux<byte[]> events(Flux<ChatEvent> chatEvents, ClientCall call) {
    ResponsesStream stream = new ResponsesStream(json, call.clientBody());
    return chatEvents
        .concatMapIterable(stream::accept)
        .concatWith(Flux.defer(() -> Flux.fromIterable(stream.end())));
  }

  @Override
  public byte[] midStreamError() {
    return new ResponsesStream(json, json.createObjectNode())
        .error("The provider stream failed before it finished.");
  }
}
