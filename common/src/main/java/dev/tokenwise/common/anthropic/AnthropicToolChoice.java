package dev.tokenwise.common.anthropic;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** {@code tool_choice}: {@code type} is {@code auto}, {@code any}, {@code tool} or {@code none}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AnthropicToolChoice(
    String type,
    String name,
    @JsonProperty("disable_parallel_tool_use") Boolean disableParallelToolUse,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public AnthropicToolChoice {
    extra = Extras.copy(extra);
  }

  public static AnthropicToolChoice of(String type) {
    return new AnthropicToolChoice(type, null, null, null);
  }

  public static AnthropicToolChoice tool(String name) {
    return new AnthropicToolChoice("tool", name, null, null);
  }
}
