package dev.tokenwise.common.anthropic;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/** One turn of {@code messages}; roles are {@code user} and {@code assistant} only. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AnthropicMessage(
    String role,
    AnthropicContent content,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public static final Set<String> ROLES = Set.of("user", "assistant");

  public AnthropicMessage {
    extra = Extras.copy(extra);
  }

  public static AnthropicMessage of(String role, String text) {
    return new AnthropicMessage(role, AnthropicContent.text(text), null);
  }

  public static AnthropicMessage of(String role, AnthropicContent content) {
    return new AnthropicMessage(role, content, null);
  }

  public AnthropicMessage withContent(AnthropicContent newContent) {
    return new AnthropicMessage(role, newContent, extra);
  }
}
