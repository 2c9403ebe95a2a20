package dev.tokenwise.router.pipeline;

import dev.tokenwise.router.provider.ProviderReply;
import dev.tokenwise.router.provider.ResilientProviders;
import dev.tokenwise.router.route.RoutePlan;
import org.springframework.http.HttpHeaders;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;

/**
 * One client protocol at the edge of the {@link RequestPipeline}: it reads the client's request
 * into a {@link ClientCall} and writes answers back in the client's shape. It decides nothing about
 * routing, caching, limits or usage; those happen once, in the pipeline, whatever the protocol.
 */
public interface ClientProtocol {

  /**
   * Reads and validates the client's body; a bad body is an {@code OpenAiApiException} 4xx naming
   * the field. CPU only (no I/O).
   */
  ClientCall read(byte[] body, String tenant, HttpHeaders headers);

  /**
   * Whether {@code target} is sent the client's own body (see {@link #nativeBody}) and its whole
   * answer goes back to the client byte for byte; otherwise the pipeline sends the planned Chat
   * Completions request translated for the target and writes the answer with {@link #answer}.
   */
  boolean forwardsNative(ResilientProviders.Target target, RoutePlan plan);

  /**
   * The client's own body for a target {@link #forwardsNative} accepts, with the plan applied, or
   * null when the planned Chat Completions request is that body already.
   */
  byte[] nativeBody(ClientCall call, RoutePlan plan, ResilientProviders.Target target);

  /** A whole answer, given as a {@code chat.completion}, in the client's shape. */
  byte[] answer(JsonNode completion, ClientCall call);

  /** A provider's error reply in the client's error envelope. */
  byte[] error(ProviderReply reply);

  /**
   * Whether the Chat Completions usage chunk reaches {@link #events}; adapters that translate the
   * stream need it, a chat client gets it only when it asked.
   */
  boolean wantsUsageChunk(ClientCall call);

  /**
   * A Chat Completions event stream (complete {@code data:} events, ending in {@code [DONE]}, each
   * already parsed) as the client's events.
   */
  Flux<byte[]> events(Flux<ChatEvent> chatEvents, ClientCall call);

  /** The event that tells the client a stream failed after its status was sent. */
  byte[] midStreamError();
}
