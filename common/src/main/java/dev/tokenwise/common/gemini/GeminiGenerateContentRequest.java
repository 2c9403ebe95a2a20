package dev.tokenwise.common.gemini;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The body of {@code POST /v1beta/models/{model}:generateContent} (and of {@code
 * streamGenerateContent} and {@code countTokens}' {@code generateContentRequest}). The model is in
 * the path, and streaming is chosen by the endpoint, not a field. {@code toolConfig} stays a tree;
 * {@code safetySettings} and others pass through in {@link #extra()}
 * (https://ai.google.dev/api/generate-content#request-body).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GeminiGenerateContentRequest(
    List<GeminiContent> contents,
    GeminiContent systemInstruction,
    List<GeminiTool> tools,
    JsonNode toolConfig,
    GeminiGenerationConfig generationConfig,
    String cachedContent,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public GeminiGenerateContentRequest {
    contents = contents == null ? null : List.copyOf(contents);
    tools = tools == null ? null : List.copyOf(tools);
    extra = Extras.copy(extra);
  }

  /** The output cap, or null. */
  public Long maxOutputTokens() {
    return generationConfig == null ? null : generationConfig.maxOutputTokens();
  }
}
