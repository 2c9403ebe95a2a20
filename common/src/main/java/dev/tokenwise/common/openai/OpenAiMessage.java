package dev.tokenwise.common.openai;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * A chat message, in a request's {@code messages} or a response's {@code choices[].message}. Roles
 * are {@code developer}, {@code system}, {@code user}, {@code assistant} and {@code tool} ({@code
 * function} is the deprecated predecessor of {@code tool}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OpenAiMessage(
    String role,
    OpenAiContent content,
    String name,
    @JsonProperty("tool_calls") List<OpenAiToolCall> toolCalls,
    @JsonProperty("tool_call_id") String toolCallId,
    String refusal,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  /** Roles Chat Completions accepts in a request. */
  public static final Set<String> ROLES =
      Set.of("developer", "system", "user", "assistant", "tool", "function");

  public OpenAiMessage {
    toolCalls = toolCalls == null ? null : List.copyOf(toolCalls);
    extra = Extras.copy(extra);
  }

  public static OpenAiMessage of(String role, String text) {
    return new OpenAiMessage(role, OpenAiContent.text(text), null, null, null, null, null);
  }

  /** The message's text, parts joined; empty when it has no text content. */
  public String text() {
    return content == null ? "" : content.joinedText();
  }

  public OpenAiMessage withContent(OpenAiContent newContent) {
    return new OpenAiMessage(role, newContent, name, toolCalls, toolCallId, refusal, extra);
  }
}
