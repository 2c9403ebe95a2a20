package dev.tokenwise.cache.semantic;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.data.redis.core.ReactiveRedisOperations;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Snapshots of the replicas' vector indexes, kept in Redis where every replica can read them: a
 * replica that starts restores Lucene's own files and catches up from the cache-event stream
 * instead of building every HNSW graph again from the entries.
 *
 * <p>Layout: the manifest hash {@value #MANIFEST} ({@code gen}, {@code pos} — the last event
 * applied before the snapshot was taken —, {@code embedding} model id, {@code dim}, {@code
 * segments}, newline-separated, {@code at}) and one string per index at {@code
 * tokenwise:cache:snapshot:{gen}:{segment}} holding the SHA-256 of the blob followed by the blob
 * ({@link VectorIndex#snapshot()}). A new generation's blobs are written before its manifest, and
 * the previous generation's deleted after it, so a reader always finds one whole generation.
 */
final class IndexSnapshots {

  static final String MANIFEST = "tokenwise:cache:snapshot";
  static final String BLOB_PREFIX = "tokenwise:cache:snapshot:";

  /**
   * A snapshot as read back, checksums verified.
   *
   * @param position the last cache event the snapshot contains
   * @param blobs each namespace's index blob, by key segment
   */
  record Snapshot(String position, Map<String, byte[]> blobs) {}

  /** Why a snapshot is not used; the replica rebuilds from the entries instead. */
  static final class Unusable extends Exception {
    Unusable(String reason) {
      super(reason, null, false, false);
    }
  }

  private final ReactiveRedisOperations<String, byte[]> redis;

  IndexSnapshots(ReactiveRedisOperations<String, byte[]> redis) {
    this.redis = redis;
  }

  /** Writes a new generation and drops the previous one. */
  Mono<Void> write(String position, Map<String, byte[]> blobs, String embedding, int dimension) {
    String generation = UUID.randomUUID().toString();
    Map<String, byte[]> manifest = new LinkedHashMap<>();
    manifest.put("gen", utf8(generation));
    manifest.put("pos", utf8(position));
    manifest.put("embedding", utf8(embedding));
    manifest.put("dim", utf8(Integer.toString(dimension)));
    manifest.put("segments", utf8(String.join("\n", blobs.keySet())));
    manifest.put("at", utf8(Long.toString(System.currentTimeMillis())));
    Mono<List<String>> previous =
        redis
            .<String, byte[]>opsForHash()
            .multiGet(MANIFEST, List.of("gen", "segments"))
            .map(
                values ->
                    values.get(0) == null || values.get(1) == null
                        ? List.<String>of()
                        : blobKeys(string(values.get(0)), segments(string(values.get(1)))))
            .defaultIfEmpty(List.of());
    return previous.flatMap(
        old ->
            Flux.fromIterable(blobs.entrySet())
                .concatMap(
                    blob ->
                        redis
                            .opsForValue()
                            .set(blobKey(generation, blob.getKey()), withChecksum(blob.getValue())))
                .then(redis.<String, byte[]>opsForHash().putAll(MANIFEST, manifest))
                .then(
                    old.isEmpty()
                        ? Mono.empty()
                        : redis.delete(old.toArray(String[]::new)).then()));
  }

  /**
   * The current snapshot, or an {@link Unusable} error saying why not (none, another embedding
   * model or dimension, a blob missing or failing its checksum). Empty indexes are fine.
   */
  Mono<Snapshot> read(String embedding, int dimension) {
    return redis
        .<String, byte[]>opsForHash()
        .entries(MANIFEST)
        .collectMap(Map.Entry::getKey, entry -> string(entry.getValue()))
        .flatMap(
            manifest -> {
              if (manifest.isEmpty()) {
                return Mono.error(new Unusable("no snapshot"));
              }
              if (!embedding.equals(manifest.get("embedding"))
                  || !Integer.toString(dimension).equals(manifest.get("dim"))) {
                return Mono.error(new Unusable("snapshot of another embedding model"));
              }
              String generation = manifest.get("gen");
              List<String> segments = segments(manifest.getOrDefault("segments", ""));
              Map<String, byte[]> blobs = new LinkedHashMap<>();
              return Flux.fromIterable(segments)
                  .concatMap(
                      segment ->
                          redis
                              .opsForValue()
                              .get(blobKey(generation, segment))
                              .switchIfEmpty(
                                  Mono.error(new Unusable("snapshot blob missing: " + segment)))
                              .flatMap(
                                  stored -> {
                                    byte[] blob = verified(stored);
                                    if (blob == null) {
                                      return Mono.error(
                                          new Unusable("snapshot blob corrupt: " + segment));
                                    }
                                    blobs.put(segment, blob);
                                    return Mono.empty();
                                  }))
                  .then(Mono.fromSupplier(() -> new Snapshot(manifest.get("pos"), blobs)));
            });
  }

  static String blobKey(String generation, String segment) {
    return BLOB_PREFIX + generation + ':' + segment;
  }

  private static List<String> blobKeys(String generation, List<String> segments) {
    List<String> keys = new ArrayList<>(segments.size());
    segments.forEach(segment -> keys.add(blobKey(generation, segment)));
    return keys;
  }

  private static List<String> segments(String joined) {
    return joined.isEmpty() ? List.of() : List.of(joined.split("\n"));
  }

  private static byte[] withChecksum(byte[] blob) {
    byte[] digest = sha256().digest(blob);
    byte[] stored = Arrays.copyOf(digest, digest.length + blob.length);
    System.arraycopy(blob, 0, stored, digest.length, blob.length);
    return stored;
  }

  /** The blob when its SHA-256 matches, else null. */
  static byte[] verified(byte[] stored) {
    if (stored.length < 32) {
      return null;
    }
    byte[] blob = Arrays.copyOfRange(stored, 32, stored.length);
    byte[] digest = sha256().digest(blob);
    return MessageDigest.isEqual(digest, Arrays.copyOf(stored, 32)) ? blob : null;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String string(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
