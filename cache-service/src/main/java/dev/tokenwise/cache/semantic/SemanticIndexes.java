package dev.tokenwise.cache.semantic;

import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.security.StreamSignatures;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.Limit;
import org.springframework.data.redis.connection.RedisStreamCommands.XAddOptions;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.connection.stream.StreamReadOptions;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * This replica's in-memory vector indexes, one per tenant/route/model, and how they follow Redis:
 * rebuilt from the entries in Redis at start, then kept in sync by reading the Redis Stream {@value
 * #EVENTS} of cache events (entry put, entry deleted, scope dropped) that every replica writes.
 * Every event is signed as cache-service ({@link StreamSignatures}); an event that is not (written
 * by whoever holds the Redis password, or by another service) is skipped and counted in {@link
 * #eventsRefused}, so it can neither drop nor delete this replica's indexes. Expired entries are
 * swept on a schedule; a lookup also re-checks every candidate in Redis, so an index that lags
 * never serves an expired or invalidated answer.
 */
final class SemanticIndexes implements AutoCloseable {

  static final String EVENTS = "tokenwise:cache:events";

  /** The only service whose signed events the indexes follow. */
  static final Set<String> PRODUCERS = Set.of(ServiceTokens.CACHE);

  /**
   * Threads that build the graphs in a rebuild: every core (each adds to its own segment, so up to
   * this many graphs per namespace; more than {@link VectorIndex#MAX_SEGMENTS_AFTER_LOAD} are
   * merged down to that many).
   */
  static final int REBUILD_THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());

  private static final Logger log = LoggerFactory.getLogger(SemanticIndexes.class);

  private final Map<String, VectorIndex> indexes = new ConcurrentHashMap<>();
  private final ReactiveStringRedisTemplate redis;
  private final SemanticEntries entries;
  private final SemanticCacheProperties properties;
  private final int dimension;
  private final PairVerifier verifier;
  private final IndexSnapshots snapshots;
  private final String embeddingModel;
  private final AtomicBoolean restored = new AtomicBoolean();

  /**
   * After a restore, this replica's own events up to this id are applied too: they are puts made
   * before the restored indexes replaced the ones they went into.
   */
  private volatile String ownEventsUntil = "0-0";

  private final AtomicLong rebuildScanned = new AtomicLong();
  private final String origin = UUID.randomUUID().toString();
  private final AtomicBoolean rebuilt = new AtomicBoolean();
  private final AtomicBoolean syncing = new AtomicBoolean();
  private final AtomicBoolean syncHealthy = new AtomicBoolean(true);
  private final AtomicLong eventsApplied = new AtomicLong();
  private final StreamSignatures signatures;
  private final Map<StreamSignatures.Outcome, AtomicLong> eventsRefused =
      new java.util.EnumMap<>(StreamSignatures.Outcome.class);
  private volatile String lastEventId = "0-0";
  private volatile Disposable sync;

  SemanticIndexes(
      ReactiveStringRedisTemplate redis,
      SemanticEntries entries,
      SemanticCacheProperties properties,
      int dimension,
      PairVerifier verifier,
      StreamSignatures signatures) {
    this(redis, entries, properties, dimension, verifier, signatures, null, "");
  }

  /**
   * @param signatures signs this replica's events and verifies the others'
   * @param snapshots where index snapshots are read at start and written periodically and at
   *     shutdown; null: none (every start rebuilds)
   * @param embeddingModel the embedding model's id (a snapshot of another model is not restored)
   */
  SemanticIndexes(
      ReactiveStringRedisTemplate redis,
      SemanticEntries entries,
      SemanticCacheProperties properties,
      int dimension,
      PairVerifier verifier,
      StreamSignatures signatures,
      IndexSnapshots snapshots,
      String embeddingModel) {
    this.signatures = signatures;
    for (StreamSignatures.Outcome outcome : StreamSignatures.Outcome.values()) {
      eventsRefused.put(outcome, new AtomicLong());
    }
    this.snapshots = snapshots;
    this.embeddingModel = embeddingModel;
    this.verifier = verifier;
    this.redis = redis;
    this.entries = entries;
    this.properties = properties;
    this.dimension = dimension;
  }

  /** Starts the rebuild-then-follow loop and the expiry sweep. */
  void start() {
    Flux<Long> ticks = Flux.interval(properties.syncInterval(), Schedulers.boundedElastic());
    Flux<Long> sweeps = Flux.interval(properties.sweepInterval(), Schedulers.boundedElastic());
    Disposable follow =
        ticks
            .onBackpressureDrop()
            .concatMap(tick -> syncOnce().onErrorResume(this::logSyncFailure), 1)
            .subscribe();
    Disposable sweep =
        sweeps
            .onBackpressureDrop()
            .subscribe(
                tick -> {
                  try {
                    sweep();
                  } catch (RuntimeException e) {
                    log.warn("Sweeping expired semantic entries failed: {}", e.toString());
                  }
                });
    Disposable snapshotting =
        snapshots == null || properties.snapshotInterval().isZero()
            ? () -> {}
            : Flux.interval(properties.snapshotInterval(), Schedulers.boundedElastic())
                .onBackpressureDrop()
                .concatMap(
                    tick ->
                        claimSnapshotTurn()
                            .filter(Boolean::booleanValue)
                            .flatMap(mine -> writeSnapshot())
                            .onErrorResume(
                                error -> {
                                  log.warn(
                                      "Writing an index snapshot failed: {}", error.toString());
                                  return Mono.empty();
                                }),
                    1)
                .subscribe();
    this.sync =
        () -> {
          follow.dispose();
          sweep.dispose();
          snapshotting.dispose();
        };
  }

  /** One step: rebuild if not done yet, else apply new events. */
  Mono<Void> syncOnce() {
    if (!syncing.compareAndSet(false, true)) {
      return Mono.empty();
    }
    Mono<Void> step = rebuilt.get() ? followEvents() : restoreOrRebuild();
    return step.doOnSuccess(done -> syncHealthy.set(true)).doFinally(signal -> syncing.set(false));
  }

  /**
   * Restores the indexes from the snapshot in Redis and resumes the event stream after the
   * snapshot's position; falls back to {@link #rebuild()} when there is no usable snapshot: none,
   * another embedding model, a blob that fails its checksum or that Lucene finds corrupt, or a
   * stream trimmed past the snapshot's position (events it would need to catch up are gone). Until
   * one of the two has finished, semantic lookups miss; a restored index only proposes candidates,
   * each re-checked against its entry in Redis as always.
   */
  Mono<Void> restoreOrRebuild() {
    if (snapshots == null) {
      return rebuild();
    }
    long start = System.nanoTime();
    return snapshots
        .read(embeddingModel, dimension)
        .flatMap(snapshot -> caughtUp(snapshot.position()).thenReturn(snapshot))
        .publishOn(Schedulers.boundedElastic())
        .flatMap(
            snapshot -> {
              Map<String, VectorIndex> loaded = new java.util.HashMap<>();
              try {
                for (Map.Entry<String, byte[]> blob : snapshot.blobs().entrySet()) {
                  loaded.put(
                      blob.getKey(),
                      VectorIndex.restore(
                          blob.getValue(),
                          dimension,
                          properties.maxConnections(),
                          properties.beamWidth()));
                }
              } catch (IOException | RuntimeException e) {
                loaded.values().forEach(VectorIndex::close);
                return Mono.<Void>error(new IndexSnapshots.Unusable("snapshot unreadable: " + e));
              }
              // An index this replica started meanwhile (a store during start-up) is replaced;
              // its puts are in the stream under this replica's origin, and are applied again
              // below although they are this replica's own.
              indexes.putAll(loaded);
              lastEventId = snapshot.position();
              return latestEventId()
                  .doOnNext(latest -> ownEventsUntil = latest)
                  .then(
                      Mono.<Void>fromRunnable(
                          () -> {
                            restored.set(true);
                            rebuilt.set(true);
                            log.info(
                                "Semantic indexes restored from the snapshot: {} indexes, {}"
                                    + " entries in {} ms; catching up from event {}",
                                loaded.size(),
                                entryCount(),
                                (System.nanoTime() - start) / 1_000_000,
                                snapshot.position());
                            countQuestionsInBackground();
                          }));
            })
        .onErrorResume(
            IndexSnapshots.Unusable.class,
            unusable -> {
              log.info("Rebuilding the semantic indexes from Redis: {}", unusable.getMessage());
              return rebuild();
            });
  }

  /**
   * Fails with {@link IndexSnapshots.Unusable} unless every event after {@code position} is still
   * in the stream. Trimming removes the oldest events first, so the snapshot's own last event still
   * being there proves nothing after it was trimmed; a snapshot taken with an empty stream is
   * caught up only while the stream has never been trimmed (shorter than its trim length).
   */
  private Mono<Void> caughtUp(String position) {
    if ("0-0".equals(position)) {
      return redis
          .opsForStream()
          .size(EVENTS)
          .flatMap(
              length ->
                  length < properties.eventsMaxLength()
                      ? Mono.<Void>empty()
                      : Mono.error(new IndexSnapshots.Unusable("event stream trimmed")));
    }
    return redis
        .opsForStream()
        .range(EVENTS, Range.closed(position, position))
        .hasElements()
        .flatMap(
            present ->
                present
                    ? Mono.<Void>empty()
                    : Mono.error(
                        new IndexSnapshots.Unusable(
                            "event stream trimmed past the snapshot (stale)")));
  }

  private Mono<String> latestEventId() {
    return redis
        .opsForStream()
        .reverseRange(EVENTS, Range.unbounded(), Limit.limit().count(1))
        .next()
        .map(record -> record.getId().getValue())
        .defaultIfEmpty("0-0");
  }

  /** Orders two stream ids ({@code <ms>-<seq>}). */
  static int compareEventIds(String a, String b) {
    int dashA = a.indexOf('-');
    int dashB = b.indexOf('-');
    int byTime =
        Long.compare(Long.parseLong(a.substring(0, dashA)), Long.parseLong(b.substring(0, dashB)));
    return byTime != 0
        ? byTime
        : Long.compare(
            Long.parseLong(a.substring(dashA + 1)), Long.parseLong(b.substring(dashB + 1)));
  }

  /** The verifier's idf counts, which a snapshot does not hold, read from Redis meanwhile. */
  private void countQuestionsInBackground() {
    if (!verifier.available()) {
      return;
    }
    entries
        .scanAll()
        .doOnNext(
            entry -> {
              int split = entry.key().lastIndexOf(':');
              verifier.count(
                  entry.key().substring(SemanticEntries.KEY_PREFIX.length(), split),
                  entry.question());
            })
        .subscribeOn(Schedulers.boundedElastic())
        .subscribe(
            entry -> {},
            error -> log.warn("Counting stored questions failed: {}", error.toString()));
  }

  /**
   * Writes a snapshot of every index to Redis. The stream position is read first: events after it
   * may or may not be in the snapshot, and replaying them is harmless (puts and deletes are
   * idempotent).
   */
  Mono<Void> writeSnapshot() {
    if (snapshots == null || !rebuilt.get()) {
      return Mono.empty();
    }
    String position = lastEventId;
    return Mono.fromCallable(
            () -> {
              Map<String, byte[]> blobs = new java.util.LinkedHashMap<>();
              for (Map.Entry<String, VectorIndex> index : indexes.entrySet()) {
                Optional<byte[]> blob = index.getValue().snapshot();
                if (blob.isEmpty()) {
                  return null;
                }
                blobs.put(index.getKey(), blob.get());
              }
              return blobs;
            })
        .subscribeOn(Schedulers.boundedElastic())
        .flatMap(blobs -> snapshots.write(position, blobs, embeddingModel, dimension))
        .then();
  }

  /**
   * One replica per interval writes the periodic snapshot (they all hold the same indexes): the
   * first to set the turn key, which expires after half an interval.
   */
  private Mono<Boolean> claimSnapshotTurn() {
    return redis
        .opsForValue()
        .setIfAbsent(
            IndexSnapshots.MANIFEST + ":turn", origin, properties.snapshotInterval().dividedBy(2))
        .defaultIfEmpty(false);
  }

  boolean isRestoredFromSnapshot() {
    return restored.get();
  }

  long rebuildScanned() {
    return rebuildScanned.get();
  }

  /**
   * Reads every entry from Redis into fresh indexes. The stream position is taken first, so events
   * written during the scan are applied afterwards (puts and deletes are idempotent).
   */
  Mono<Void> rebuild() {
    long start = System.nanoTime();
    return redis
        .opsForStream()
        .reverseRange(EVENTS, Range.unbounded(), Limit.limit().count(1))
        .next()
        .map(record -> record.getId().getValue())
        .defaultIfEmpty("0-0")
        .flatMap(
            position -> {
              AtomicLong count = new AtomicLong();
              AtomicLong indexingNanos = new AtomicLong();
              AtomicLong indexingCpuNanos = new AtomicLong();
              ThreadMXBean threads = ManagementFactory.getThreadMXBean();
              Set<VectorIndex> loading = ConcurrentHashMap.newKeySet();
              long now = System.currentTimeMillis();
              return entries
                  .scanAll()
                  // Every core indexes (the HNSW graph is built while adding; Lucene's writer
                  // gives each thread its own segment) while the reads continue; entries arrive
                  // decoded, the event loop only hands them over.
                  .parallel(REBUILD_THREADS, 1024)
                  .runOn(Schedulers.parallel(), 1024)
                  .doOnNext(
                      entry -> {
                        if (entry.vector().length != dimension || entry.expiresAtMillis() <= now) {
                          return;
                        }
                        long t = System.nanoTime();
                        long cpu = threads.getCurrentThreadCpuTime();
                        int split = entry.key().lastIndexOf(':');
                        String segment =
                            entry.key().substring(SemanticEntries.KEY_PREFIX.length(), split);
                        VectorIndex index = indexOf(segment);
                        if (loading.add(index)) {
                          index.beginBulkLoad();
                        }
                        index.put(
                            entry.key().substring(split + 1),
                            entry.context(),
                            entry.vector(),
                            entry.expiresAtMillis());
                        verifier.count(segment, entry.question());
                        count.incrementAndGet();
                        rebuildScanned.incrementAndGet();
                        indexingNanos.addAndGet(System.nanoTime() - t);
                        indexingCpuNanos.addAndGet(threads.getCurrentThreadCpuTime() - cpu);
                      })
                  .sequential()
                  .then(
                      Mono.fromRunnable(
                          () -> {
                            long settle = System.nanoTime();
                            loading.forEach(VectorIndex::endBulkLoad);
                            lastEventId = position;
                            rebuilt.set(true);
                            log.info(
                                "Semantic indexes rebuilt from Redis: {} entries in {} ms"
                                    + " (adding to the HNSW graphs {} ms summed over {} threads,"
                                    + " {} ms of it on the CPU; final flush {} ms)",
                                count.get(),
                                (System.nanoTime() - start) / 1_000_000,
                                indexingNanos.get() / 1_000_000,
                                REBUILD_THREADS,
                                indexingCpuNanos.get() / 1_000_000,
                                (System.nanoTime() - settle) / 1_000_000);
                          }))
                  .subscribeOn(Schedulers.boundedElastic());
            })
        .then();
  }

  private Mono<Void> followEvents() {
    return redis
        .<String, String>opsForStream()
        .read(
            StreamReadOptions.empty().count(1000),
            StreamOffset.create(EVENTS, ReadOffset.from(lastEventId)))
        .publishOn(Schedulers.boundedElastic())
        .doOnNext(this::apply)
        .then(Mono.<Void>fromRunnable(this::refreshAll))
        .timeout(Duration.ofSeconds(30));
  }

  private void apply(MapRecord<String, String, String> record) {
    lastEventId = record.getId().getValue();
    Map<String, String> event = record.getValue();
    StreamSignatures.Verification verification = signatures.verify(EVENTS, event, PRODUCERS);
    if (!verification.valid()) {
      eventsRefused.get(verification.outcome()).incrementAndGet();
      log.warn("Cache event {} ignored: {}", lastEventId, verification.reason());
      return;
    }
    if (origin.equals(event.get("origin")) && compareEventIds(lastEventId, ownEventsUntil) > 0) {
      return;
    }
    eventsApplied.incrementAndGet();
    switch (event.getOrDefault("type", "")) {
      case "put" ->
          indexOf(event.get("ns"))
              .put(
                  event.get("id"),
                  event.get("ctx"),
                  SemanticEntries.vector(Base64.getDecoder().decode(event.get("vec"))),
                  Long.parseLong(event.get("exp")));
      case "delete" -> {
        VectorIndex index = indexes.get(event.get("ns"));
        if (index != null) {
          index.delete(event.get("id"));
        }
      }
      case "drop" ->
          dropLocally(
              new InvalidationScope(
                  event.get("tenant"), event.get("route"), event.get("model"), null));
      default -> log.debug("Ignoring cache event of type {}", event.get("type"));
    }
  }

  private Mono<Void> logSyncFailure(Throwable error) {
    // Once per outage, not once per tick.
    if (syncHealthy.getAndSet(false)) {
      log.warn("Semantic index sync failed; retrying until Redis answers: {}", error.toString());
    }
    return Mono.empty();
  }

  /** Indexes an entry this replica stored, and tells the other replicas. */
  Mono<Void> putAndPublish(
      String segment, String entryId, String context, float[] vector, long expiresAt) {
    return Mono.fromRunnable(
            () -> {
              VectorIndex index = indexOf(segment);
              index.put(entryId, context, vector, expiresAt);
              index.refresh();
            })
        .subscribeOn(Schedulers.boundedElastic())
        .then(
            publish(
                Map.of(
                    "type",
                    "put",
                    "ns",
                    segment,
                    "id",
                    entryId,
                    "ctx",
                    context,
                    "exp",
                    Long.toString(expiresAt),
                    "vec",
                    Base64.getEncoder().encodeToString(SemanticEntries.vectorBytes(vector)))));
  }

  /** Removes an entry here and everywhere. */
  Mono<Void> deleteAndPublish(String segment, String entryId) {
    deleteLocally(segment, entryId);
    return publish(Map.of("type", "delete", "ns", segment, "id", entryId));
  }

  void deleteLocally(String segment, String entryId) {
    VectorIndex index = indexes.get(segment);
    if (index != null) {
      index.delete(entryId);
      index.refresh();
    }
  }

  /** Drops every index inside {@code scope} here and everywhere. */
  Mono<Void> dropAndPublish(InvalidationScope scope) {
    dropLocally(scope);
    Map<String, String> event = new java.util.HashMap<>();
    event.put("type", "drop");
    event.put("tenant", scope.tenant());
    if (scope.route() != null) {
      event.put("route", scope.route());
    }
    if (scope.model() != null) {
      event.put("model", scope.model());
    }
    return publish(event);
  }

  private void dropLocally(InvalidationScope scope) {
    List<VectorIndex> dropped = new ArrayList<>();
    indexes
        .entrySet()
        .removeIf(
            entry -> {
              if (scope.covers(entry.getKey())) {
                dropped.add(entry.getValue());
                return true;
              }
              return false;
            });
    // Closed after removal from the map; a search still holding one fails with Lucene's
    // AlreadyClosedException and that lookup fails open to a miss.
    dropped.forEach(VectorIndex::close);
  }

  private Mono<Void> publish(Map<String, String> fields) {
    Map<String, String> event = new java.util.HashMap<>(fields);
    event.put("origin", origin);
    return redis
        .<String, String>opsForStream()
        .add(
            EVENTS,
            signatures.sign(EVENTS, event),
            XAddOptions.maxlen(properties.eventsMaxLength()).approximateTrimming(true))
        .then();
  }

  /** Candidates for a lookup, or none when this namespace has no index here. */
  List<VectorIndex.Candidate> search(String segment, String context, float[] vector, int k) {
    VectorIndex index = indexes.get(segment);
    return index == null ? List.of() : index.search(context, vector, k);
  }

  void sweep() {
    long now = System.currentTimeMillis();
    for (VectorIndex index : indexes.values()) {
      index.deleteExpired(now);
      index.refresh();
    }
  }

  void refreshAll() {
    indexes.values().forEach(VectorIndex::refresh);
  }

  boolean isRebuilt() {
    return rebuilt.get();
  }

  int indexCount() {
    return indexes.size();
  }

  long entryCount() {
    long total = 0;
    for (VectorIndex index : indexes.values()) {
      total += index.size();
    }
    return total;
  }

  long bytesUsed() {
    long total = 0;
    for (VectorIndex index : indexes.values()) {
      total += index.ramBytesUsed();
    }
    return total;
  }

  long eventsApplied() {
    return eventsApplied.get();
  }

  /** Events skipped for their signature, for {@code outcome}'s reason. */
  long eventsRefused(StreamSignatures.Outcome outcome) {
    return eventsRefused.get(outcome).get();
  }

  /** Events skipped for their signature, whatever the reason. */
  long eventsRefused() {
    return eventsRefused.values().stream().mapToLong(AtomicLong::get).sum();
  }

  private VectorIndex indexOf(String segment) {
    return indexes.computeIfAbsent(
        segment,
        s -> new VectorIndex(dimension, properties.maxConnections(), properties.beamWidth()));
  }

  /**
   * Stops following the event stream and writes a last snapshot, so the next start restores what
   * this replica had. Needs Redis: the application calls it while stopping, before the Redis
   * connection factory stops ({@code SemanticConfiguration.SnapshotAtShutdown}). Only the first
   * call does anything.
   */
  synchronized void stop() {
    Disposable running = sync;
    sync = null;
    if (running == null) {
      return;
    }
    running.dispose();
    try {
      writeSnapshot().block(properties.snapshotTimeout());
    } catch (RuntimeException e) {
      log.warn("Writing the index snapshot at shutdown failed: {}", e.toString());
    }
  }

  @Override
  public void close() {
    stop();
    indexes.values().forEach(VectorIndex::close);
    indexes.clear();
  }
}
