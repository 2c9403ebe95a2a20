package dev.tokenwise.common.openai;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Reads the provider fixtures under {@code src/test/resources/fixtures}. */
public final class Fixtures {

  public static final JsonMapper MAPPER = JsonMapper.builder().build();

  private Fixtures() {}

  public static String text(String path) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + path)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static JsonNode tree(String path) {
    return MAPPER.readTree(text(path));
  }

  public static <T> T read(String path, Class<T> type) {
    return MAPPER.readValue(text(path), type);
  }

  /** The JSON payloads of a server-sent-event fixture's {@code data:} lines, without [DONE]. */
  public static List<String> sseData(String path) {
    List<String> data = new ArrayList<>();
    for (String line : text(path).split("\n")) {
      if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
        data.add(line.substring("data: ".length()));
      }
    }
    return data;
  }

  /** The tree a value writes, re-read so numbers compare by value. */
  public static JsonNode written(Object value) {
    return MAPPER.readTree(MAPPER.writeValueAsString(value));
  }

  /** A copy of {@code node} without object fields whose value is null (models omit nulls). */
  public static JsonNode withoutNulls(JsonNode node) {
    JsonNode copy = node.deepCopy();
    strip(copy);
    return copy;
  }

  private static void strip(JsonNode node) {
    if (node instanceof ObjectNode object) {
      Iterator<Map.Entry<String, JsonNode>> fields = object.properties().iterator();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        if (field.getValue().isNull()) {
          fields.remove();
        } else {
          strip(field.getValue());
        }
      }
    } else if (node instanceof ArrayNode array) {
      array.forEach(Fixtures::strip);
    }
  }
}
