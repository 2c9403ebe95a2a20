package dev.tokenwise.common.anthropic;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** A prompt-cache breakpoint: {@code {"type":"ephemeral","ttl":"5m"|"1h"}}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AnthropicCacheControl(
    String type,
    String ttl,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public AnthropicCacheControl {
    extra = Extras.copy(extra);
  }

  /** An ephemeral breakpoint with the provider's default TTL (5 minutes). */
  public static AnthropicCacheControl ephemeral() {
    return new AnthropicCacheControl("ephemeral", null, null);
  }

  /** An ephemeral breakpoint with an explicit TTL, {@code "5m"} or {@code "1h"}. */
  public static AnthropicCacheControl ephemeral(String ttl) {
    return new AnthropicCacheControl("ephemeral", ttl, null);
  }
}
