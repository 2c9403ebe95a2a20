package dev.tokenwise.cache.exact;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * One cached answer as it sits in Redis: {@code {"storedAt":"<ISO-8601>","response":{...}}},
 * gzip-compressed when large. Gzip's magic bytes (RFC 1952) tell the two forms apart, since plain
 * JSON starts with <code>{</code>.
 *
 * @param storedAt when the answer was stored
 * @param response the provider's chat completion, as it was stored
 */
record ExactEntry(Instant storedAt, JsonNode response) {

  /** Reads numbers as written: a stored {@code 1.50} comes back as {@code 1.50}. */
  static final JsonMapper JSON =
      JsonMapper.builder()
          .enable(JsonNodeFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
          .build();

  private static final int GZIP_MAGIC_1 = 0x1f;
  private static final int GZIP_MAGIC_2 = 0x8b;

  /** The stored form of an answer whose serialised JSON is {@code responseJson}. */
  static byte[] encode(Instant storedAt, byte[] responseJson, long compressionThreshold) {
    byte[] head =
        ("{\"storedAt\":\"" + storedAt + "\",\"response\":").getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream plain = new ByteArrayOutputStream(head.length + responseJson.length + 1);
    plain.writeBytes(head);
    plain.writeBytes(responseJson);
    plain.write('}');
    if (plain.size() < compressionThreshold) {
      return plain.toByteArray();
    }
    ByteArrayOutputStream compressed = new ByteArrayOutputStream(plain.size() / 3);
    try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
      plain.writeTo(gzip);
    } catch (IOException e) {
      throw new UncheckedIOException("gzip to memory cannot fail", e);
    }
    return compressed.toByteArray();
  }

  /** The entry a stored value holds; fails on a value this codec did not write. */
  static ExactEntry decode(byte[] stored) {
    JsonNode entry = JSON.readTree(isGzip(stored) ? gunzip(stored) : stored);
    JsonNode response = entry.get("response");
    if (response == null || !response.isObject() || !entry.path("storedAt").isString()) {
      throw new IllegalArgumentException("not an exact-cache entry");
    }
    return new ExactEntry(Instant.parse(entry.get("storedAt").stringValue()), response);
  }

  private static boolean isGzip(byte[] stored) {
    return stored.length > 2
        && (stored[0] & 0xff) == GZIP_MAGIC_1
        && (stored[1] & 0xff) == GZIP_MAGIC_2;
  }

  private static byte[] gunzip(byte[] stored) {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(stored))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt compressed exact-cache entry", e);
    }
  }
}
