package dev.tokenwise.common.openai;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * {@code stream_options}; with {@code include_usage: true} the stream ends with one extra chunk
 * that has empty {@code choices} and the {@code usage}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OpenAiStreamOptions(
    @JsonProperty("include_usage") Boolean includeUsage,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public OpenAiStreamOptions {
    extra = Extras.copy(extra);
  }

  public static OpenAiStreamOptions withUsage() {
    return new OpenAiStreamOptions(true, null);
  }

  /** These options with {@code include_usage: true}, other options kept. */
  public OpenAiStreamOptions withIncludeUsage() {
    return new OpenAiStreamOptions(true, extra);
  }
}
