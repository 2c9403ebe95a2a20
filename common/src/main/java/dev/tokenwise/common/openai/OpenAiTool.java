package dev.tokenwise.common.openai;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** A tool the model may call; Chat Completions defines {@code type: "function"}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OpenAiTool(
    String type,
    Function function,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public OpenAiTool {
    extra = Extras.copy(extra);
  }

  public static OpenAiTool function(String name, String description, JsonNode parameters) {
    return new OpenAiTool(
        "function", new Function(name, description, parameters, null, null), null);
  }

  /** {@code parameters} is a JSON Schema object, kept as a tree. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Function(
      String name,
      String description,
      JsonNode parameters,
      Boolean strict,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {
    public Function {
      extra = Extras.copy(extra);
    }
  }
}
