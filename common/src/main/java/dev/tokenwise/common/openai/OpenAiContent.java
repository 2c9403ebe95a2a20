package dev.tokenwise.common.openai;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Objects;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * A message's {@code content}: on the wire either a plain string or an array of content parts. The
 * shape a client sent is kept, so a re-serialised request stays byte-compatible.
 */
@JsonDeserialize(using = OpenAiContent.Deserializer.class)
public sealed interface OpenAiContent permits OpenAiContent.Text, OpenAiContent.Parts {

  static OpenAiContent text(String text) {
    return new Text(text);
  }

  static OpenAiContent parts(List<OpenAiContentPart> parts) {
    return new Parts(parts);
  }

  /** All text of the content, parts joined without separator; refusals and images excluded. */
  String joinedText();

  /** Content as parts; a plain string becomes one text part. */
  List<OpenAiContentPart> asParts();

  /** {@code "content": "..."}. */
  record Text(String text) implements OpenAiContent {
    public Text {
      Objects.requireNonNull(text, "text");
    }

    @JsonValue
    public String text() {
      return text;
    }

    @Override
    public String joinedText() {
      return text;
    }

    @Override
    public List<OpenAiContentPart> asParts() {
      return List.of(OpenAiContentPart.text(text));
    }
  }

  /** {@code "content": [{"type": "text", ...}, {"type": "image_url", ...}]}. */
  record Parts(List<OpenAiContentPart> parts) implements OpenAiContent {
    public Parts {
      parts = List.copyOf(parts);
    }

    @JsonValue
    public List<OpenAiContentPart> parts() {
      return parts;
    }

    @Override
    public String joinedText() {
      StringBuilder text = new StringBuilder();
      for (OpenAiContentPart part : parts) {
        if ("text".equals(part.type()) && part.text() != null) {
          text.append(part.text());
        }
      }
      return text.toString();
    }

    @Override
    public List<OpenAiContentPart> asParts() {
      return parts;
    }
  }

  /** Reads a string or an array; anything else is a type error naming the field. */
  final class Deserializer extends ValueDeserializer<OpenAiContent> {
    @Override
    public OpenAiContent deserialize(JsonParser p, DeserializationContext ctxt) {
      JsonToken token = p.currentToken();
      if (token == JsonToken.VALUE_STRING) {
        return new Text(p.getString());
      }
      if (token == JsonToken.START_ARRAY) {
        List<OpenAiContentPart> parts =
            ctxt.readValue(
                p,
                ctxt.getTypeFactory().constructCollectionType(List.class, OpenAiContentPart.class));
        return new Parts(parts);
      }
      return ctxt.reportInputMismatch(
          this, "expected a string or an array of content parts, got %s", token);
    }
  }
}
