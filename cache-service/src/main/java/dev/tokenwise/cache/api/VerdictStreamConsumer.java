package dev.tokenwise.cache.api;

import dev.tokenwise.cache.semantic.SemanticCache;
import dev.tokenwise.cache.semantic.VerdictResult;
import dev.tokenwise.common.cache.VerdictStream;
import dev.tokenwise.common.metrics.MetricTags;
import dev.tokenwise.common.metrics.RefusedStreamEntries;
import dev.tokenwise.common.redis.StreamGroups;
import dev.tokenwise.common.security.StreamSignatures;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.DefaultStringRedisConnection;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.StringRedisConnection;
import org.springframework.data.redis.connection.stream.Consumer;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.connection.stream.StreamReadOptions;
import org.springframework.data.redis.connection.stream.StringRecord;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponseException;

/**
 * Takes the router's verdicts on semantic hits from the verdict stream ({@link VerdictStream})
 * through the consumer group {@link VerdictStream#GROUP}, on one dedicated thread (blocking reads,
 * never on the event loop), and records each as {@code POST /internal/cache/shadow} would ({@link
 * SemanticCache#shadowReport}). Each replica is a consumer of its own, so a verdict is taken by one
 * replica.
 *
 * <ul>
 *   <li><b>At least once.</b> An entry is acknowledged only after its verdict is recorded. One that
 *       could not be (Redis failed or was slow) stays pending: this consumer pauses ({@link
 *       VerdictProperties#retryBackoff()}, doubling) and reads its own pending entries again before
 *       new ones. Entries another consumer has left pending longer than {@link
 *       VerdictProperties#claimMinIdle()} (a replica that died) are taken over every {@link
 *       VerdictProperties#claimInterval()}.
 *   <li><b>Applied once.</b> Each report carries a verdict id; recording it sets the id's key in
 *       the same Redis script that appends the verdict (see {@link SemanticCache#shadowReport}), so
 *       an entry recorded and then redelivered (acknowledgement lost, or taken over) counts as a
 *       {@code duplicate}, not twice.
 *   <li><b>Only the router's.</b> An entry not signed by router-service with this deployment's
 *       secret ({@link StreamSignatures}) is refused, counted in {@code
 *       tokenwise_stream_entries_refused_total} and acknowledged, never recorded: holding the Redis
 *       password is not enough to move a route's threshold. An entry that is not a valid report
 *       (the HTTP endpoint's own checks, {@link CacheRequestBody#shadowReport}) is logged and
 *       acknowledged as {@code invalid}: it could never be recorded.
 * </ul>
 *
 * <p>Every entry is counted in {@value #CONSUMED} by outcome: {@code applied}, {@code duplicate},
 * {@code refused}, {@code invalid}, {@code failed} (not recorded this time; it stays pending).
 */
@Component
class VerdictStreamConsumer implements SmartLifecycle {

  /** Verdict stream entries taken, by outcome. */
  static final String CONSUMED = "tokenwise.cache.verdicts.consumed";

  private static final Logger log = LoggerFactory.getLogger(VerdictStreamConsumer.class);

  private final RedisConnectionFactory connections;
  private final SemanticCache semanticCache;
  private final StreamSignatures signatures;
  private final MeterRegistry meters;
  private final VerdictProperties properties;
  private final Consumer consumer;
  private final Map<String, Counter> consumed;

  private volatile boolean running;
  private Thread thread;

  VerdictStreamConsumer(
      RedisConnectionFactory connections,
      SemanticCache semanticCache,
      StreamSignatures signatures,
      MeterRegistry meters,
      VerdictProperties properties) {
    this.connections = connections;
    this.semanticCache = semanticCache;
    this.signatures = signatures;
    this.meters = meters;
    this.properties = properties;
    this.consumer =
        Consumer.from(
            VerdictStream.GROUP,
            StreamGroups.consumerName(properties.consumerName(), "cache-service"));
    this.consumed =
        Map.of(
            "applied", counter("applied"),
            "duplicate", counter("duplicate"),
            "refused", counter("refused"),
            "invalid", counter("invalid"),
            "failed", counter("failed"));
  }

  private Counter counter(String outcome) {
    return Counter.builder(CONSUMED)
        .description("Verdict stream entries taken, by outcome")
        .tag(MetricTags.OUTCOME, outcome)
        .register(meters);
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
    thread = new Thread(this::run, "verdict-stream-consumer");
    thread.setDaemon(true);
    thread.start();
    log.info(
        "Consuming {} as {} in group {}",
        VerdictStream.KEY,
        consumer.getName(),
        VerdictStream.GROUP);
  }

  @Override
  public synchronized void stop() {
    running = false;
    if (thread == null) {
      return;
    }
    try {
      thread.join(properties.block().plusSeconds(2).toMillis());
      if (thread.isAlive()) {
        thread.interrupt();
        thread.join(5_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    thread = null;
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** This replica's name in the consumer group. */
  String consumerName() {
    return consumer.getName();
  }

  private void run() {
    Duration backoff = properties.retryBackoff();
    while (running) {
      boolean[] healthy = {false};
      try (RedisConnection connection = connections.getConnection()) {
        StringRedisConnection redis = new DefaultStringRedisConnection(connection);
        StreamGroups.createIfAbsent(redis, VerdictStream.KEY, VerdictStream.GROUP);
        consume(redis, healthy);
      } catch (RuntimeException e) {
        if (!running) {
          return;
        }
        if (healthy[0]) {
          backoff = properties.retryBackoff();
        }
        log.warn("Verdict stream consumer failed; retrying in {}: {}", backoff, e.toString());
        pause(backoff);
        backoff = min(backoff.multipliedBy(2), properties.maxRetryBackoff());
      }
    }
  }

  private void consume(StringRedisConnection redis, boolean[] healthy) {
    // This consumer's own pending entries first: read before a failure, not yet acknowledged.
    boolean ownBacklog = true;
    Instant nextClaim = Instant.now();
    while (running) {
      if (!Instant.now().isBefore(nextClaim)) {
        int taken =
            StreamGroups.claimAbandoned(
                redis,
                VerdictStream.KEY,
                consumer,
                properties.batchSize(),
                properties.claimMinIdle(),
                () -> running,
                claimed -> apply(redis, claimed));
        if (taken > 0) {
          log.info("Took over {} verdicts another replica left pending", taken);
        }
        nextClaim = Instant.now().plus(properties.claimInterval());
      }
      StreamReadOptions options = StreamReadOptions.empty().count(properties.batchSize());
      List<StringRecord> records;
      if (ownBacklog) {
        // Id 0 returns this consumer's pending entries rather than new ones.
        records = read(redis, options, ReadOffset.from("0-0"));
        ownBacklog = !records.isEmpty();
      } else {
        records = read(redis, options.block(properties.block()), ReadOffset.lastConsumed());
      }
      healthy[0] = true;
      apply(redis, records);
    }
  }

  private List<StringRecord> read(
      StringRedisConnection redis, StreamReadOptions options, ReadOffset offset) {
    List<StringRecord> records =
        redis.xReadGroupAsString(consumer, options, StreamOffset.create(VerdictStream.KEY, offset));
    return records == null ? List.of() : records;
  }

  /**
   * Records each entry's verdict and acknowledges it; throws at the first verdict not recorded,
   * leaving it and the rest of the batch pending.
   */
  private void apply(StringRedisConnection redis, List<StringRecord> records) {
    for (StringRecord record : records) {
      String id = record.getId().getValue();
      StreamSignatures.Verification verification =
          signatures.verify(VerdictStream.KEY, record.getValue(), VerdictStream.PRODUCERS);
      if (!verification.valid()) {
        RefusedStreamEntries.count(meters, VerdictStream.KEY, verification);
        consumed.get("refused").increment();
        log.warn("Verdict entry {} refused, not recorded: {}", id, verification.reason());
        redis.xAck(VerdictStream.KEY, VerdictStream.GROUP, record.getId());
        continue;
      }
      CacheRequestBody.ShadowReport report;
      try {
        String raw = record.getValue().get(VerdictStream.FIELD);
        if (raw == null) {
          throw new IllegalArgumentException("no '" + VerdictStream.FIELD + "' field");
        }
        report = CacheRequestBody.shadowReport(raw.getBytes(StandardCharsets.UTF_8));
      } catch (ErrorResponseException | IllegalArgumentException e) {
        consumed.get("invalid").increment();
        log.warn("Verdict entry {} is not a valid report, skipped: {}", id, reason(e));
        redis.xAck(VerdictStream.KEY, VerdictStream.GROUP, record.getId());
        continue;
      }
      VerdictResult result;
      try {
        result =
            semanticCache
                .shadowReport(
                    report.namespace(),
                    report.entryId(),
                    report.similarity(),
                    report.agreed(),
                    report.verdictId(),
                    properties.remember())
                .blockOptional()
                .orElseThrow(() -> new IllegalStateException("no result"));
      } catch (RuntimeException e) {
        consumed.get("failed").increment();
        throw new IllegalStateException("verdict entry " + id + " not recorded, left pending", e);
      }
      consumed.get(result.applied() ? "applied" : "duplicate").increment();
      redis.xAck(VerdictStream.KEY, VerdictStream.GROUP, record.getId());
    }
  }

  private static String reason(Exception e) {
    if (e instanceof ErrorResponseException problem && problem.getBody().getDetail() != null) {
      return problem.getBody().getDetail();
    }
    return e.getMessage();
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
}
