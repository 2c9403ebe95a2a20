package dev.tokenwise.router.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.mock;

import com.sun.net.httpserver.HttpServer;
import dev.tokenwise.common.cache.VerdictStream;
import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.security.StreamSignatures;
import dev.tokenwise.router.request.RandomIds;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.connection.RedisStreamCommands.XAddOptions;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.RecordId;
import org.springframework.data.redis.core.ReactiveStreamOperations;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link CacheClient#reportShadow}: a verdict goes on the verdict stream, signed as router-service;
 * only when the stream write fails or is slow is it posted to cache-service, with the same verdict
 * id; when both fail it is counted lost.
 */
class CacheClientVerdictTests {

  private static final String SECRET = "test-only-service-secret-0123456789abcdef";

  private final JsonMapper json = JsonMapper.builder().build();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final List<String> posted = new CopyOnWriteArrayList<>();
  private final AtomicReference<Integer> status = new AtomicReference<>(202);
  private final AtomicReference<Mono<RecordId>> xadd = new AtomicReference<>();
  private final List<MapRecord<String, Object, Object>> added = new CopyOnWriteArrayList<>();
  private HttpServer cacheService;
  private CacheClient client;

  /**
   * Seeds the verdict ids' DRBG before any test's clock runs: on a busy machine that can take
   * seconds the first time (the router's warm-up does it at start).
   */
  @BeforeAll
  static void warmUp() {
    RandomIds.uuid();
  }

  @BeforeEach
  @SuppressWarnings("unchecked")
  void start() throws IOException {
    cacheService = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    cacheService.createContext(
        "/internal/cache/shadow",
        exchange -> {
          posted.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          exchange.sendResponseHeaders(status.get(), -1);
          exchange.close();
        });
    cacheService.start();
    ReactiveStreamOperations<String, Object, Object> streams = mock(ReactiveStreamOperations.class);
    org.mockito.Mockito.when(streams.add(any(MapRecord.class), any(XAddOptions.class)))
        .thenAnswer(
            call -> {
              added.add((MapRecord<String, Object, Object>) call.getArgument(0));
              return xadd.get();
            });
    ReactiveStringRedisTemplate redis = mock(ReactiveStringRedisTemplate.class);
    doReturn(streams).when(redis).opsForStream();
    CacheProperties properties =
        TestCacheProperties.of(
            URI.create("http://127.0.0.1:" + cacheService.getAddress().getPort()),
            Duration.ofHours(24),
            Duration.ofMillis(200));
    client =
        new CacheClient(
            properties,
            json,
            meters,
            ObservationRegistry.NOOP,
            new ServiceTokens(SECRET, ServiceTokens.ROUTER, Clock.systemUTC()),
            redis,
            new StreamSignatures(SECRET, ServiceTokens.ROUTER));
  }

  @AfterEach
  void stop() {
    cacheService.stop(0);
  }

  @Test
  void aVerdictGoesOnTheStreamSignedAndWithAnId() {
    xadd.set(Mono.just(RecordId.of("1-0")));
    client.reportShadow(query(), "0123456789abcdef0123456789abcdef", false);

    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> reported("queued") == 1);
    assertThat(posted).isEmpty();
    MapRecord<String, Object, Object> entry = added.get(0);
    assertThat(entry.getStream()).isEqualTo(VerdictStream.KEY);
    Map<String, String> fields = new java.util.HashMap<>();
    entry.getValue().forEach((k, v) -> fields.put(k.toString(), v.toString()));
    assertThat(
            new StreamSignatures(SECRET, ServiceTokens.CACHE)
                .verify(VerdictStream.KEY, fields, VerdictStream.PRODUCERS)
                .valid())
        .isTrue();
    JsonNode report = json.readTree(fields.get(VerdictStream.FIELD));
    assertThat(report.path("tenant").asString()).isEqualTo("acme");
    assertThat(report.path("route").asString()).isEqualTo("default");
    assertThat(report.path("entryId").asString()).isEqualTo("0123456789abcdef0123456789abcdef");
    assertThat(report.path("agreed").asBoolean(true)).isFalse();
    assertThat(report.path("verdictId").asString()).hasSize(36);
  }

  @Test
  void redisRefusingTheWriteSendsTheSameVerdictOverHttp() {
    xadd.set(Mono.error(new RedisConnectionFailureException("Redis is down")));
    client.reportShadow(query(), null, true);

    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> reported("sent") == 1);
    assertThat(posted).hasSize(1);
    JsonNode report = json.readTree(posted.get(0));
    JsonNode queued = json.readTree(added.get(0).getValue().get(VerdictStream.FIELD).toString());
    assertThat(report.path("verdictId").asString())
        .isEqualTo(queued.path("verdictId").asString())
        .isNotEmpty();
    assertThat(report.path("agreed").asBoolean()).isTrue();
    assertThat(reported("queued") + reported("failed")).isZero();
  }

  @Test
  void aStreamWriteSlowerThanTheTimeoutIsPostedInstead() {
    xadd.set(Mono.never());
    client.reportShadow(query(), null, true);

    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> reported("sent") == 1);
    assertThat(posted).hasSize(1);
  }

  @Test
  void aVerdictNeitherQueuedNorPostedIsCountedLost() {
    xadd.set(Mono.error(new RedisConnectionFailureException("Redis is down")));
    status.set(503);
    client.reportShadow(query(), null, true);

    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> reported("failed") == 1);
    assertThat(reported("sent") + reported("queued")).isZero();
  }

  private static CacheQuery query() {
    return new CacheQuery("acme", "default", "gpt-5-mini", null, null, null);
  }

  private double reported(String outcome) {
    Counter counter = meters.find(CacheClient.SHADOW_REPORTS).tag("outcome", outcome).counter();
    return counter == null ? 0 : counter.count();
  }
}
