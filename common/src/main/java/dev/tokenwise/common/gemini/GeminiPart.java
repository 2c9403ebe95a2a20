package dev.tokenwise.common.gemini;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * One {@code Part} of a {@code Content}: exactly one of {@code text}, {@code inlineData}, {@code
 * functionCall}, {@code functionResponse} (others, such as {@code fileData} or {@code
 * executableCode}, pass through in {@link #extra()}). {@code thought} marks a thought summary, not
 * answer text (https://ai.google.dev/api/caching#Part).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GeminiPart(
    String text,
    Blob inlineData,
    FunctionCall functionCall,
    FunctionResponse functionResponse,
    Boolean thought,
    String thoughtSignature,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public GeminiPart {
    extra = Extras.copy(extra);
  }

  public static GeminiPart text(String text) {
    return new GeminiPart(text, null, null, null, null, null, null);
  }

  public static GeminiPart inlineData(String mimeType, String base64) {
    return new GeminiPart(null, new Blob(mimeType, base64, null), null, null, null, null, null);
  }

  public static GeminiPart functionCall(String id, String name, JsonNode args) {
    return new GeminiPart(
        null, null, new FunctionCall(id, name, args, null), null, null, null, null);
  }

  public static GeminiPart functionResponse(String id, String name, JsonNode response) {
    return new GeminiPart(
        null, null, null, new FunctionResponse(id, name, response, null), null, null, null);
  }

  /** True for a thought summary, which is not part of the answer. */
  @JsonIgnore
  public boolean isThought() {
    return Boolean.TRUE.equals(thought);
  }

  /** Inline bytes, base64 in {@code data}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Blob(
      String mimeType,
      String data,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {
    public Blob {
      extra = Extras.copy(extra);
    }
  }

  /** A call the model asks for; {@code args} is a JSON object (never a string, unlike OpenAI). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record FunctionCall(
      String id,
      String name,
      JsonNode args,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {
    public FunctionCall {
      extra = Extras.copy(extra);
    }
  }

  /** A function's result sent back to the model; {@code response} is a JSON object. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record FunctionResponse(
      String id,
      String name,
      JsonNode response,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {
    public FunctionResponse {
      extra = Extras.copy(extra);
    }
  }
}
