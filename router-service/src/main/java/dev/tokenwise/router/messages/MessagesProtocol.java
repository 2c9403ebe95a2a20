package dev.tokenwise.router.messages;

import dev.tokenwise.common.anthropic.AnthropicMessageRequest;
import dev.tokenwise.common.anthropic.AnthropicMessageRequestParser;
import dev.tokenwise.common.anthropic.AnthropicRequestException;
import dev.tokenwise.common.anthropic.AnthropicStreamEvent;
import dev.tokenwise.common.openai.OpenAiChatChunk;
import dev.tokenwise.common.translate.OpenAiToAnthropicStream;
import dev.tokenwise.common.translate.RequestTranslator;
import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.pipeline.ChatEvent;
import dev.tokenwise.router.pipeline.ClientCall;
import dev.tokenwise.router.pipeline.ClientProtocol;
import dev.tokenwise.router.provider.Formats;
import dev.tokenwise.router.provider.ProviderKind;
import dev.tokenwise.router.provider.ProviderReply;
import dev.tokenwise.router.provider.ResilientProviders;
import dev.tokenwise.router.route.RoutePlan;
import dev.tokenwise.router.routing.PromptSignals;
import dev.tokenwise.router.usage.Conversations;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Anthropic Messages at the edge of the pipeline. The request is validated in Anthropic's rules and
 * read into its Chat Completions translation, which the pipeline plans, caches and limits like any
 * chat request (so the same question through either protocol keys the same cache entry). A Claude
 * target gets the client's own body — the served model and applied cap set, otherwise as sent — and
 * its answer and events go back byte for byte; on a route with a JSON schema, and for any other
 * model, the translation is sent and the answer translated back.
 */
@Component
class MessagesProtocol implements ClientProtocol {

  private static final RequestTranslator VIEW = new RequestTranslator(4096);

  private final Formats formats;
  private final JsonMapper json;

  MessagesProtocol(Formats formats, JsonMapper json) {
    this.formats = formats;
    this.json = json;
  }

  @Override
  public ClientCall read(byte[] bytes, String tenant, HttpHeaders headers) {
    JsonNode tree;
    try {
      tree = json.readTree(bytes);
    } catch (JacksonException e) {
      throw OpenAiApiException.invalidRequest(
          "The request body is not valid JSON.", null, "invalid_json");
    }
    AnthropicMessageRequest request;
    try {
      request = AnthropicMessageRequestParser.parse(json, tree);
    } catch (AnthropicRequestException e) {
      throw OpenAiApiException.invalidRequest(e.getMessage(), e.field(), "invalid_request");
    } catch (JacksonException e) {
      throw OpenAiApiException.invalidRequest(
          "A field has a value of the wrong type or out of range.", null, "invalid_value");
    }
    ObjectNode body = (ObjectNode) tree;
    JsonNode user = body.path("metadata").path("user_id");
    String endUser = user.isString() && !user.asString().isBlank() ? user.asString() : null;
    long maxTokens = request.maxTokens() == null ? 0 : request.maxTokens();
    return new ClientCall(
        openAiView(request, body, maxTokens),
        null,
        body,
        bytes,
        request.model(),
        request.wantsStream(),
        maxTokens,
        Conversations.endUser(endUser, headers),
        // attributed on the client's own body, before routing reshapes it
        Conversations.forMessages(tenant, headers, body));
  }

  /**
   * The request as the pipeline reads it: the Chat Completions translation (so routes, tiers, caps,
   * prompt-cache keys, lint and the response cache work as on {@code /v1/chat/completions}), or,
   * when it has no translation, its model, cap, system and message texts.
   */
  private ObjectNode openAiView(AnthropicMessageRequest parsed, ObjectNode body, long maxTokens) {
    try {
      ObjectNode view = json.valueToTree(VIEW.toOpenAi(parsed));
      view.put("model", parsed.model());
      return view;
    } catch (RuntimeException e) {
      ObjectNode view = json.createObjectNode();
      view.put("model", parsed.model());
      view.put("max_completion_tokens", maxTokens);
      ArrayNode messages = view.putArray("messages");
      JsonNode system = body.path("system");
      if (!system.isMissingNode() && !system.isNull()) {
        messages.addObject().put("role", "system").put("content", PromptSignals.text(system));
      }
      for (JsonNode message : body.path("messages")) {
        messages
            .addObject()
            .put("role", message.path("role").asString("user"))
            .put("content", PromptSignals.text(message.path("content")));
      }
      if (body.has("stream")) {
        view.set("stream", body.get("stream"));
      }
      if (body.has("tools")) {
        view.set("tools", body.get("tools"));
      }
      return view;
    }
  }

  /** A Claude model gets the client's own body unless the route's schema must be injected. */
  @Override
  public boolean forwardsNative(ResilientProviders.Target target, RoutePlan plan) {
    return target.kind() == ProviderKind.ANTHROPIC && !plan.schemaInjected();
  }

  /**
   * The client's body with the target model and the plan's cap: the bytes as sent when unchanged.
   */
  @Override
  public byte[] nativeBody(ClientCall call, RoutePlan plan, ResilientProviders.Target target) {
    long maxTokens =
        plan.cap().applied() != null ? plan.cap().applied() : call.requestedMaxTokens();
    ObjectNode body = call.clientBody();
    if (target.model().equals(body.path("model").asString(""))
        && body.path("max_tokens").asLong(-1) == maxTokens) {
      return call.raw();
    }
    ObjectNode copy = body.deepCopy();
    copy.put("model", target.model());
    copy.put("max_tokens", maxTokens);
    return json.writeValueAsBytes(copy);
  }

  @Override
  public byte[] answer(JsonNode completion, ClientCall call) {
    return json.writeValueAsBytes(formats.anthropicFromOpenAi(completion));
  }

  @Override
  public byte[] error(ProviderReply reply) {
    return formats.anthropicError(reply);
  }

  @Override
  public boolean wantsUsageChunk(ClientCall call) {
    return true;
  }

  /** Chat Completions chunks as Anthropic's named events, closed at {@code [DONE]}. */
  @Override
  public Flux<byte[]> events(Flux<ChatEvent> chatEvents, ClientCall call) {
    OpenAiToAnthropicStream translator = new OpenAiToAnthropicStream();
    boolean[] closed = new boolean[1];
    return chatEvents
        .concatMapIterable(
            event -> {
              if (closed[0]) {
                return List.<byte[]>of();
              }
              if (event.done()) {
                closed[0] = true;
                return named(translator.finish());
              }
              JsonNode chunk = event.data();
              if (chunk == null || !chunk.isObject()) {
                return List.<byte[]>of();
              }
              if (chunk.path("error").isObject()) {
                closed[0] = true;
                return named(
                    List.of(
                        new AnthropicStreamEvent.Error(
                            "api_error", chunk.path("error").path("message").asString("error"))));
              }
              return named(translator.accept(json.treeToValue(chunk, OpenAiChatChunk.class)));
            })
        .concatWith(
            Flux.defer(
                () -> closed[0] ? Flux.empty() : Flux.fromIterable(named(translator.finish()))));
  }

  /** Anthropic reports a failure after the 200 as an {@code error} event. */
  @Override
  public byte[] midStreamError() {
    return named(
            List.of(
                new AnthropicStreamEvent.Error(
                    "api_error", "The provider stream failed before it finished.")))
        .get(0);
  }

  private List<byte[]> named(List<AnthropicStreamEvent> events) {
    List<byte[]> out = new ArrayList<>(events.size());
    for (AnthropicStreamEvent event : events) {
      out.add(
          ("event: "
                  + event.type()
                  + "\ndata: "
                  + new String(json.writeValueAsBytes(event), StandardCharsets.UTF_8)
                  + "\n\n")
              .getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }
}
