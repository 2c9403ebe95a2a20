package dev.tokenwise.router.provider;

import dev.tokenwise.common.anthropic.AnthropicMessageRequest;
import dev.tokenwise.common.anthropic.AnthropicMessageResponse;
import dev.tokenwise.common.anthropic.AnthropicStreamEvent;
import dev.tokenwise.common.gemini.GeminiError;
import dev.tokenwise.common.gemini.GeminiGenerateContentResponse;
import dev.tokenwise.common.openai.OpenAiChatChunk;
import dev.tokenwise.common.openai.OpenAiChatRequest;
import dev.tokenwise.common.openai.OpenAiChatResponse;
import dev.tokenwise.common.translate.AnthropicToOpenAiStream;
import dev.tokenwise.common.translate.GeminiRequestTranslator;
import dev.tokenwise.common.translate.GeminiResponseTranslator;
import dev.tokenwise.common.translate.GeminiToOpenAiStream;
import dev.tokenwise.common.translate.NormalizedUsage;
import dev.tokenwise.common.translate.OpenAiToAnthropicStream;
import dev.tokenwise.common.translate.RequestTranslator;
import dev.tokenwise.common.translate.ResponseTranslator;
import dev.tokenwise.common.translate.UntranslatableException;
import dev.tokenwise.router.error.OpenAiApiException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes a client's request in the format of the model that serves it, and the answer back in the
 * client's format: bodies whole, streams event by event (common's translators), so an OpenAI client
 * can be served by a Claude model, an Anthropic client by an OpenAI model, and either by a Gemini
 * model (Anthropic to and from Gemini goes through the Chat Completions shapes).
 */
@Component
public class Formats {

  /** Anthropic requires {@code max_tokens}; an OpenAI client that set none gets this. */
  static final long DEFAULT_MAX_TOKENS = 4096;

  private final JsonMapper json;
  private final RequestTranslator requests = new RequestTranslator(DEFAULT_MAX_TOKENS);
  private final ResponseTranslator responses = new ResponseTranslator(Clock.systemUTC());
  private final GeminiResponseTranslator geminiResponses =
      new GeminiResponseTranslator(Clock.systemUTC());

  public Formats(JsonMapper json) {
    this.json = json;
  }

  /** The body of an OpenAI chat request (as the client sent it) for {@code target}. */
  public byte[] fromOpenAi(ObjectNode request, byte[] raw, ResilientProviders.Target target) {
    String model = request.path("model").asString("");
    if (target.kind() == ProviderKind.OPENAI) {
      if (model.equals(target.model())) {
        return raw;
      }
      ObjectNode copy = request.deepCopy();
      copy.put("model", target.model());
      return json.writeValueAsBytes(copy);
    }
    try {
      OpenAiChatRequest parsed = json.treeToValue(request, OpenAiChatRequest.class);
      if (target.kind() == ProviderKind.GEMINI) {
        return json.writeValueAsBytes(GeminiRequestTranslator.toGemini(parsed));
      }
      AnthropicMessageRequest translated = requests.toAnthropic(parsed).withModel(target.model());
      return json.writeValueAsBytes(translated);
    } catch (UntranslatableException e) {
      throw OpenAiApiException.invalidRequest(e.getMessage(), e.field(), "unsupported_parameter");
    } catch (RuntimeException e) {
      // a body that passed validation but that the translator cannot read (found by fuzzing:
      // a text block without text): the client's to fix, never a 500
      throw untranslatable(target, e);
    }
  }

  /** The body of an Anthropic messages request (as the client sent it) for {@code target}. */
  public byte[] fromAnthropic(ObjectNode request, byte[] raw, ResilientProviders.Target target) {
    String model = request.path("model").asString("");
    if (target.kind() == ProviderKind.ANTHROPIC) {
      if (model.equals(target.model())) {
        return raw;
      }
      ObjectNode copy = request.deepCopy();
      copy.put("model", target.model());
      return json.writeValueAsBytes(copy);
    }
    try {
      AnthropicMessageRequest parsed = json.treeToValue(request, AnthropicMessageRequest.class);
      OpenAiChatRequest translated = requests.toOpenAi(parsed).withModel(target.model());
      if (target.kind() == ProviderKind.GEMINI) {
        return json.writeValueAsBytes(GeminiRequestTranslator.toGemini(translated));
      }
      if (Boolean.TRUE.equals(parsed.stream())) {
        translated = translated.withStreamUsage();
      }
      return json.writeValueAsBytes(translated);
    } catch (UntranslatableException e) {
      throw OpenAiApiException.invalidRequest(e.getMessage(), e.field(), "unsupported_parameter");
    } catch (RuntimeException e) {
      // a body that passed validation but that the translator cannot read (found by fuzzing:
      // a text block without text): the client's to fix, never a 500
      throw untranslatable(target, e);
    }
  }

  private static OpenAiApiException untranslatable(ResilientProviders.Target target, Exception e) {
    return OpenAiApiException.invalidRequest(
        "The request cannot be translated for the model '"
            + target.model()
            + "': "
            + (e instanceof JacksonException
                ? "a field has the wrong type."
                : "a field is missing.")
            + " Check the content blocks and tool definitions.",
        null,
        "untranslatable_request");
  }

  /**
   * A provider's successful answer as a JSON object, parsed once; the pipeline reads its usage and
   * its {@code chat.completion} form from this tree.
   */
  public JsonNode readAnswer(byte[] body) {
    return read(body);
  }

  /**
   * The answer {@code target} gave (its native tree, see {@link #readAnswer}) as an OpenAI {@code
   * chat.completion}; {@code request} is the Chat Completions request it answers (for the schema
   * tool of a Claude model), or null.
   */
  public JsonNode toOpenAi(JsonNode answer, ResilientProviders.Target target, JsonNode request) {
    return switch (target.kind()) {
      case OPENAI -> answer;
      case GEMINI -> json.valueToTree(geminiToOpenAi(answer, target.model()));
      case ANTHROPIC ->
          json.valueToTree(
              responses.toOpenAi(
                  json.treeToValue(answer, AnthropicMessageResponse.class),
                  structuredTool(request)));
    };
  }

  /**
   * Usage from the provider's own answer, before any translation: Anthropic's cache writes keep
   * their 5-minute / 1-hour split, which the Chat Completions usage shape cannot carry.
   */
  public NormalizedUsage nativeUsage(JsonNode answer, ProviderKind kind) {
    if (kind != ProviderKind.GEMINI) {
      return usage(answer, kind);
    }
    JsonNode usage = answer == null ? null : answer.get("usageMetadata");
    if (usage == null || !usage.isObject()) {
      return NormalizedUsage.ZERO;
    }
    try {
      return NormalizedUsage.from(
          json.treeToValue(usage, dev.tokenwise.common.gemini.GeminiUsageMetadata.class));
    } catch (JacksonException | IllegalArgumentException e) {
      return NormalizedUsage.ZERO;
    }
  }

  /** A {@code chat.completion} as an Anthropic {@code message} (common's translator). */
  public JsonNode anthropicFromOpenAi(JsonNode completion) {
    return json.valueToTree(
        responses.toAnthropic(json.treeToValue(completion, OpenAiChatResponse.class)));
  }

  /**
   * As {@link #streamToOpenAi(ResilientProviders.ServedStream, JsonNode)}, handing the usage read
   * from a Claude model's own events to {@code nativeUsage} as the stream goes (the translated
   * chunks carry no 1-hour cache writes).
   */
  public Flux<DataBuffer> streamToOpenAi(
      ResilientProviders.ServedStream served,
      JsonNode request,
      java.util.function.Consumer<NormalizedUsage> nativeUsage) {
    if (served.target().kind() != ProviderKind.ANTHROPIC) {
      return streamToOpenAi(served, request);
    }
    return anthropicToOpenAi(served.entity().getBody(), structuredTool(request), nativeUsage);
  }

  /** A successful non-streamed answer as an OpenAI {@code chat.completion}. */
  public JsonNode toOpenAi(ResilientProviders.Served served) {
    return toOpenAi(served, null);
  }

  /**
   * A successful non-streamed answer to {@code request} (the OpenAI chat request as sent) as an
   * OpenAI {@code chat.completion}: a Claude model's answer to a {@code json_schema} request, given
   * as the forced schema tool's input, becomes the message content.
   */
  public JsonNode toOpenAi(ResilientProviders.Served served, JsonNode request) {
    JsonNode body = read(served.reply().body());
    if (served.target().kind() == ProviderKind.OPENAI) {
      return body;
    }
    if (served.target().kind() == ProviderKind.GEMINI) {
      return json.valueToTree(geminiToOpenAi(body, served.target().model()));
    }
    AnthropicMessageResponse message = json.treeToValue(body, AnthropicMessageResponse.class);
    return json.valueToTree(responses.toOpenAi(message, structuredTool(request)));
  }

  /**
   * The tool a {@code json_schema} {@code response_format} becomes for an Anthropic model (common's
   * {@link RequestTranslator#structuredOutputTool}, which refused the request if the format were
   * malformed), or null.
   */
  static String structuredTool(JsonNode request) {
    if (request == null) {
      return null;
    }
    JsonNode format = request.path("response_format");
    if (!"json_schema".equals(format.path("type").asString(""))) {
      return null;
    }
    return format.path("json_schema").path("name").asString(null);
  }

  private OpenAiChatResponse geminiToOpenAi(JsonNode body, String model) {
    return geminiResponses.toOpenAi(
        json.treeToValue(body, GeminiGenerateContentResponse.class), model);
  }

  /** A successful non-streamed answer as an Anthropic {@code message}. */
  public JsonNode toAnthropic(ResilientProviders.Served served) {
    JsonNode body = read(served.reply().body());
    if (served.target().kind() == ProviderKind.ANTHROPIC) {
      return body;
    }
    OpenAiChatResponse completion =
        served.target().kind() == ProviderKind.GEMINI
            ? geminiToOpenAi(body, served.target().model())
            : json.treeToValue(body, OpenAiChatResponse.class);
    return json.valueToTree(responses.toAnthropic(completion));
  }

  /** The normalised usage of an answer in either format; zero when absent or unreadable. */
  public NormalizedUsage usage(JsonNode answer, ProviderKind kind) {
    JsonNode usage = answer == null ? null : answer.get("usage");
    if (usage == null || !usage.isObject()) {
      return NormalizedUsage.ZERO;
    }
    try {
      return kind == ProviderKind.ANTHROPIC
          ? NormalizedUsage.from(
              json.treeToValue(usage, dev.tokenwise.common.anthropic.AnthropicUsage.class))
          : NormalizedUsage.from(
              json.treeToValue(usage, dev.tokenwise.common.openai.OpenAiUsage.class));
    } catch (JacksonException | IllegalArgumentException e) {
      return NormalizedUsage.ZERO;
    }
  }

  /**
   * An Anthropic event stream as OpenAI {@code data:} chunks ending in {@code [DONE]}; the usage
   * chunk is always written (the caller's tap drops it when the client did not ask).
   */
  public Flux<DataBuffer> anthropicToOpenAi(Flux<DataBuffer> events) {
    return anthropicToOpenAi(events, null);
  }

  /** As {@link #anthropicToOpenAi(Flux)}, the schema tool's input streamed as content. */
  Flux<DataBuffer> anthropicToOpenAi(Flux<DataBuffer> events, String structuredTool) {
    return anthropicToOpenAi(events, structuredTool, usage -> {});
  }

  private Flux<DataBuffer> anthropicToOpenAi(
      Flux<DataBuffer> events,
      String structuredTool,
      java.util.function.Consumer<NormalizedUsage> nativeUsage) {
    return anthropicChunks(events, structuredTool, nativeUsage)
        .map(
            chunk ->
                chunk == DONE
                    ? dataEvent(OpenAiChatChunk.DONE.getBytes(StandardCharsets.UTF_8))
                    : dataEvent(json.writeValueAsBytes(chunk)))
        .map(DefaultDataBufferFactory.sharedInstance::wrap);
  }

  /** Marks the end of a chunk stream from {@link #anthropicChunks} ({@code data: [DONE]}). */
  public static final JsonNode DONE =
      tools.jackson.databind.node.JsonNodeFactory.instance.stringNode(OpenAiChatChunk.DONE);

  /**
   * A Claude model's accepted stream as Chat Completions chunks, each a tree built once from its
   * Anthropic event (parsed once), ending in {@link #DONE}; a provider {@code error} event becomes
   * OpenAI's in-stream error object. The usage read from the provider's own events goes to {@code
   * nativeUsage} as it arrives.
   */
  public Flux<JsonNode> anthropicChunks(
      ResilientProviders.ServedStream served,
      JsonNode request,
      java.util.function.Consumer<NormalizedUsage> nativeUsage) {
    return anthropicChunks(served.entity().getBody(), structuredTool(request), nativeUsage);
  }

  private Flux<JsonNode> anthropicChunks(
      Flux<DataBuffer> events,
      String structuredTool,
      java.util.function.Consumer<NormalizedUsage> nativeUsage) {
    AnthropicToOpenAiStream translator =
        new AnthropicToOpenAiStream(Clock.systemUTC(), true, structuredTool);
    SseFrames frames = new SseFrames();
    return events
        .concatMapIterable(buffer -> frames.accept(drain(buffer)))
        .concatWith(Flux.defer(() -> Flux.fromIterable(frames.finish())))
        .concatMapIterable(
            frame -> {
              List<JsonNode> out = new ArrayList<>();
              AnthropicStreamEvent event = parseAnthropic(frame.data());
              if (event == null) {
                return out;
              }
              if (event instanceof AnthropicStreamEvent.Error error) {
                out.add(json.valueToTree(java.util.Map.of("error", errorOf(error))));
                return out;
              }
              for (OpenAiChatChunk chunk : translator.accept(event)) {
                out.add(json.valueToTree(chunk));
              }
              if (event instanceof AnthropicStreamEvent.MessageStart
                  || event instanceof AnthropicStreamEvent.MessageDelta) {
                nativeUsage.accept(translator.normalizedUsage());
              }
              if (event instanceof AnthropicStreamEvent.MessageStop) {
                out.add(DONE);
              }
              return out;
            });
  }

  /** An accepted stream's events as OpenAI {@code data:} chunks, whatever the provider. */
  public Flux<DataBuffer> streamToOpenAi(ResilientProviders.ServedStream served) {
    return streamToOpenAi(served, null);
  }

  /**
   * An accepted stream answering {@code request} (the OpenAI chat request as sent) as OpenAI {@code
   * data:} chunks; see {@link #toOpenAi(ResilientProviders.Served, JsonNode)}.
   */
  public Flux<DataBuffer> streamToOpenAi(ResilientProviders.ServedStream served, JsonNode request) {
    Flux<DataBuffer> body = served.entity().getBody();
    return switch (served.target().kind()) {
      case OPENAI -> body;
      case ANTHROPIC -> anthropicToOpenAi(body, structuredTool(request));
      case GEMINI -> geminiToOpenAi(body, served.target().model());
    };
  }

  /** An accepted stream's events as Anthropic named events, whatever the provider. */
  public Flux<DataBuffer> streamToAnthropic(ResilientProviders.ServedStream served) {
    Flux<DataBuffer> body = served.entity().getBody();
    return switch (served.target().kind()) {
      case OPENAI -> openAiToAnthropic(body);
      case ANTHROPIC -> body;
      case GEMINI -> openAiToAnthropic(geminiToOpenAi(body, served.target().model()));
    };
  }

  /**
   * Gemini's {@code alt=sse} chunks as OpenAI {@code data:} chunks ending in {@code [DONE]} when
   * the upstream ends (Gemini sends no end marker); the usage chunk is always written (the caller's
   * tap drops it when the client did not ask). An error object in the stream becomes OpenAI's
   * in-stream error, and no {@code [DONE]} follows it.
   */
  public Flux<DataBuffer> geminiToOpenAi(Flux<DataBuffer> events, String model) {
    GeminiToOpenAiStream translator = new GeminiToOpenAiStream(Clock.systemUTC(), true, model);
    SseFrames frames = new SseFrames();
    boolean[] failed = new boolean[1];
    return events
        .concatMapIterable(buffer -> frames.accept(drain(buffer)))
        .concatWith(Flux.defer(() -> Flux.fromIterable(frames.finish())))
        .concatMapIterable(
            frame -> {
              List<byte[]> out = new ArrayList<>();
              String data = frame.data();
              if (data == null || data.isEmpty() || failed[0]) {
                return out;
              }
              JsonNode tree;
              try {
                tree = json.readTree(data);
              } catch (JacksonException e) {
                return out;
              }
              if (tree.path("error").isObject()) {
                failed[0] = true;
                out.add(dataEvent(json.writeValueAsBytes(openAiErrorOf(tree))));
                return out;
              }
              for (OpenAiChatChunk chunk :
                  translator.accept(json.treeToValue(tree, GeminiGenerateContentResponse.class))) {
                out.add(dataEvent(json.writeValueAsBytes(chunk)));
              }
              return out;
            })
        .concatWith(
            Flux.defer(
                () -> {
                  if (failed[0]) {
                    return Flux.<byte[]>empty();
                  }
                  List<byte[]> out = new ArrayList<>();
                  for (OpenAiChatChunk chunk : translator.finish()) {
                    out.add(dataEvent(json.writeValueAsBytes(chunk)));
                  }
                  out.add(dataEvent(OpenAiChatChunk.DONE.getBytes(StandardCharsets.UTF_8)));
                  return Flux.fromIterable(out);
                }))
        .map(DefaultDataBufferFactory.sharedInstance::wrap);
  }

  /** Google's error envelope as OpenAI's. */
  private dev.tokenwise.common.openai.OpenAiError openAiErrorOf(JsonNode googleError) {
    return GeminiResponseTranslator.toOpenAi(json.treeToValue(googleError, GeminiError.class));
  }

  /**
   * Google's envelope: {@code error.status} a name, {@code error.code} the HTTP status number (an
   * OpenAI-compatible server's numeric {@code code} comes with a {@code type}).
   */
  private static boolean isGoogleError(JsonNode error) {
    return error.path("status").isString() || (error.path("code").isNumber() && !error.has("type"));
  }

  /** An OpenAI chunk stream as Anthropic named events, closed at {@code [DONE]}. */
  public Flux<DataBuffer> openAiToAnthropic(Flux<DataBuffer> events) {
    OpenAiToAnthropicStream translator = new OpenAiToAnthropicStream();
    SseFrames frames = new SseFrames();
    return events
        .concatMapIterable(buffer -> frames.accept(drain(buffer)))
        .concatWith(Flux.defer(() -> Flux.fromIterable(frames.finish())))
        .concatMapIterable(
            frame -> {
              String data = frame.data();
              if (data == null) {
                return List.<byte[]>of();
              }
              if (data.equals(OpenAiChatChunk.DONE)) {
                return namedEvents(translator.finish());
              }
              JsonNode tree;
              try {
                tree = json.readTree(data);
              } catch (JacksonException e) {
                return List.<byte[]>of();
              }
              if (tree.path("error").isObject()) {
                return namedEvents(
                    List.of(
                        new AnthropicStreamEvent.Error(
                            "api_error", tree.path("error").path("message").asString("error"))));
              }
              return namedEvents(translator.accept(json.treeToValue(tree, OpenAiChatChunk.class)));
            })
        .concatWith(
            Mono.fromSupplier(() -> namedEvents(translator.finish())).flatMapIterable(l -> l))
        .map(DefaultDataBufferFactory.sharedInstance::wrap);
  }

  /**
   * A provider's error reply in OpenAI's envelope: passed through when it already is one,
   * translated from Anthropic's, or a generic envelope naming the status.
   */
  public byte[] openAiError(ProviderReply reply) {
    JsonNode body = tryRead(reply.body());
    JsonNode error = body == null ? null : body.get("error");
    if (error != null && error.isObject() && isGoogleError(error)) {
      try {
        return json.writeValueAsBytes(openAiErrorOf(body));
      } catch (JacksonException | IllegalArgumentException e) {
        // not quite Google's shape: the generic envelope below
      }
    } else if (error != null
        && error.isObject()
        && !"error".equals(body.path("type").asString(""))) {
      return reply.body();
    }
    String message =
        error != null && error.path("message").isString()
            ? error.path("message").asString()
            : "The provider answered with HTTP status " + reply.status().value() + ".";
    String type =
        error != null && error.path("type").isString()
            ? error.path("type").asString()
            : reply.status().is4xxClientError() ? "invalid_request_error" : "server_error";
    java.util.Map<String, Object> envelope = new java.util.LinkedHashMap<>();
    envelope.put("message", message);
    envelope.put("type", type);
    envelope.put("param", null);
    envelope.put("code", reply.status().value() == 429 ? "rate_limit_exceeded" : "upstream_error");
    return json.writeValueAsBytes(java.util.Map.of("error", envelope));
  }

  /** A provider's error reply in Anthropic's envelope. */
  public byte[] anthropicError(ProviderReply reply) {
    JsonNode body = tryRead(reply.body());
    if (body != null && "error".equals(body.path("type").asString(""))) {
      return reply.body();
    }
    JsonNode error = body == null ? null : body.get("error");
    String message =
        error != null && error.path("message").isString()
            ? error.path("message").asString()
            : "The provider answered with HTTP status " + reply.status().value() + ".";
    return json.writeValueAsBytes(
        dev.tokenwise.common.anthropic.AnthropicError.of(
            dev.tokenwise.router.error.PublicApiErrorHandler.anthropicType(reply.status().value()),
            message,
            null));
  }

  private JsonNode tryRead(byte[] body) {
    try {
      JsonNode tree = json.readTree(body);
      return tree != null && tree.isObject() ? tree : null;
    } catch (JacksonException e) {
      return null;
    }
  }

  private List<byte[]> namedEvents(List<AnthropicStreamEvent> events) {
    List<byte[]> out = new ArrayList<>();
    for (AnthropicStreamEvent event : events) {
      byte[] data = json.writeValueAsBytes(event);
      out.add(
          ("event: "
                  + event.type()
                  + "\ndata: "
                  + new String(data, StandardCharsets.UTF_8)
                  + "\n\n")
              .getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }

  private java.util.Map<String, Object> errorOf(AnthropicStreamEvent.Error error) {
    java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
    body.put(
        "message",
        "The provider stream failed: "
            + (error.error() == null ? "error" : error.error().type())
            + ".");
    body.put("type", "server_error");
    body.put("param", null);
    body.put("code", "upstream_error");
    return body;
  }

  private AnthropicStreamEvent parseAnthropic(String data) {
    if (data == null || data.isEmpty()) {
      return null;
    }
    try {
      return json.readValue(data, AnthropicStreamEvent.class);
    } catch (JacksonException e) {
      return null;
    }
  }

  private JsonNode read(byte[] body) {
    try {
      JsonNode tree = json.readTree(body);
      if (tree.isObject()) {
        return tree;
      }
    } catch (JacksonException e) {
      // reported below
    }
    throw OpenAiApiException.upstreamUnavailable(
        HttpStatus.BAD_GATEWAY, "The provider's answer was not a JSON object.");
  }

  static byte[] dataEvent(byte[] data) {
    byte[] event = new byte[data.length + 8];
    System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, event, 0, 6);
    System.arraycopy(data, 0, event, 6, data.length);
    event[event.length - 2] = '\n';
    event[event.length - 1] = '\n';
    return event;
  }

  static byte[] drain(DataBuffer buffer) {
    try {
      byte[] bytes = new byte[buffer.readableByteCount()];
      buffer.read(bytes);
      return bytes;
    } finally {
      DataBufferUtils.release(buffer);
    }
  }
}
