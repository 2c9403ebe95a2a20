package dev.tokenwise.common.openai;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * An assistant's tool call. In a stream delta {@code index} says which call a fragment extends and
 * {@code id}, {@code type} and {@code function.name} arrive only with the first fragment.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OpenAiToolCall(
    Integer index,
    String id,
    String type,
    Function function,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public OpenAiToolCall {
    extra = Extras.copy(extra);
  }

  public static OpenAiToolCall function(String id, String name, String arguments) {
    return new OpenAiToolCall(null, id, "function", new Function(name, arguments, null), null);
  }

  /** {@code arguments} is a JSON document as a string, as the model wrote it. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Function(
      String name,
      String arguments,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {
    public Function {
      extra = Extras.copy(extra);
    }
  }
}
