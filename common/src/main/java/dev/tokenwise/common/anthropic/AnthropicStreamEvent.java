package dev.tokenwise.common.anthropic;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;
import tools.jackson.databind.node.ObjectNode;

/**
 * One server-sent event of a Messages stream (the JSON after {@code data: }), keyed on its {@code
 * type}, which is also the SSE {@code event:} name. A stream runs {@code message_start}, then per
 * content block {@code content_block_start}, {@code content_block_delta}*, {@code
 * content_block_stop}, then {@code message_delta} and {@code message_stop}; {@code ping} may come
 * anywhere and {@code error} may arrive after a 200. Types Anthropic adds later are read as {@link
 * Unknown} and written back unchanged, as its versioning policy asks of clients.
 */
@JsonDeserialize(using = AnthropicStreamEvent.Deserializer.class)
public sealed interface AnthropicStreamEvent
    permits AnthropicStreamEvent.MessageStart,
        AnthropicStreamEvent.ContentBlockStart,
        AnthropicStreamEvent.ContentBlockDelta,
        AnthropicStreamEvent.ContentBlockStop,
        AnthropicStreamEvent.MessageDelta,
        AnthropicStreamEvent.MessageStop,
        AnthropicStreamEvent.Ping,
        AnthropicStreamEvent.Error,
        AnthropicStreamEvent.Unknown {

  /** The wire {@code type}, also the SSE event name. */
  String type();

  /** {@code message_start}: the message with empty content, and the input-side usage. */
  @JsonDeserialize(using = ValueDeserializer.None.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"type"})
  record MessageStart(
      AnthropicMessageResponse message,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra)
      implements AnthropicStreamEvent {
    public static final String TYPE = "message_start";

    public MessageStart {
      extra = Extras.copy(extra);
    }

    public MessageStart(AnthropicMessageResponse message) {
      this(message, null);
    }

    @Override
    @JsonProperty("type")
    public String type() {
      return TYPE;
    }
  }

  /** {@code content_block_start}: a block at {@code index}, with empty text or input. */
  @JsonDeserialize(using = ValueDeserializer.None.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"type"})
  record ContentBlockStart(
      Integer index,
      @JsonProperty("content_block") AnthropicContentBlock contentBlock,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra)
      implements AnthropicStreamEvent {
    public static final String TYPE = "content_block_start";

    public ContentBlockStart {
      extra = Extras.copy(extra);
    }

    public ContentBlockStart(int index, AnthropicContentBlock contentBlock) {
      this(index, contentBlock, null);
    }

    @Override
    @JsonProperty("type")
    public String type() {
      return TYPE;
    }
  }

  /** {@code content_block_delta}: more of the block at {@code index}. */
  @JsonDeserialize(using = ValueDeserializer.None.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"type"})
  record ContentBlockDelta(
      Integer index,
      Delta delta,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra)
      implements AnthropicStreamEvent {
    public static final String TYPE = "content_block_delta";

    public ContentBlockDelta {
      extra = Extras.copy(extra);
    }

    public ContentBlockDelta(int index, Delta delta) {
      this(index, delta, null);
    }

    @Override
    @JsonProperty("type")
    public String type() {
      return TYPE;
    }
  }

  /**
   * A block's increment: {@code text_delta} ({@code text}), {@code input_json_delta} ({@code
   * partial_json}, a fragment of the tool input's JSON), {@code thinking_delta}, {@code
   * signature_delta}, {@code citations_delta}, ...
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Delta(
      String type,
      String text,
      @JsonProperty("partial_json") String partialJson,
      String thinking,
      String signature,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {
    public static final String TEXT = "text_delta";
    public static final String INPUT_JSON = "input_json_delta";

    public Delta {
      extra = Extras.copy(extra);
    }

    public static Delta text(String text) {
      return new Delta(TEXT, text, null, null, null, null);
    }

    public static Delta inputJson(String partialJson) {
      return new Delta(INPUT_JSON, null, partialJson, null, null, null);
    }
  }

  /** {@code content_block_stop}: the block at {@code index} is complete. */
  @JsonDeserialize(using = ValueDeserializer.None.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"type"})
  record ContentBlockStop(
      Integer index,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra)
      implements AnthropicStreamEvent {
    public static final String TYPE = "content_block_stop";

    public ContentBlockStop {
      extra = Extras.copy(extra);
    }

    public ContentBlockStop(int index) {
      this(index, null);
    }

    @Override
    @JsonProperty("type")
    public String type() {
      return TYPE;
    }
  }

  /** {@code message_delta}: stop reason, and usage that is cumulative (take the last). */
  @JsonDeserialize(using = ValueDeserializer.None.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"type"})
  record MessageDelta(
      MessageDeltaBody delta,
      AnthropicUsage usage,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra)
      implements AnthropicStreamEvent {
    public static final String TYPE = "message_delta";

    public MessageDelta {
      extra = Extras.copy(extra);
    }

    public MessageDelta(String stopReason, String stopSequence, AnthropicUsage usage) {
      this(new MessageDeltaBody(stopReason, stopSequence, null), usage, null);
    }

    /** The delta's {@code stop_reason}, or null. */
    public String stopReason() {
      return delta == null ? null : delta.stopReason();
    }

    @Override
    @JsonProperty("type")
    public String type() {
      return TYPE;
    }
  }

  /** The top-level message fields a {@code message_delta} changes. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record MessageDeltaBody(
      @JsonProperty("stop_reason") String stopReason,
      @JsonProperty("stop_sequence") String stopSequence,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {
    public MessageDeltaBody {
      extra = Extras.copy(extra);
    }
  }

  /** {@code message_stop}: the stream is complete. */
  @JsonDeserialize(using = ValueDeserializer.None.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"type"})
  record MessageStop(
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra)
      implements AnthropicStreamEvent {
    public static final String TYPE = "message_stop";

    public MessageStop {
      extra = Extras.copy(extra);
    }

    public MessageStop() {
      this(null);
    }

    @Override
    @JsonProperty("type")
    public String type() {
      return TYPE;
    }
  }

  /** {@code ping}: keeps the connection alive; carries nothing. */
  @JsonDeserialize(using = ValueDeserializer.None.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"type"})
  record Ping(
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra)
      implements AnthropicStreamEvent {
    public static final String TYPE = "ping";

    public Ping {
      extra = Extras.copy(extra);
    }

    public Ping() {
      this(null);
    }

    @Override
    @JsonProperty("type")
    public String type() {
      return TYPE;
    }
  }

  /** {@code error}: the stream failed after a 200, e.g. {@code overloaded_error}. */
  @JsonDeserialize(using = ValueDeserializer.None.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"type"})
  record Error(
      AnthropicError.Body error,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra)
      implements AnthropicStreamEvent {
    public static final String TYPE = "error";

    public Error {
      extra = Extras.copy(extra);
    }

    public Error(String errorType, String message) {
      this(new AnthropicError.Body(errorType, message, null), null);
    }

    @Override
    @JsonProperty("type")
    public String type() {
      return TYPE;
    }
  }

  /** An event type this model does not know; kept whole so it can be passed on. */
  @JsonDeserialize(using = ValueDeserializer.None.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"type"})
  record Unknown(
      String type,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra)
      implements AnthropicStreamEvent {
    public Unknown {
      extra = Extras.copy(extra);
    }
  }

  /** Dispatches on {@code type}. */
  final class Deserializer extends ValueDeserializer<AnthropicStreamEvent> {
    @Override
    public AnthropicStreamEvent deserialize(JsonParser p, DeserializationContext ctxt) {
      JsonNode tree = ctxt.readTree(p);
      if (!tree.isObject()) {
        return ctxt.reportInputMismatch(this, "a stream event must be a JSON object");
      }
      ObjectNode body = ((ObjectNode) tree).deepCopy();
      JsonNode typeNode = body.remove("type");
      String type = typeNode == null || !typeNode.isString() ? null : typeNode.asString();
      if (type == null) {
        return ctxt.reportInputMismatch(this, "a stream event needs a string 'type'");
      }
      Class<? extends AnthropicStreamEvent> target =
          switch (type) {
            case MessageStart.TYPE -> MessageStart.class;
            case ContentBlockStart.TYPE -> ContentBlockStart.class;
            case ContentBlockDelta.TYPE -> ContentBlockDelta.class;
            case ContentBlockStop.TYPE -> ContentBlockStop.class;
            case MessageDelta.TYPE -> MessageDelta.class;
            case MessageStop.TYPE -> MessageStop.class;
            case Ping.TYPE -> Ping.class;
            case Error.TYPE -> Error.class;
            default -> null;
          };
      if (target == null) {
        body.put("type", type);
        return ctxt.readTreeAsValue(body, Unknown.class);
      }
      return ctxt.readTreeAsValue(body, target);
    }
  }
}
