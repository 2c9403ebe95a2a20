package dev.tokenwise.common.gemini;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * {@code generationConfig}. {@code responseMimeType: application/json} with {@code responseSchema}
 * (OpenAPI subset) or {@code responseJsonSchema} (JSON Schema) asks for structured output; {@code
 * thinkingConfig}, {@code topK}, {@code seed}... pass through in {@link #extra()}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GeminiGenerationConfig(
    Long maxOutputTokens,
    Double temperature,
    Double topP,
    Integer candidateCount,
    List<String> stopSequences,
    String responseMimeType,
    JsonNode responseSchema,
    JsonNode responseJsonSchema,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public GeminiGenerationConfig {
    stopSequences = stopSequences == null ? null : List.copyOf(stopSequences);
    extra = Extras.copy(extra);
  }

  /** The schema the answer must follow, whichever field carries it, or null. */
  public JsonNode schema() {
    return responseJsonSchema != null ? responseJsonSchema : responseSchema;
  }
}
