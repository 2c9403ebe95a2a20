package dev.tokenwise.common.anthropic;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Objects;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * A string or an array of content blocks: the shape of a message's {@code content}, of the
 * top-level {@code system} and of a {@code tool_result}'s {@code content}. The shape a client sent
 * is kept. Some server-tool results carry an object here ({@code code_execution_tool_result}, a
 * {@code web_search_tool_result} error); that is kept as {@link Other}.
 */
@JsonDeserialize(using = AnthropicContent.Deserializer.class)
public sealed interface AnthropicContent
    permits AnthropicContent.Text, AnthropicContent.Blocks, AnthropicContent.Other {

  static AnthropicContent text(String text) {
    return new Text(text);
  }

  static AnthropicContent blocks(List<AnthropicContentBlock> blocks) {
    return new Blocks(blocks);
  }

  /** The text of all {@code text} blocks, joined without separator. */
  String joinedText();

  /** Content as blocks; a plain string becomes one text block. */
  List<AnthropicContentBlock> asBlocks();

  /** {@code "content": "..."}. */
  record Text(String text) implements AnthropicContent {
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
    public List<AnthropicContentBlock> asBlocks() {
      return List.of(AnthropicContentBlock.text(text));
    }
  }

  /** {@code "content": [{"type": "text", ...}, ...]}. */
  record Blocks(List<AnthropicContentBlock> blocks) implements AnthropicContent {
    public Blocks {
      blocks = List.copyOf(blocks);
    }

    @JsonValue
    public List<AnthropicContentBlock> blocks() {
      return blocks;
    }

    @Override
    public String joinedText() {
      StringBuilder text = new StringBuilder();
      for (AnthropicContentBlock block : blocks) {
        if (AnthropicContentBlock.TEXT.equals(block.type()) && block.text() != null) {
          text.append(block.text());
        }
      }
      return text.toString();
    }

    @Override
    public List<AnthropicContentBlock> asBlocks() {
      return blocks;
    }
  }

  /** Any other JSON value, passed through untouched; it has no text and no blocks. */
  record Other(JsonNode value) implements AnthropicContent {
    public Other {
      Objects.requireNonNull(value, "value");
    }

    @JsonValue
    public JsonNode value() {
      return value;
    }

    @Override
    public String joinedText() {
      return "";
    }

    @Override
    public List<AnthropicContentBlock> asBlocks() {
      return List.of();
    }
  }

  /** Reads a string or an array of blocks; any other value is kept as {@link Other}. */
  final class Deserializer extends ValueDeserializer<AnthropicContent> {
    @Override
    public AnthropicContent deserialize(JsonParser p, DeserializationContext ctxt) {
      JsonToken token = p.currentToken();
      if (token == JsonToken.VALUE_STRING) {
        return new Text(p.getString());
      }
      if (token == JsonToken.START_ARRAY) {
        List<AnthropicContentBlock> blocks =
            ctxt.readValue(
                p,
                ctxt.getTypeFactory()
                    .constructCollectionType(List.class, AnthropicContentBlock.class));
        return new Blocks(blocks);
      }
      return new Other(ctxt.readTree(p));
    }
  }
}
