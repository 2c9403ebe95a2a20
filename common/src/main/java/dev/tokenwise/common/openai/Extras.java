package dev.tokenwise.common.openai;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** Normalises the map of fields a wire record does not model (null means none). */
final class Extras {

  private Extras() {}

  static Map<String, JsonNode> copy(Map<String, JsonNode> extra) {
    if (extra == null || extra.isEmpty()) {
      return Map.of();
    }
    return Collections.unmodifiableMap(new LinkedHashMap<>(extra));
  }
}
