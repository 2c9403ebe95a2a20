package dev.tokenwise.common.gemini;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A {@code Content}: a turn of the conversation ({@code role} {@code user} or {@code model}), or
 * the {@code systemInstruction}, whose role is absent.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GeminiContent(
    String role,
    List<GeminiPart> parts,
    @JsonAnySetter @JsonAnyGetter @JsonProperty(Extras.PROPERTY) Map<String, JsonNode> extra) {

  public static final String USER = "user";
  public static final String MODEL = "model";

  public GeminiContent {
    parts = parts == null ? null : List.copyOf(parts);
    extra = Extras.copy(extra);
  }

  public static GeminiContent of(String role, List<GeminiPart> parts) {
    return new GeminiContent(role, parts, null);
  }

  /** The text of the parts that are not thoughts, joined; empty when there is none. */
  public String text() {
    StringBuilder text = new StringBuilder();
    if (parts != null) {
      for (GeminiPart part : parts) {
        if (part.text() != null && !part.isThought()) {
          text.append(part.text());
        }
      }
    }
    return text.toString();
  }
}
