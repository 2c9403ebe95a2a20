package dev.tokenwise.common.gemini;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A {@code GenerateContentResponse}: the whole answer of {@code generateContent}, or one chunk of
 * {@code streamGenerateContent?alt=sse} (each {@code data:} line is one; the text of a chunk is a
 * delta, {@code finishReason} and the complete {@code usageMetadata} come with the last). {@code
 * finishReason} is one of {@code STOP}, {@code MAX_TOKENS}, {@code SAFETY}, {@code RECITATION},
 * {@code LANGUAGE}, {@code OTHER}, {@code BLOCKLIST}, {@code PROHIBITED_CONTENT}, {@code SPII},
 * {@code MALFORMED_FUNCTION_CALL}... (https://ai.google.dev/api/generate-content#FinishReason).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GeminiGenerateContentResponse(
    List<Candidate> candidates,
    JsonNode promptFeedback,
    GeminiUsageMetadata usageMetadata,
    String modelVersion,
    String responseId,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public GeminiGenerateContentResponse {
    candidates = candidates == null ? null : List.copyOf(candidates);
    extra = Extras.copy(extra);
  }

  /** The first candidate's finish reason, or null. */
  public String finishReason() {
    return candidates == null || candidates.isEmpty() ? null : candidates.get(0).finishReason();
  }

  /** {@code promptFeedback.blockReason} when the prompt itself was blocked, else null. */
  public String blockReason() {
    return promptFeedback == null ? null : promptFeedback.path("blockReason").asString(null);
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Candidate(
      GeminiContent content,
      String finishReason,
      Integer index,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {
    public Candidate {
      extra = Extras.copy(extra);
    }
  }
}
