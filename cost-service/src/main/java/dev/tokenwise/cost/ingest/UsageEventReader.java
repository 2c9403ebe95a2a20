package dev.tokenwise.cost.ingest;

import dev.tokenwise.common.usage.UsageEvent;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns usage-event JSON into {@link UsageEvent}s, checking the fields the record would otherwise
 * reject with a bare exception so that every rejection names its field. The stream consumer and
 * {@code POST /api/events} share it, so both accept exactly the same events.
 *
 * <p>A stream entry is first read in one pass over its tokens ({@link OnePass}), which accepts only
 * an event as the router writes it: known fields, each of its expected type, every rule below
 * satisfied. Anything else, valid or not, is read again through the tree, which decides and names
 * the problem; so the one-pass reader changes the speed, never the answer.
 */
@Component
class UsageEventReader {

  private static final List<String> REQUIRED_TEXT = List.of("tenant", "mode", "status");
  private static final List<String> COUNTS =
      List.of("inputTokens", "cachedInputTokens", "outputTokens", "reasoningTokens", "latencyMs");

  private final JsonMapper json;

  UsageEventReader(JsonMapper json) {
    this.json = json;
  }

  /** Reads one event from its JSON text (a stream entry's {@code event} field). */
  UsageEvent read(String text) {
    if (text == null || text.isBlank()) {
      throw new InvalidUsageEventException(null, "empty event");
    }
    UsageEvent event = OnePass.read(json, text);
    if (event != null) {
      return event;
    }
    JsonNode node;
    try {
      node = json.readTree(text);
    } catch (JacksonException e) {
      throw new InvalidUsageEventException(null, "malformed JSON: " + e.getOriginalMessage());
    }
    return read(node);
  }

  /** Reads a request body holding one event object or an array of them. */
  List<UsageEvent> readAll(JsonNode body) {
    if (body == null || !(body.isObject() || body.isArray())) {
      throw new InvalidUsageEventException(
          null, "body must be an event object or an array of them");
    }
    if (body.isObject()) {
      return List.of(read(body));
    }
    List<UsageEvent> events = new ArrayList<>(body.size());
    for (int i = 0; i < body.size(); i++) {
      try {
        events.add(read(body.get(i)));
      } catch (InvalidUsageEventException e) {
        String field = e.field() == null ? "[" + i + "]" : "[" + i + "]." + e.field();
        throw new InvalidUsageEventException(field, e.getMessage());
      }
    }
    return events;
  }

  UsageEvent read(JsonNode node) {
    if (node == null || !node.isObject()) {
      throw new InvalidUsageEventException(null, "event must be a JSON object");
    }
    JsonNode version = node.get("schemaVersion");
    if (version == null || !version.isIntegralNumber()) {
      throw new InvalidUsageEventException("schemaVersion", "required integer");
    }
    if (version.asInt() != UsageEvent.SCHEMA_VERSION) {
      throw new InvalidUsageEventException(
          "schemaVersion", "unsupported version " + version.asInt() + ", expected 1");
    }
    requireText(node, "eventId");
    try {
      UUID.fromString(node.get("eventId").asString());
    } catch (IllegalArgumentException e) {
      throw new InvalidUsageEventException("eventId", "must be a UUID");
    }
    requireText(node, "occurredAt");
    try {
      Instant.parse(node.get("occurredAt").asString());
    } catch (DateTimeParseException e) {
      throw new InvalidUsageEventException(
          "occurredAt", "must be an ISO-8601 instant such as 2026-11-27T10:15:30Z");
    }
    REQUIRED_TEXT.forEach(field -> requireText(node, field));
    COUNTS.forEach(field -> requireCount(node.get(field), field));
    JsonNode writes = node.path("cacheWriteTokens");
    if (writes.isObject()) {
      requireCount(writes.get("ttl5m"), "cacheWriteTokens.ttl5m");
      requireCount(writes.get("ttl1h"), "cacheWriteTokens.ttl1h");
    }
    long cacheWrites = writes.path("ttl5m").asLong(0) + writes.path("ttl1h").asLong(0);
    if (node.path("cachedInputTokens").asLong(0) + cacheWrites
        > node.path("inputTokens").asLong(0)) {
      // inputTokens is normalised to include cache reads and writes (see UsageEvent).
      throw new InvalidUsageEventException(
          "cachedInputTokens",
          "cached reads plus cache writes exceed inputTokens, which must include them");
    }
    UsageEvent event;
    try {
      event = json.treeToValue(node, UsageEvent.class);
    } catch (DatabindException e) {
      String path =
          e.getPath().stream()
              .map(
                  ref ->
                      ref.getPropertyName() != null
                          ? ref.getPropertyName()
                          : "[" + ref.getIndex() + "]")
              .collect(Collectors.joining("."));
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      String message =
          cause instanceof IllegalArgumentException iae ? iae.getMessage() : e.getOriginalMessage();
      throw new InvalidUsageEventException(path.isEmpty() ? null : path, message);
    } catch (JacksonException e) {
      throw new InvalidUsageEventException(null, e.getOriginalMessage());
    }
    return event;
  }

  private static void requireCount(JsonNode count, String field) {
    if (count == null || count.isNull()) {
      return;
    }
    if (!count.isIntegralNumber()) {
      throw new InvalidUsageEventException(field, "must be an integer");
    }
    if (count.asLong() < 0) {
      throw new InvalidUsageEventException(field, "must not be negative");
    }
  }

  private static void requireText(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      throw new InvalidUsageEventException(field, "required");
    }
    if (!value.isString() || value.asString().isBlank()) {
      throw new InvalidUsageEventException(field, "must be a non-empty string");
    }
  }
}
