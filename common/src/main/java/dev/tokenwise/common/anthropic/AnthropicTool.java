package dev.tokenwise.common.anthropic;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A tool definition. Client tools have {@code name}, {@code description} and {@code input_schema};
 * server and versioned tools ({@code web_search_20250305}, ...) carry a {@code type} and their own
 * fields, kept in {@link #extra()}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AnthropicTool(
    String type,
    String name,
    String description,
    @JsonProperty("input_schema") JsonNode inputSchema,
    @JsonProperty("cache_control") AnthropicCacheControl cacheControl,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public AnthropicTool {
    extra = Extras.copy(extra);
  }

  public static AnthropicTool of(String name, String description, JsonNode inputSchema) {
    return new AnthropicTool(null, name, description, inputSchema, null, null);
  }

  public AnthropicTool withCacheControl(AnthropicCacheControl newCacheControl) {
    return new AnthropicTool(type, name, description, inputSchema, newCacheControl, extra);
  }
}
