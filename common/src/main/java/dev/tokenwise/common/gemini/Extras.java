package dev.tokenwise.common.gemini;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** Normalises the map of fields a wire record does not model (null means none). */
final class Extras {

  /**
   * The logical name of every record's {@code extra} component. Without an explicit name Jackson
   * would bind an incoming field called {@code extra} to the component itself instead of keeping it
   * as one more unknown field; no JSON body carries this name.
   */
  static final String PROPERTY = "\u0000extra";

  private Extras() {}

  static Map<String, JsonNode> copy(Map<String, JsonNode> extra) {
    if (extra == null || extra.isEmpty()) {
      return Map.of();
    }
    return Collections.unmodifiableMap(new LinkedHashMap<>(extra));
  }
}
