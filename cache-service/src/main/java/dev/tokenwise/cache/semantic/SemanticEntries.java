package dev.tokenwise.cache.semantic;

import dev.tokenwise.cache.namespace.CacheNamespace;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.springframework.data.redis.core.ReactiveRedisOperations;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Semantic entries in Redis, the source of truth: one hash per entry at {@code
 * tokenwise:cache:semantic:{tenant}:{route}:{model}:{entryId}} with its TTL, holding the question
 * ({@code q}), context hash ({@code ctx}), float32 vector ({@code vec}), expiry ({@code exp}, epoch
 * ms), store time ({@code at}) and the answer ({@code resp}, gzip when large).
 */
final class SemanticEntries {

  static final String KEY_PREFIX = "tokenwise:cache:semantic:";

  private static final List<String> ALL_FIELDS = List.of("q", "ctx", "vec", "at", "resp");
  private static final List<String> INDEX_FIELDS = List.of("ctx", "vec", "exp", "q");

  /** HSET and PEXPIRE at once, so no entry ever lives without its TTL. */
  private static final RedisScript<Long> PUT =
      RedisScript.of(
          "redis.call('HSET', KEYS[1], 'q', ARGV[2], 'ctx', ARGV[3], 'vec', ARGV[4], 'exp',"
              + " ARGV[5], 'at', ARGV[6], 'resp', ARGV[7]) "
              + "redis.call('PEXPIRE', KEYS[1], ARGV[1]) return 1",
          Long.class);

  private final ReactiveRedisOperations<String, byte[]> redis;
  private final long compressionThreshold;

  SemanticEntries(ReactiveRedisOperations<String, byte[]> redis, long compressionThreshold) {
    this.redis = redis;
    this.compressionThreshold = compressionThreshold;
  }

  /** The byte-valued Redis operations, shared with {@link IndexSnapshots}. */
  ReactiveRedisOperations<String, byte[]> redis() {
    return redis;
  }

  static String key(CacheNamespace namespace, String entryId) {
    return KEY_PREFIX + namespace.keySegment() + ':' + entryId;
  }

  /** A stored entry as a lookup reads it. */
  record Stored(
      String question, String context, float[] vector, Instant storedAt, byte[] response) {}

  /** A stored entry as an index rebuild reads it. */
  record Indexed(
      String key, String context, float[] vector, long expiresAtMillis, String question) {}

  Mono<Boolean> put(
      String key,
      String question,
      String context,
      float[] vector,
      Instant storedAt,
      byte[] responseJson,
      Duration ttl) {
    long expiresAt = storedAt.toEpochMilli() + ttl.toMillis();
    List<byte[]> args =
        List.of(
            utf8(Long.toString(ttl.toMillis())),
            utf8(question),
            utf8(context),
            vectorBytes(vector),
            utf8(Long.toString(expiresAt)),
            utf8(storedAt.toString()),
            responseJson.length >= compressionThreshold ? gzip(responseJson) : responseJson);
    return redis.execute(PUT, List.of(key), args).next().map(result -> result == 1L);
  }

  /** The entry, or empty when it expired or was invalidated. */
  Mono<Stored> get(String key) {
    return redis
        .<String, byte[]>opsForHash()
        .multiGet(key, ALL_FIELDS)
        .flatMap(
            values -> {
              if (values.stream().anyMatch(v -> v == null)) {
                return Mono.empty();
              }
              return Mono.just(
                  new Stored(
                      string(values.get(0)),
                      string(values.get(1)),
                      vector(values.get(2)),
                      Instant.parse(string(values.get(3))),
                      gunzipIfNeeded(values.get(4))));
            });
  }

  /** Every entry in Redis, for an index rebuild (SCAN, then one HMGET per key, pipelined). */
  Flux<Indexed> scanAll() {
    return redis
        .scan(ScanOptions.scanOptions().match(KEY_PREFIX + "*").count(1000).build())
        .flatMap(
            key ->
                redis
                    .<String, byte[]>opsForHash()
                    .multiGet(key, INDEX_FIELDS)
                    .filter(values -> values.stream().allMatch(v -> v != null))
                    .map(
                        values ->
                            new Indexed(
                                key,
                                string(values.get(0)),
                                vector(values.get(1)),
                                Long.parseLong(string(values.get(2))),
                                string(values.get(3)))),
            64);
  }

  /** Deletes every key matching {@code pattern} (a SCAN glob); emits how many went. */
  Mono<Long> deleteMatching(String pattern) {
    return redis
        .scan(ScanOptions.scanOptions().match(pattern).count(1000).build())
        .buffer(500)
        .concatMap(keys -> redis.unlink(keys.toArray(String[]::new)))
        .reduce(0L, Long::sum);
  }

  Mono<Long> delete(String key) {
    return redis.unlink(key);
  }

  /** {@code s} with SCAN glob metacharacters escaped. */
  static String globEscape(String s) {
    StringBuilder escaped = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      if ("*?[]\\^".indexOf(c) >= 0) {
        escaped.append('\\');
      }
      escaped.append(c);
    }
    return escaped.toString();
  }

  static byte[] vectorBytes(float[] vector) {
    ByteBuffer buffer = ByteBuffer.allocate(vector.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(vector);
    return buffer.array();
  }

  static float[] vector(byte[] bytes) {
    float[] vector = new float[bytes.length / 4];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(vector);
    return vector;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String string(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static byte[] gzip(byte[] plain) {
    ByteArrayOutputStream compressed = new ByteArrayOutputStream(plain.length / 3 + 16);
    try (GZIPOutputStream out = new GZIPOutputStream(compressed)) {
      out.write(plain);
    } catch (IOException e) {
      throw new UncheckedIOException("gzip to memory cannot fail", e);
    }
    return compressed.toByteArray();
  }

  /** Gzip's magic bytes (RFC 1952) tell a compressed answer from JSON, which starts with '{'. */
  private static byte[] gunzipIfNeeded(byte[] stored) {
    if (stored.length < 2 || (stored[0] & 0xff) != 0x1f || (stored[1] & 0xff) != 0x8b) {
      return stored;
    }
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(stored))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt compressed semantic-cache entry", e);
    }
  }
}
