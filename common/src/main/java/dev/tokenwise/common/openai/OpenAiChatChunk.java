package dev.tokenwise.common.openai;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * One {@code chat.completion.chunk} of a stream (the JSON after {@code data: }). With {@code
 * stream_options.include_usage} the last chunk before {@code [DONE]} has empty {@code choices} and
 * the {@code usage}; an error mid-stream arrives as a chunk whose {@code error} is set.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OpenAiChatChunk(
    String id,
    String object,
    Long created,
    String model,
    List<Choice> choices,
    OpenAiUsage usage,
    @JsonProperty("service_tier") String serviceTier,
    @JsonProperty("system_fingerprint") String systemFingerprint,
    OpenAiError.Body error,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public static final String OBJECT = "chat.completion.chunk";

  /** The SSE data line that ends a stream. */
  public static final String DONE = "[DONE]";

  public OpenAiChatChunk {
    choices = choices == null ? null : List.copyOf(choices);
    extra = Extras.copy(extra);
  }

  public OpenAiChatChunk withModel(String newModel) {
    return new OpenAiChatChunk(
        id,
        object,
        created,
        newModel,
        choices,
        usage,
        serviceTier,
        systemFingerprint,
        error,
        extra);
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Choice(
      Integer index,
      Delta delta,
      @JsonProperty("finish_reason") String finishReason,
      JsonNode logprobs,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {
    public Choice {
      extra = Extras.copy(extra);
    }
  }

  /** What a chunk adds to the message: a role (first chunk), text, tool-call fragments. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Delta(
      String role,
      String content,
      @JsonProperty("tool_calls") List<OpenAiToolCall> toolCalls,
      String refusal,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {
    public Delta {
      toolCalls = toolCalls == null ? null : List.copyOf(toolCalls);
      extra = Extras.copy(extra);
    }
  }
}
