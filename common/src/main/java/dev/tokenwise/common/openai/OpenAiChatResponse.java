package dev.tokenwise.common.openai;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A {@code chat.completion} object. {@code finish_reason} is one of {@code stop}, {@code length},
 * {@code tool_calls}, {@code content_filter}, {@code function_call}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OpenAiChatResponse(
    String id,
    String object,
    Long created,
    String model,
    List<Choice> choices,
    OpenAiUsage usage,
    @JsonProperty("service_tier") String serviceTier,
    @JsonProperty("system_fingerprint") String systemFingerprint,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public static final String OBJECT = "chat.completion";

  public OpenAiChatResponse {
    choices = choices == null ? null : List.copyOf(choices);
    extra = Extras.copy(extra);
  }

  /** The first choice's finish reason, or null. */
  public String finishReason() {
    return choices == null || choices.isEmpty() ? null : choices.get(0).finishReason();
  }

  public OpenAiChatResponse withModel(String newModel) {
    return new OpenAiChatResponse(
        id, object, created, newModel, choices, usage, serviceTier, systemFingerprint, extra);
  }

  public OpenAiChatResponse withUsage(OpenAiUsage newUsage) {
    return new OpenAiChatResponse(
        id, object, created, model, choices, newUsage, serviceTier, systemFingerprint, extra);
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Choice(
      Integer index,
      OpenAiMessage message,
      @JsonProperty("finish_reason") String finishReason,
      JsonNode logprobs,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {
    public Choice {
      extra = Extras.copy(extra);
    }
  }
}
