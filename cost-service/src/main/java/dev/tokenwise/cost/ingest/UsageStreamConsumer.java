package dev.tokenwise.cost.ingest;

import dev.tokenwise.common.redis.StreamGroups;
import dev.tokenwise.common.security.StreamSignatures;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.common.usage.UsageStream;
import io.micrometer.tracing.Span;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.data.redis.connection.DefaultStringRedisConnection;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisStreamCommands.XAddOptions;
import org.springframework.data.redis.connection.StringRedisConnection;
import org.springframework.data.redis.connection.stream.Consumer;
import org.springframework.data.redis.connection.stream.PendingMessagesSummary;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.RecordId;
import org.springframework.data.redis.connection.stream.StreamInfo;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.connection.stream.StreamReadOptions;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.connection.stream.StringRecord;
import org.springframework.stereotype.Component;

/**
 * Reads the usage stream through the {@link UsageStream#GROUP} consumer group on {@link
 * IngestProperties#consumers()} dedicated threads, each a consumer of its own in the group (the
 * configured name, then {@code name-2}, {@code name-3}...): a batch of entries is parsed, priced
 * and stored in one transaction, then acknowledged. More than one thread lets parsing and pricing
 * of one batch overlap with PostgreSQL storing another. Delivery is at least once; the store
 * dedupes on {@code eventId}.
 *
 * <ul>
 *   <li>On start, and after any failure, this consumer first re-reads its own pending entries (read
 *       but not acknowledged), so a batch that failed to store is retried, not lost.
 *   <li>Every {@link IngestProperties#claimInterval()} it takes over entries another consumer has
 *       left pending longer than {@link IngestProperties#claimMinIdle()} (XPENDING IDLE + XCLAIM,
 *       which is what XAUTOCLAIM does; Spring Data Redis exposes only these two).
 *   <li>At the same cadence it trims entries every group has acknowledged and that are older than
 *       {@link IngestProperties#retainAcknowledged()}; nothing else bounds the stream.
 *   <li>An entry not signed by one of {@link UsageStream#PRODUCERS} with this deployment's secret
 *       ({@link StreamSignatures}: signature missing, signature invalid, producer not allowed) is
 *       copied to {@link UsageStream#DEAD_LETTER_KEY} with that reason and acknowledged, before its
 *       event is even parsed: it is never stored, priced or settled. Whoever can write to Redis
 *       cannot make up usage or spend.
 *   <li>An entry that can never be stored (no {@code event} field, malformed JSON, an invalid
 *       event, a value the table rejects) is copied to {@link UsageStream#DEAD_LETTER_KEY} with a
 *       {@code reason} field and acknowledged. An event for a model the catalog does not know is
 *       not poison: it is stored unpriced.
 * </ul>
 */
@Component
class UsageStreamConsumer implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(UsageStreamConsumer.class);

  private final RedisConnectionFactory connections;
  private final UsageEventReader reader;
  private final UsageIngester ingester;
  private final IngestMetrics metrics;
  private final IngestProperties properties;
  private final UsageTracing tracing;
  private final StreamSignatures signatures;
  private final List<Consumer> consumers;

  private volatile boolean running;
  private volatile Instant lastReadAt;
  private volatile Instant lastFailureAt;
  private volatile String lastFailure;
  private final List<Thread> threads = new ArrayList<>();

  UsageStreamConsumer(
      RedisConnectionFactory connections,
      UsageEventReader reader,
      UsageIngester ingester,
      IngestMetrics metrics,
      IngestProperties properties,
      UsageTracing tracing,
      StreamSignatures signatures) {
    this.connections = connections;
    this.signatures = signatures;
    this.tracing = tracing;
    this.reader = reader;
    this.ingester = ingester;
    this.metrics = metrics;
    this.properties = properties;
    String name = consumerName(properties.consumerName());
    List<Consumer> named = new ArrayList<>();
    for (int i = 1; i <= properties.consumers(); i++) {
      named.add(Consumer.from(UsageStream.GROUP, i == 1 ? name : name + "-" + i));
    }
    this.consumers = List.copyOf(named);
  }

  @Override
  public boolean isAutoStartup() {
    return properties.enabled();
  }

  @Override
  public synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    for (int i = 0; i < consumers.size(); i++) {
      Consumer consumer = consumers.get(i);
      Thread thread = new Thread(() -> run(consumer), "usage-stream-consumer-" + (i + 1));
      threads.add(thread);
      thread.start();
    }
    log.info(
        "Consuming {} as {} in group {}",
        UsageStream.KEY,
        consumers.stream().map(Consumer::getName).toList(),
        UsageStream.GROUP);
  }

  @Override
  public synchronized void stop() {
    running = false;
    try {
      for (Thread thread : threads) {
        thread.join(properties.block().plusSeconds(2).toMillis());
        if (thread.isAlive()) {
          thread.interrupt();
          thread.join(5_000);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    threads.clear();
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** What the health endpoint shows about this consumer. */
  State state() {
    return new State(
        consumers.stream().map(Consumer::getName).collect(java.util.stream.Collectors.joining(",")),
        running,
        lastReadAt,
        lastFailureAt,
        lastFailure);
  }

  /**
   * @param lastReadAt when a read from the stream last succeeded
   * @param lastFailureAt when the consumer loop last failed, with {@code lastFailure} saying why
   */
  record State(
      String consumer,
      boolean running,
      Instant lastReadAt,
      Instant lastFailureAt,
      String lastFailure) {

    /** Failing now: the last failure is more recent than the last successful read. */
    boolean failing() {
      return lastFailureAt != null && (lastReadAt == null || lastFailureAt.isAfter(lastReadAt));
    }
  }

  private void run(Consumer consumer) {
    Duration backoff = properties.retryBackoff();
    while (running) {
      try (RedisConnection connection = connections.getConnection()) {
        StringRedisConnection redis = new DefaultStringRedisConnection(connection);
        // From the stream's start: events produced before cost-service first ran are priced too.
        StreamGroups.createIfAbsent(redis, UsageStream.KEY, UsageStream.GROUP);
        consume(redis, consumer);
        backoff = properties.retryBackoff();
      } catch (RuntimeException e) {
        if (!running) {
          return;
        }
        lastFailureAt = Instant.now();
        lastFailure = e.toString();
        log.warn("Usage stream consumer failed; retrying in {}: {}", backoff, e.toString());
        pause(backoff);
        backoff = min(backoff.multipliedBy(2), properties.maxRetryBackoff());
      }
    }
  }

  private void consume(StringRedisConnection redis, Consumer consumer) {
    boolean ownBacklog = true;
    Instant nextClaim = Instant.now();
    while (running) {
      if (!Instant.now().isBefore(nextClaim)) {
        claimAbandoned(redis, consumer);
        trimAcknowledged(redis);
        nextClaim = Instant.now().plus(properties.claimInterval());
      }
      List<StringRecord> records;
      if (ownBacklog) {
        // Id 0 returns this consumer's pending entries rather than new ones.
        records = read(redis, consumer, ReadOffset.from("0-0"), false);
        ownBacklog = !records.isEmpty();
      } else {
        records = read(redis, consumer, ReadOffset.lastConsumed(), true);
      }
      handle(redis, records);
    }
  }

  private List<StringRecord> read(
      StringRedisConnection redis, Consumer consumer, ReadOffset offset, boolean block) {
    StreamReadOptions options = StreamReadOptions.empty().count(properties.batchSize());
    if (block) {
      options = options.block(properties.block());
    }
    List<StringRecord> records =
        redis.xReadGroupAsString(consumer, options, StreamOffset.create(UsageStream.KEY, offset));
    lastReadAt = Instant.now();
    return records == null ? List.of() : records;
  }

  private void claimAbandoned(StringRedisConnection redis, Consumer consumer) {
    StreamGroups.claimAbandoned(
        redis,
        UsageStream.KEY,
        consumer,
        properties.batchSize(),
        properties.claimMinIdle(),
        () -> running,
        claimed -> {
          log.info("Claimed {} usage entries abandoned by other consumers", claimed.size());
          handle(redis, claimed);
        });
  }

  /**
   * Trims usage entries older than {@link IngestProperties#retainAcknowledged()} that no consumer
   * group still needs: an entry stays if any group has not read it yet or has it pending.
   */
  private void trimAcknowledged(StringRedisConnection redis) {
    RecordId keepFrom =
        RecordId.of(Instant.now().minus(properties.retainAcknowledged()).toEpochMilli(), 0);
    for (StreamInfo.XInfoGroup group : redis.xInfoGroups(UsageStream.KEY)) {
      // Entries after the last-delivered id are unread; entries up to it are read, and acknowledged
      // unless pending.
      RecordId lastDelivered = RecordId.of(group.lastDeliveredId());
      keepFrom =
          lower(
              keepFrom, RecordId.of(lastDelivered.getTimestamp(), lastDelivered.getSequence() + 1));
      if (group.pendingCount() != null && group.pendingCount() > 0) {
        PendingMessagesSummary pending = redis.xPending(UsageStream.KEY, group.groupName());
        if (pending != null && pending.getTotalPendingMessages() > 0) {
          keepFrom = lower(keepFrom, pending.minRecordId());
        }
      }
    }
    // XTRIM MINID (Redis 6.2) removes entries with an id below keepFrom; exact, not "~", so the
    // bound holds even for a small stream.
    redis.execute("XTRIM", UsageStream.KEY, "MINID", keepFrom.getValue());
  }

  private static RecordId lower(RecordId a, RecordId b) {
    int byTime = Long.compare(a.getTimestamp(), b.getTimestamp());
    if (byTime != 0) {
      return byTime < 0 ? a : b;
    }
    return a.getSequence() <= b.getSequence() ? a : b;
  }

  private void handle(StringRedisConnection redis, List<StringRecord> records) {
    if (records.isEmpty()) {
      return;
    }
    List<RecordId> done = new ArrayList<>(records.size());
    // Two parallel lists, not a map keyed by record: a record's hash is its whole entry's.
    List<StringRecord> read = new ArrayList<>(records.size());
    List<UsageEvent> events = new ArrayList<>(records.size());
    List<Span> spans = tracing.enabled() ? UsageTracing.none() : List.of();
    for (StringRecord record : records) {
      String raw = record.getValue() == null ? null : record.getValue().get(UsageStream.FIELD);
      StreamSignatures.Verification verification =
          signatures.verify(UsageStream.KEY, record.getValue(), UsageStream.PRODUCERS);
      if (!verification.valid()) {
        metrics.refused(verification);
        deadLetter(redis, record, raw, verification.reason());
        done.add(record.getId());
        continue;
      }
      try {
        if (raw == null) {
          throw new InvalidUsageEventException(
              null, "entry has no '" + UsageStream.FIELD + "' field");
        }
        UsageEvent event = reader.read(raw);
        read.add(record);
        events.add(event);
        if (tracing.enabled()) {
          Span span = tracing.start(record.getValue().get(UsageStream.TRACEPARENT), event);
          if (span != null) {
            spans.add(span);
          }
        }
      } catch (InvalidUsageEventException e) {
        deadLetter(redis, record, raw, e.reason());
        done.add(record.getId());
      }
    }
    try {
      store(redis, read, events);
    } catch (RuntimeException e) {
      tracing.end(spans, e);
      throw e;
    }
    tracing.end(spans, null);
    read.forEach(record -> done.add(record.getId()));
    redis.xAck(UsageStream.KEY, UsageStream.GROUP, done.toArray(RecordId[]::new));
  }

  /**
   * Stores the batch in one transaction. When PostgreSQL rejects a value, the batch is retried one
   * event at a time so only the offending event is dead-lettered; any other failure propagates and
   * the batch stays pending to be retried.
   */
  private void store(
      StringRedisConnection redis, List<StringRecord> records, List<UsageEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    try {
      ingester.ingest(events);
    } catch (DataIntegrityViolationException batchFailure) {
      for (int i = 0; i < events.size(); i++) {
        StringRecord record = records.get(i);
        try {
          ingester.ingest(List.of(events.get(i)));
        } catch (DataIntegrityViolationException e) {
          deadLetter(
              redis,
              record,
              record.getValue().get(UsageStream.FIELD),
              "rejected by storage: " + StreamGroups.rootMessage(e));
        }
      }
    }
  }

  private void deadLetter(
      StringRedisConnection redis, StringRecord record, String raw, String reason) {
    Map<String, String> fields = new LinkedHashMap<>();
    if (raw != null) {
      fields.put(UsageStream.FIELD, raw);
    }
    fields.put("reason", reason);
    fields.put("sourceId", record.getId().getValue());
    redis.xAdd(
        StreamRecords.string(fields).withStreamKey(UsageStream.DEAD_LETTER_KEY),
        XAddOptions.maxlen(properties.deadLetterMaxLength()).approximateTrimming(true));
    metrics.deadLettered();
    log.warn("Usage entry {} dead-lettered: {}", record.getId().getValue(), reason);
  }

  private void pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static String consumerName(String configured) {
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    String host = System.getenv("HOSTNAME");
    if (host != null && !host.isBlank()) {
      return host;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "cost-service-" + ProcessHandle.current().pid();
    }
  }
}
