package dev.tokenwise.router.chat;

import dev.tokenwise.common.openai.OpenAiError;
import dev.tokenwise.router.pipeline.ChatEvent;
import dev.tokenwise.router.pipeline.ClientCall;
import dev.tokenwise.router.pipeline.ClientProtocol;
import dev.tokenwise.router.pipeline.RequestPipeline;
import dev.tokenwise.router.provider.Formats;
import dev.tokenwise.router.provider.ProviderKind;
import dev.tokenwise.router.provider.ProviderReply;
import dev.tokenwise.router.provider.ResilientProviders;
import dev.tokenwise.router.route.RoutePlan;
import dev.tokenwise.router.usage.Conversations;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * OpenAI Chat Completions at the edge of the pipeline. Its request is already the pipeline's shape,
 * so reading is validation, an OpenAI model's answer goes back as it came, and a stream needs no
 * translation.
 */
@Component
class ChatProtocol implements ClientProtocol {

  private final ChatRequestReader reader;
  private final Formats formats;
  private final JsonMapper json;

  ChatProtocol(ChatRequestReader reader, Formats formats, JsonMapper json) {
    this.reader = reader;
    this.formats = formats;
    this.json = json;
  }

  @Override
  public ClientCall read(byte[] body, String tenant, HttpHeaders headers) {
    ClientCall call = reader.parse(body);
    // attributed on the client's own body, before routing reshapes it
    return new ClientCall(
        call.openAi(),
        call.openAiRaw(),
        call.clientBody(),
        call.raw(),
        call.model(),
        call.stream(),
        call.requestedMaxTokens(),
        Conversations.endUser(call.endUser(), headers),
        Conversations.forChat(tenant, headers, call.openAi()));
  }

  @Override
  public boolean forwardsNative(ResilientProviders.Target target, RoutePlan plan) {
    return target.kind() == ProviderKind.OPENAI;
  }

  @Override
  public byte[] nativeBody(ClientCall call, RoutePlan plan, ResilientProviders.Target target) {
    return null;
  }

  @Override
  public byte[] answer(JsonNode completion, ClientCall call) {
    return json.writeValueAsBytes(completion);
  }

  @Override
  public byte[] error(ProviderReply reply) {
    return formats.openAiError(reply);
  }

  @Override
  public boolean wantsUsageChunk(ClientCall call) {
    return call.openAi().path("stream_options").path("include_usage").asBoolean(false);
  }

  @Override
  public Flux<byte[]> events(Flux<ChatEvent> chatEvents, ClientCall call) {
    return chatEvents.map(ChatEvent::raw);
  }

  /** OpenAI reports a failure after the 200 as a data event carrying an error object. */
  @Override
  public byte[] midStreamError() {
    return RequestPipeline.dataEvent(
        json.writeValueAsBytes(
            OpenAiError.of(
                "The provider stream failed before it finished.",
                OpenAiError.SERVER,
                null,
                "upstream_error")));
  }
}
