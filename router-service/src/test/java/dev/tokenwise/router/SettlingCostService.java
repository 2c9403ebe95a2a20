package dev.tokenwise.router;

import dev.tokenwise.common.budget.SpendSettlement;
import dev.tokenwise.common.pricing.CostCalculator;
import dev.tokenwise.common.pricing.PriceCatalogs;
import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.security.StreamSignatures;
import dev.tokenwise.common.testsupport.TestStreamSignatures;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.common.usage.UsageStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.data.redis.connection.stream.Consumer;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.RecordId;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.connection.stream.StreamReadOptions;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * What cost-service does for the router's budgets, for router tests: reads the usage stream through
 * a consumer group of its own, takes only events the router signed (as cost-service does; {@link
 * #refused} counts the others), prices each event with common's catalog and {@link CostCalculator}
 * (as cost-service's pricer does; a failed request costs nothing), and appends a {@link
 * SpendSettlement} per event to the settlement stream, signed as cost-service. {@link #costs} holds
 * what each request was settled at.
 */
final class SettlingCostService implements AutoCloseable {

  private static final String GROUP = "cost-service-stand-in";

  private final ReactiveStringRedisTemplate redis;
  private final JsonMapper json;
  private final PriceCatalogs catalogs = PriceCatalogs.bundled();
  final Map<String, BigDecimal> costs = new ConcurrentHashMap<>();
  private final Map<String, String> tenants = new ConcurrentHashMap<>();
  private final StreamSignatures signatures = TestStreamSignatures.as(ServiceTokens.COST);
  final java.util.concurrent.atomic.AtomicLong refused =
      new java.util.concurrent.atomic.AtomicLong();
  private Disposable loop;

  SettlingCostService(ReactiveStringRedisTemplate redis, JsonMapper json) {
    this.redis = redis;
    this.json = json;
  }

  SettlingCostService start() {
    loop =
        Flux.interval(Duration.ofMillis(20))
            .onBackpressureDrop()
            .concatMap(tick -> batch().onErrorResume(e -> createGroup()), 1)
            .subscribe();
    return this;
  }

  /** The sum of a tenant's settled costs. */
  BigDecimal total(String tenant) {
    return costs.entrySet().stream()
        .filter(e -> tenant.equals(tenants.get(e.getKey())))
        .map(Map.Entry::getValue)
        .reduce(BigDecimal.ZERO, BigDecimal::add);
  }

  /** Requests of a tenant settled so far. */
  List<String> settledRequests(String tenant) {
    return costs.keySet().stream().filter(id -> tenant.equals(tenants.get(id))).toList();
  }

  private Mono<Void> batch() {
    return redis
        .opsForStream()
        .read(
            Consumer.from(GROUP, "stand-in"),
            StreamReadOptions.empty().count(200),
            StreamOffset.create(UsageStream.KEY, ReadOffset.lastConsumed()))
        .concatMap(this::settle)
        .then();
  }

  private Mono<Void> settle(MapRecord<String, Object, Object> record) {
    Map<String, String> fields = new java.util.HashMap<>();
    record.getValue().forEach((k, v) -> fields.put((String) k, (String) v));
    if (!signatures.verify(UsageStream.KEY, fields, UsageStream.PRODUCERS).valid()) {
      refused.incrementAndGet();
      return redis.opsForStream().acknowledge(UsageStream.KEY, GROUP, record.getId()).then();
    }
    UsageEvent event =
        json.readValue((String) record.getValue().get(UsageStream.FIELD), UsageEvent.class);
    BigDecimal cost =
        event.status() == UsageEvent.Status.ERROR
            ? BigDecimal.ZERO
            : catalogs
                .forEvent(event)
                .map(catalog -> CostCalculator.price(event, catalog).actual())
                .orElse(null);
    SpendSettlement settlement =
        new SpendSettlement(
            event.requestId(),
            event.tenant(),
            YearMonth.from(event.occurredAt().atZone(ZoneOffset.UTC)),
            cost);
    return publish(settlement)
        .doOnSuccess(
            id -> {
              tenants.put(event.requestId(), event.tenant());
              costs.put(event.requestId(), cost == null ? BigDecimal.ZERO : cost);
            })
        .then(redis.opsForStream().acknowledge(UsageStream.KEY, GROUP, record.getId()))
        .then();
  }

  /**
   * Appends a settlement, as cost-service does (also used to replay one, as after a crash).
   *
   * @return the settlement's entry in the stream
   */
  Mono<RecordId> publish(SpendSettlement settlement) {
    return redis
        .opsForStream()
        .add(
            StreamRecords.string(signatures.sign(SpendSettlement.STREAM_KEY, settlement.toFields()))
                .withStreamKey(SpendSettlement.STREAM_KEY));
  }

  private Mono<Void> createGroup() {
    return redis
        .opsForStream()
        .createGroup(UsageStream.KEY, ReadOffset.from("0-0"), GROUP)
        .onErrorResume(e -> Mono.empty())
        .then();
  }

  @Override
  public void close() {
    if (loop != null) {
      loop.dispose();
    }
  }
}
