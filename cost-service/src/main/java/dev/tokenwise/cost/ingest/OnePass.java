package dev.tokenwise.cost.ingest;

import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.common.usage.UsageEvent.CacheWriteTokens;
import dev.tokenwise.common.usage.UsageEvent.Mode;
import dev.tokenwise.common.usage.UsageEvent.Status;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Month;
import java.time.Year;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a usage event as the router writes it in one pass over its JSON tokens, without a tree or a
 * bean deserializer: on ingest, the tree and the second pass over it were about a fifth of
 * cost-service's CPU.
 *
 * <p>Strict by design: an unknown or repeated field, a value of another type than expected (a
 * number as text, a fraction, {@code null} where a count is required), a blank required text, an
 * unknown mode or status, or any rule {@link UsageEventReader} checks, and it returns {@code null}.
 * The caller then reads the text through the tree, which accepts or rejects it and names why. So an
 * event this reader accepts is one the tree reader would have read to an equal {@link UsageEvent}
 * ({@code UsageEventReaderTests} checks both readers on the same texts).
 */
final class OnePass {

  private OnePass() {}

  // One bit per field, to refuse repeats.
  private static final String[] FIELDS = {
    "schemaVersion",
    "eventId",
    "occurredAt",
    "requestId",
    "tenant",
    "app",
    "endUser",
    "conversationId",
    "route",
    "requestedModel",
    "servedModel",
    "provider",
    "mode",
    "inputTokens",
    "cachedInputTokens",
    "cacheWriteTokens",
    "outputTokens",
    "reasoningTokens",
    "requestedMaxTokens",
    "appliedMaxTokens",
    "latencyMs",
    "status",
    "finishReason",
    "experiment",
    "arm",
    "routerVersion"
  };

  /**
   * The counts held in primitives must be present: the mapper refuses a missing one (it would be
   * null) rather than read it as 0.
   */
  private static final int REQUIRED =
      bits("inputTokens", "cachedInputTokens", "outputTokens", "reasoningTokens", "latencyMs");

  private static int bits(String... names) {
    int bits = 0;
    for (String name : names) {
      bits |= 1 << index(name);
    }
    return bits;
  }

  /** The event, or null when the tree reader must decide. */
  static UsageEvent read(JsonMapper json, String text) {
    try (JsonParser p = json.createParser(text)) {
      return read(p);
    } catch (JacksonException | IllegalArgumentException | DateTimeParseException e) {
      return null;
    }
  }

  private static UsageEvent read(JsonParser p) {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      return null;
    }
    int schemaVersion = -1;
    UUID eventId = null;
    Instant occurredAt = null;
    String[] texts = new String[FIELDS.length];
    long[] counts = new long[FIELDS.length];
    Long requestedMaxTokens = null;
    Long appliedMaxTokens = null;
    CacheWriteTokens cacheWrites = CacheWriteTokens.NONE;
    Mode mode = null;
    Status status = null;
    int seen = 0;
    String name;
    while ((name = p.nextName()) != null) {
      int field = index(name);
      if (field < 0 || (seen & (1 << field)) != 0) {
        return null;
      }
      seen |= 1 << field;
      JsonToken value = p.nextToken();
      switch (name) {
        case "schemaVersion" -> {
          if (!isInt(p, value)) {
            return null;
          }
          schemaVersion = p.getIntValue();
        }
        case "eventId" -> {
          String id = nonBlank(p, value);
          if (!canonicalUuid(id)) {
            return null;
          }
          eventId = UUID.fromString(id);
        }
        case "occurredAt" -> {
          String at = nonBlank(p, value);
          if (at == null) {
            return null;
          }
          occurredAt = instant(at);
        }
        case "inputTokens", "cachedInputTokens", "outputTokens", "reasoningTokens", "latencyMs" -> {
          Long count = count(p, value);
          if (count == null) {
            return null;
          }
          counts[field] = count;
        }
        case "requestedMaxTokens", "appliedMaxTokens" -> {
          Long count = value == JsonToken.VALUE_NULL ? null : count(p, value);
          if (count == null && value != JsonToken.VALUE_NULL) {
            return null;
          }
          if (name.equals("requestedMaxTokens")) {
            requestedMaxTokens = count;
          } else {
            appliedMaxTokens = count;
          }
        }
        case "cacheWriteTokens" -> {
          cacheWrites = cacheWrites(p, value);
          if (cacheWrites == null) {
            return null;
          }
        }
        case "mode" -> {
          mode = mode(nonBlank(p, value));
          if (mode == null) {
            return null;
          }
        }
        case "status" -> {
          status = status(nonBlank(p, value));
          if (status == null) {
            return null;
          }
        }
        default -> {
          // The optional texts.
          if (value == JsonToken.VALUE_STRING) {
            texts[field] = p.getString();
          } else if (value != JsonToken.VALUE_NULL) {
            return null;
          }
        }
      }
    }
    if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
      return null;
    }
    String tenant = texts[4];
    if ((seen & REQUIRED) != REQUIRED
        || schemaVersion != UsageEvent.SCHEMA_VERSION
        || eventId == null
        || occurredAt == null
        || tenant == null
        || tenant.isBlank()
        || mode == null
        || status == null) {
      return null;
    }
    long input = counts[13];
    long cached = counts[14];
    if (cached + cacheWrites.total() > input) {
      return null;
    }
    return new UsageEvent(
        schemaVersion,
        eventId,
        occurredAt,
        texts[3],
        tenant,
        texts[5],
        texts[6],
        texts[7],
        texts[8],
        texts[9],
        texts[10],
        texts[11],
        mode,
        input,
        cached,
        cacheWrites,
        counts[16],
        counts[17],
        requestedMaxTokens,
        appliedMaxTokens,
        counts[20],
        status,
        texts[22],
        texts[23],
        texts[24],
        texts[25]);
  }

  /**
   * {@link Instant#parse} of the form producers write, {@code yyyy-MM-ddTHH:mm:ss[.f]Z} with up to
   * nine fraction digits, by arithmetic ({@code Instant.parse}'s formatter was a twentieth of the
   * consumer threads' CPU). Anything else, valid or not (an offset, a leap second, a date that does
   * not exist), goes to {@code Instant.parse}, which reads it or throws.
   */
  static Instant instant(String s) {
    int n = s.length();
    if (n < 20
        || n == 21
        || n > 30
        || s.charAt(4) != '-'
        || s.charAt(7) != '-'
        || s.charAt(10) != 'T'
        || s.charAt(13) != ':'
        || s.charAt(16) != ':'
        || s.charAt(n - 1) != 'Z'
        || (n > 20 && s.charAt(19) != '.')) {
      return Instant.parse(s);
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 2);
    int day = digits(s, 8, 2);
    int hour = digits(s, 11, 2);
    int minute = digits(s, 14, 2);
    int second = digits(s, 17, 2);
    int fraction = n > 20 ? digits(s, 20, n - 21) : 0;
    if (year < 0
        || month < 1
        || month > 12
        || day < 1
        || day > Month.of(month).length(Year.isLeap(year))
        || hour < 0
        || hour > 23
        || minute < 0
        || minute > 59
        || second < 0
        || second > 59
        || fraction < 0) {
      return Instant.parse(s);
    }
    long days = LocalDate.of(year, month, day).toEpochDay();
    int nanos = n > 20 ? fraction * NANOS_PER_DIGITS[n - 21] : 0;
    return Instant.ofEpochSecond(days * 86_400 + hour * 3_600 + minute * 60 + second, nanos);
  }

  /** Nanoseconds per unit of a fraction with 1 to 9 digits (index: digits). */
  private static final int[] NANOS_PER_DIGITS = {
    0, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1
  };

  /** The {@code count} ASCII digits at {@code from} as a number, or -1 if one is not a digit. */
  private static int digits(String s, int from, int count) {
    int value = 0;
    for (int i = from; i < from + count; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  private static int index(String name) {
    for (int i = 0; i < FIELDS.length; i++) {
      // Property names are interned by the parser, but equals() costs little more and is safe.
      if (FIELDS[i].equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * The 36-character form only: {@link UUID#fromString} also takes shorter ones that the JSON
   * mapper refuses.
   */
  private static boolean canonicalUuid(String id) {
    if (id == null || id.length() != 36) {
      return false;
    }
    for (int i = 0; i < 36; i++) {
      char c = id.charAt(i);
      boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash ? c != '-' : Character.digit(c, 16) < 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean isInt(JsonParser p, JsonToken value) {
    return value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT;
  }

  /** A non-negative integer count, or null. */
  private static Long count(JsonParser p, JsonToken value) {
    if (value != JsonToken.VALUE_NUMBER_INT) {
      return null;
    }
    JsonParser.NumberType type = p.getNumberType();
    if (type != JsonParser.NumberType.INT && type != JsonParser.NumberType.LONG) {
      return null;
    }
    long count = p.getLongValue();
    return count < 0 ? null : count;
  }

  private static String nonBlank(JsonParser p, JsonToken value) {
    if (value != JsonToken.VALUE_STRING) {
      return null;
    }
    String text = p.getString();
    return text.isBlank() ? null : text;
  }

  private static CacheWriteTokens cacheWrites(JsonParser p, JsonToken value) {
    if (value == JsonToken.VALUE_NULL) {
      return CacheWriteTokens.NONE;
    }
    if (value != JsonToken.START_OBJECT) {
      return null;
    }
    long ttl5m = 0;
    long ttl1h = 0;
    int seen = 0;
    String name;
    while ((name = p.nextName()) != null) {
      int bit = name.equals("ttl5m") ? 1 : name.equals("ttl1h") ? 2 : 0;
      if (bit == 0 || (seen & bit) != 0) {
        return null;
      }
      seen |= bit;
      Long count = count(p, p.nextToken());
      if (count == null) {
        return null;
      }
      if (bit == 1) {
        ttl5m = count;
      } else {
        ttl1h = count;
      }
    }
    // Both, for the same reason as REQUIRED.
    return p.currentToken() == JsonToken.END_OBJECT && seen == 3
        ? new CacheWriteTokens(ttl5m, ttl1h)
        : null;
  }

  // The reverse of UsageWire's spellings, so the two cannot drift apart.
  private static final Map<String, Mode> MODES = new HashMap<>();
  private static final Map<String, Status> STATUSES = new HashMap<>();

  static {
    for (Mode mode : Mode.values()) {
      MODES.put(UsageWire.mode(mode), mode);
    }
    for (Status status : Status.values()) {
      STATUSES.put(UsageWire.status(status), status);
    }
  }

  private static Mode mode(String wire) {
    return wire == null ? null : MODES.get(wire);
  }

  private static Status status(String wire) {
    return wire == null ? null : STATUSES.get(wire);
  }
}
