package dev.tokenwise.common.anthropic;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A {@code type: "message"} response. {@code stop_reason} is one of {@code end_turn}, {@code
 * max_tokens}, {@code stop_sequence}, {@code tool_use}, {@code pause_turn}, {@code refusal} (and
 * null in a stream's {@code message_start}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AnthropicMessageResponse(
    String id,
    String type,
    String role,
    String model,
    List<AnthropicContentBlock> content,
    @JsonProperty("stop_reason") String stopReason,
    @JsonProperty("stop_sequence") String stopSequence,
    AnthropicUsage usage,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public static final String TYPE = "message";

  public AnthropicMessageResponse {
    content = content == null ? null : List.copyOf(content);
    extra = Extras.copy(extra);
  }

  public AnthropicMessageResponse withModel(String newModel) {
    return new AnthropicMessageResponse(
        id, type, role, newModel, content, stopReason, stopSequence, usage, extra);
  }

  public AnthropicMessageResponse withUsage(AnthropicUsage newUsage) {
    return new AnthropicMessageResponse(
        id, type, role, model, content, stopReason, stopSequence, newUsage, extra);
  }
}
