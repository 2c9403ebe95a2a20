package dev.tokenwise.common.gemini;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * One {@code Tool}: function declarations; built-in tools ({@code googleSearch}, {@code
 * codeExecution}, ...) pass through in {@link #extra()}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GeminiTool(
    List<FunctionDeclaration> functionDeclarations,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public GeminiTool {
    functionDeclarations = functionDeclarations == null ? null : List.copyOf(functionDeclarations);
    extra = Extras.copy(extra);
  }

  /**
   * A function the model may call. {@code parameters} is Gemini's OpenAPI-subset schema; {@code
   * parametersJsonSchema} takes a JSON Schema as written, and is what translation uses.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record FunctionDeclaration(
      String name,
      String description,
      JsonNode parameters,
      JsonNode parametersJsonSchema,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {
    public FunctionDeclaration {
      extra = Extras.copy(extra);
    }

    /** The declared schema, whichever field carries it, or null. */
    public JsonNode schema() {
      return parametersJsonSchema != null ? parametersJsonSchema : parameters;
    }
  }
}
