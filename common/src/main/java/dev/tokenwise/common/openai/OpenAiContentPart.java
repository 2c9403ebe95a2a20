package dev.tokenwise.common.openai;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * One element of an array {@code content}: {@code text}, {@code image_url}, {@code refusal}; other
 * part types ({@code input_audio}, {@code file}, ...) pass through in {@link #extra()}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OpenAiContentPart(
    String type,
    String text,
    @JsonProperty("image_url") ImageUrl imageUrl,
    String refusal,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public OpenAiContentPart {
    extra = Extras.copy(extra);
  }

  public static OpenAiContentPart text(String text) {
    return new OpenAiContentPart("text", text, null, null, null);
  }

  public static OpenAiContentPart imageUrl(String url, String detail) {
    return new OpenAiContentPart("image_url", null, new ImageUrl(url, detail, null), null, null);
  }

  /** {@code image_url.url} is an {@code https:} URL or a {@code data:} URL with base64 data. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ImageUrl(
      String url,
      String detail,
      @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {
    public ImageUrl {
      extra = Extras.copy(extra);
    }
  }
}
