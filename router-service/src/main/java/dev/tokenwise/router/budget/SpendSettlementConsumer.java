package dev.tokenwise.router.budget;

import dev.tokenwise.common.budget.SpendSettlement;
import dev.tokenwise.common.metrics.RefusedStreamEntries;
import dev.tokenwise.common.redis.StreamGroups;
import dev.tokenwise.common.security.StreamSignatures;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Applies cost-service's {@link SpendSettlement}s to the router's budget keys. Every replica is a
 * consumer in the group {@link #GROUP} on one dedicated thread (blocking reads, never on the event
 * loop), so each settlement is applied by one replica; an entry is acknowledged after it is
 * applied. A replica that dies holding entries leaves them pending; another takes them over after
 * {@link BudgetProperties.Settlements#claimMinIdle()}. Applying is idempotent by request id (see
 * {@link Budgets#SETTLE}), so an entry applied and then redelivered counts once. An entry that is
 * not a settlement is logged and acknowledged.
 *
 * <p>Only settlements signed by cost-service ({@link SpendSettlement#PRODUCERS}) with this
 * deployment's secret are applied: a settlement releases a reservation and sets the request's cost,
 * so a forged one could erase a tenant's spend. Any other entry (unsigned, badly signed, signed by
 * another service) is logged at warn with its id, counted in {@code
 * tokenwise_stream_entries_refused_total} and acknowledged, never applied.
 */
@Component
class SpendSettlementConsumer implements SmartLifecycle {

  /** The consumer group every router replica joins. */
  static final String GROUP = "router-service";

  private static final Logger log = LoggerFactory.getLogger(SpendSettlementConsumer.class);

  private final RedisConnectionFactory connections;
  private final StringRedisTemplate redis;
  private final BudgetProperties properties;
  private final BudgetProperties.Settlements settings;
  private final Consumer consumer;
  private final StreamSignatures signatures;
  private final MeterRegistry meters;
  private volatile boolean running;

  /** Whether a read succeeded since the last failure (the next failure backs off afresh). */
  private boolean healthy;

  private Thread thread;

  SpendSettlementConsumer(
      RedisConnectionFactory connections,
      StringRedisTemplate redis,
      BudgetProperties properties,
      StreamSignatures signatures,
      MeterRegistry meters) {
    this.connections = connections;
    this.signatures = signatures;
    this.meters = meters;
    this.redis = redis;
    this.properties = properties;
    this.settings = properties.settlements();
    this.consumer =
        Consumer.from(GROUP, StreamGroups.consumerName(settings.consumerName(), "router"));
  }

  @Override
  public boolean isAutoStartup() {
    return settings.enabled();
  }

  @Override
  public synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    thread = new Thread(this::run, "spend-settlements");
    thread.setDaemon(true);
    thread.start();
    log.info(
        "Consuming {} as {} in group {}", SpendSettlement.STREAM_KEY, consumer.getName(), GROUP);
  }

  @Override
  public synchronized void stop() {
    running = false;
    if (thread == null) {
      return;
    }
    try {
      thread.join(settings.block().plusSeconds(2).toMillis());
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

  private void run() {
    Duration backoff = settings.retryBackoff();
    while (running) {
      try (RedisConnection connection = connections.getConnection()) {
        StringRedisConnection strings = new DefaultStringRedisConnection(connection);
        // from the stream's start: settlements written before this group existed count too
        StreamGroups.createIfAbsent(strings, SpendSettlement.STREAM_KEY, GROUP);
        healthy = false;
        consume(strings);
      } catch (RuntimeException e) {
        if (!running) {
          return;
        }
        if (healthy) {
          backoff = settings.retryBackoff();
        }
        log.warn("Spend settlement consumer failed; retrying in {}: {}", backoff, e.toString());
        pause(backoff);
        backoff = min(backoff.multipliedBy(2), Duration.ofMinutes(1));
      }
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private void consume(StringRedisConnection strings) {
    // this consumer's own pending entries first (read before a failure, not yet acknowledged)
    boolean ownBacklog = true;
    Instant nextClaim = Instant.now();
    while (running) {
      if (!Instant.now().isBefore(nextClaim)) {
        claimAbandoned(strings);
        nextClaim = Instant.now().plus(settings.claimInterval());
      }
      StreamReadOptions options = StreamReadOptions.empty().count(settings.batchSize());
      List<StringRecord> records;
      if (ownBacklog) {
        records = read(strings, options, ReadOffset.from("0-0"));
        ownBacklog = !records.isEmpty();
      } else {
        records = read(strings, options.block(settings.block()), ReadOffset.lastConsumed());
      }
      healthy = true;
      apply(strings, records);
    }
  }

  private List<StringRecord> read(
      StringRedisConnection strings, StreamReadOptions options, ReadOffset offset) {
    List<StringRecord> records =
        strings.xReadGroupAsString(
            consumer, options, StreamOffset.create(SpendSettlement.STREAM_KEY, offset));
    return records == null ? List.of() : records;
  }

  private void claimAbandoned(StringRedisConnection strings) {
    StreamGroups.claimAbandoned(
        strings,
        SpendSettlement.STREAM_KEY,
        consumer,
        settings.batchSize(),
        settings.claimMinIdle(),
        () -> running,
        claimed -> {
          log.info("Took over {} spend settlements another replica left pending", claimed.size());
          apply(strings, claimed);
        });
  }

  private void apply(StringRedisConnection strings, List<StringRecord> records) {
    for (StringRecord record : records) {
      StreamSignatures.Verification verification =
          signatures.verify(
              SpendSettlement.STREAM_KEY, record.getValue(), SpendSettlement.PRODUCERS);
      if (!verification.valid()) {
        RefusedStreamEntries.count(meters, SpendSettlement.STREAM_KEY, verification);
        log.warn(
            "Spend settlement entry {} refused, not applied: {}",
            record.getId().getValue(),
            verification.reason());
        strings.xAck(SpendSettlement.STREAM_KEY, GROUP, record.getId());
        continue;
      }
      List<SpendSettlement> settlements;
      try {
        settlements = SpendSettlement.fromEntry(record.getValue());
      } catch (IllegalArgumentException e) {
        log.warn("Spend settlement entry {} skipped: {}", record.getId().getValue(), e.toString());
        strings.xAck(SpendSettlement.STREAM_KEY, GROUP, record.getId());
        continue;
      }
      // An entry may carry many; if one fails, the entry stays pending and is applied again, and
      // the ones already applied are skipped (each request is settled once).
      for (SpendSettlement settlement : settlements) {
        settle(settlement);
      }
      strings.xAck(SpendSettlement.STREAM_KEY, GROUP, record.getId());
    }
  }

  /**
   * Moves the request's reservation into the tenant's spend at the settled cost, once; and into its
   * key's, when the request was reserved against a key budget too.
   */
  void settle(SpendSettlement s) {
    String keyOf = Budgets.keyOfKey(s.tenant());
    Object keyId = redis.opsForHash().get(keyOf, s.requestId());
    settle(Budgets.Subject.tenant(s.tenant()), s);
    if (keyId != null) {
      settle(new Budgets.Subject(s.tenant(), keyId.toString()), s);
      redis.opsForHash().delete(keyOf, s.requestId());
    }
  }

  private void settle(Budgets.Subject subject, SpendSettlement s) {
    redis.execute(
        Budgets.SETTLE,
        List.of(
            Budgets.spendKey(subject, s.month()),
            Budgets.reservedKey(subject),
            Budgets.deadlinesKey(subject),
            Budgets.settledKey(subject),
            Budgets.lapsedKey(subject)),
        s.requestId(),
        s.costUsd() == null ? "" : s.costUsd().toPlainString(),
        String.valueOf(Math.max(1, properties.spendTtl().toSeconds())),
        String.valueOf(Math.max(1, properties.settledRetention().toSeconds())));
  }

  private void pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }
}
