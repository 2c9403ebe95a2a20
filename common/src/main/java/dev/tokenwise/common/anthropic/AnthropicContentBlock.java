package dev.tokenwise.common.anthropic;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * One content block, keyed on {@code type}: {@code text}, {@code image}, {@code tool_use}, {@code
 * tool_result}, {@code thinking}, {@code redacted_thinking}, ... A single record rather than one
 * per type, so that block types Anthropic adds later ({@code document}, server tools, ...) pass
 * through with all their fields in {@link #extra()}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AnthropicContentBlock(
    String type,
    String text,
    Source source,
    String id,
    String name,
    JsonNode input,
    @JsonProperty("tool_use_id") String toolUseId,
    AnthropicContent content,
    @JsonProperty("is_error") Boolean isError,
    String thinking,
    String signature,
    @JsonProperty("cache_control") AnthropicCacheControl cacheControl,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public static final String TEXT = "text";
  public static final String IMAGE = "image";
  public static final String TOOL_USE = "tool_use";
  public static final String TOOL_RESULT = "tool_result";
  public static final String THINKING = "thinking";

  public AnthropicContentBlock {
    extra = Extras.copy(extra);
  }

  public static AnthropicContentBlock text(String text) {
    return new AnthropicContentBlock(
        TEXT, text, null, null, null, null, null, null, null, null, null, null, null);
  }

  public static AnthropicContentBlock image(Source source) {
    return new AnthropicContentBlock(
        IMAGE, null, source, null, null, null, null, null, null, null, null, null, null);
  }

  public static AnthropicContentBlock toolUse(String id, String name, JsonNode input) {
    return new AnthropicContentBlock(
        TOOL_USE, null, null, id, name, input, null, null, null, null, null, null, null);
  }

  public static AnthropicContentBlock toolResult(
      String toolUseId, AnthropicContent content, Boolean isError) {
    return new AnthropicContentBlock(
        TOOL_RESULT,
        null,
        null,
        null,
        null,
        null,
        toolUseId,
        content,
        isError,
        null,
        null,
        null,
        null);
  }

  /** This block with a cache breakpoint (or without one, for null). */
  public AnthropicContentBlock withCacheControl(AnthropicCacheControl newCacheControl) {
    return new AnthropicContentBlock(
        type,
        text,
        source,
        id,
        name,
        input,
        toolUseId,
        content,
        isError,
        thinking,
        signature,
        newCacheControl,
        extra);
  }

  /**
   * An image or document source: {@code {"type":"base64","media_type","data"}} or {@code
   * {"type":"url","url"}}.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Source(
      String type,
      @JsonProperty("media_type") String mediaType,
      String data,
      String url,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {
    public Source {
      extra = Extras.copy(extra);
    }

    public static Source base64(String mediaType, String data) {
      return new Source("base64", mediaType, data, null, null);
    }

    public static Source url(String url) {
      return new Source("url", null, null, url, null);
    }
  }
}
