package dev.tokenwise.common.openai;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** {@code response_format}: {@code text}, {@code json_object} or {@code json_schema}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OpenAiResponseFormat(
    String type,
    @JsonProperty("json_schema") JsonSchema jsonSchema,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public OpenAiResponseFormat {
    extra = Extras.copy(extra);
  }

  public static OpenAiResponseFormat jsonSchema(String name, JsonNode schema, boolean strict) {
    return new OpenAiResponseFormat(
        "json_schema", new JsonSchema(name, null, schema, strict, null), null);
  }

  /** {@code name} is at most 64 characters of {@code [a-zA-Z0-9_-]}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record JsonSchema(
      String name,
      String description,
      JsonNode schema,
      Boolean strict,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {
    public JsonSchema {
      extra = Extras.copy(extra);
    }
  }
}
