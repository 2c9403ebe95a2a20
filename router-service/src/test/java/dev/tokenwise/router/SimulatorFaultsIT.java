package dev.tokenwise.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestServers;
import dev.tokenwise.common.usage.UsageStream;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Resilience against the real provider simulator, which fails 20% of provider requests at random
 * (4% each: 429 with {@code Retry-After}, 500, 529 — OpenAI's endpoint answers 503 instead —, a
 * connection reset, and a first byte that comes only after the router's 3 s first-byte timeout).
 * The faults come from the simulator's own configuration and its control API; no stub is involved.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers(postgres = false)
class SimulatorFaultsIT {

  private static final String KEY = "tw-simulator-faults-key";
  private static final List<String> FAULTS =
      List.of("429", "500", "529", "reset", "slow-first-byte");
  private static final SimulatorProcess simulator = SimulatorProcess.start(simulatorProperties());

  private static Map<String, String> simulatorProperties() {
    Map<String, String> p = new LinkedHashMap<>();
    FAULTS.forEach(fault -> p.put("tokenwise.simulator.faults.rates[" + fault + "]", "0.04"));
    p.put("tokenwise.simulator.faults.retry-after", "1s");
    p.put("tokenwise.simulator.faults.slow-first-byte", "6s");
    p.put("tokenwise.simulator.faults.seed", "20261127");
    return p;
  }

  private static Map<String, String> routerProperties() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("tokenwise.router.tenants[0].id", "acme");
    p.put("tokenwise.router.tenants[0].key-hashes[0]", VirtualKeyAuthenticator.hash(KEY));
    p.put("tokenwise.router.cache.enabled", "false");
    p.put("tokenwise.router.usage.publish-timeout", "15s");
    p.put("tokenwise.router.budgets.redis-timeout", "15s");
    for (String provider : List.of("openai", "anthropic")) {
      p.put("tokenwise.router.providers." + provider + ".base-url", simulator.baseUrl());
      p.put("tokenwise.router.providers." + provider + ".api-key", "sk-" + provider + "-test");
      // well above a loaded machine's slowest real answer, so that only injected hangs time out
      p.put("tokenwise.router.providers." + provider + ".response-timeout", "3s");
    }
    p.put("tokenwise.router.resilience.initial-backoff", "10ms");
    p.put("tokenwise.router.resilience.max-backoff", "100ms");
    p.put("tokenwise.router.resilience.total-timeout", "60s");
    // Anthropic Haiku first, then two OpenAI models: with three attempts a model and 20% faults a
    // request fails only when all nine attempts do (0.2^9: one run in 2,000 of 1,000 requests)
    p.put("tokenwise.router.resilience.fallbacks[claude-haiku-4-5][0]", "gpt-5-mini");
    p.put("tokenwise.router.resilience.fallbacks[claude-haiku-4-5][1]", "gpt-5");
    p.put("tokenwise.router.resilience.fallbacks[claude-opus-4-5][0]", "gpt-5-nano");
    p.put("tokenwise.router.resilience.fallbacks[claude-sonnet-4-5][0]", "gpt-4.1");
    return p;
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    routerProperties().forEach((name, value) -> registry.add(name, () -> value));
    registry.add("tokenwise.router.usage.spool-dir", SimulatorFaultsIT::tempDir);
  }

  @LocalServerPort int port;
  @Autowired ReactiveStringRedisTemplate redis;
  @Autowired JsonMapper json;

  @BeforeEach
  void setUp() {
    TestServers.redis().flushAll();
  }

  @AfterAll
  static void stop() {
    simulator.close();
  }

  /**
   * 1,000 chat requests for Claude Haiku with two OpenAI fallbacks while the simulator fails a
   * fifth of its requests: every request is answered 200, each with exactly one usage event.
   */
  @Test
  void everyRequestSucceedsUnderTwentyPercentSimulatorFaults() {
    WebClient web = WebClient.create("http://localhost:" + port);
    Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    Map<String, AtomicInteger> servedBy = new ConcurrentHashMap<>();
    List<String> failures = new CopyOnWriteArrayList<>();
    long before = simulator.stats().path("total").asLong();
    Flux.range(0, 1000)
        .flatMap(
            i ->
                web.post()
                    .uri("/v1/chat/completions")
                    .header("Authorization", "Bearer " + KEY)
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(
                        "{\"model\":\"claude-haiku-4-5\",\"max_completion_tokens\":50,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"question "
                            + i
                            + "\"}]}")
                    .exchangeToMono(
                        r ->
                            r.bodyToMono(String.class)
                                .defaultIfEmpty("")
                                .map(
                                    b -> {
                                      if (!r.statusCode().is2xxSuccessful()) {
                                        failures.add(r.statusCode().value() + " " + b);
                                      }
                                      String model =
                                          r.headers().asHttpHeaders().getFirst("Tokenwise-Model");
                                      servedBy
                                          .computeIfAbsent(
                                              String.valueOf(model), k -> new AtomicInteger())
                                          .incrementAndGet();
                                      return r.statusCode().value();
                                    })),
            16)
        .doOnNext(s -> statuses.computeIfAbsent(s, k -> new AtomicInteger()).incrementAndGet())
        .blockLast(Duration.ofMinutes(10));
    JsonNode stats = simulator.stats();
    long calls = stats.path("total").asLong() - before;
    Map<String, Long> injected = new LinkedHashMap<>();
    FAULTS.forEach(f -> injected.put(f, stats.path("faults").path(f).asLong()));
    long faults = injected.values().stream().mapToLong(Long::longValue).sum();
    System.out.printf(
        "simulator fault run: 1000 requests, %d provider calls, %d injected faults %s,"
            + " statuses %s, served by %s%n",
        calls, faults, injected, statuses, servedBy);

    assertThat(statuses).as(failures.toString()).containsOnlyKeys(200);
    assertThat(statuses.get(200).get()).isEqualTo(1000);
    // a fifth of the provider calls failed, of every kind
    assertThat(faults).isGreaterThanOrEqualTo(150);
    assertThat((double) faults / calls).isBetween(0.1, 0.3);
    assertThat(injected.values()).allSatisfy(n -> assertThat(n).isPositive());
    List<JsonNode> events = awaitEvents(1000);
    assertThat(events.stream().map(e -> e.get("requestId").asString()).distinct()).hasSize(1000);
  }

  /**
   * With the model and its fallback both failing (the simulator's fault queue: 500 for Opus, 529
   * for GPT-5 nano), chat clients get OpenAI's 503 and Messages clients Anthropic's {@code
   * overloaded_error}, after every attempt.
   */
  @Test
  void everyProviderFailingIsAClear503() {
    simulator.queueFaults("500", 40, "claude-opus-4-5");
    simulator.queueFaults("529", 40, "gpt-5-nano");
    WebTestClient client = client(port);
    client
        .post()
        .uri("/v1/chat/completions")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            "{\"model\":\"claude-opus-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
        .exchange()
        .expectStatus()
        .isEqualTo(503)
        .expectBody()
        .jsonPath("$.error.type")
        .isEqualTo("server_error")
        .jsonPath("$.error.message")
        .value(m -> assertThat((String) m).isNotBlank());
    client
        .post()
        .uri("/v1/messages")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            "{\"model\":\"claude-opus-4-5\",\"max_tokens\":20,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
        .exchange()
        .expectStatus()
        .isEqualTo(503)
        .expectBody()
        .jsonPath("$.type")
        .isEqualTo("error")
        .jsonPath("$.error.type")
        .isEqualTo("overloaded_error");
  }

  /**
   * The total timeout bounds the whole call: with a router whose total timeout (3 s) is shorter
   * than the first-byte timeout (30 s), and a model and its fallback that both answer only after 6
   * s, the client gets 503 — had the router waited past its total timeout it would have relayed the
   * late 200.
   */
  @Test
  void theTotalTimeoutCutsAHangingChainWithA503() throws IOException {
    Map<String, String> p = new LinkedHashMap<>(routerProperties());
    p.put("tokenwise.router.providers.openai.response-timeout", "30s");
    p.put("tokenwise.router.providers.anthropic.response-timeout", "30s");
    p.put("tokenwise.router.resilience.total-timeout", "3s");
    simulator.queueFaults("slow-first-byte", 10, "claude-sonnet-4-5");
    simulator.queueFaults("slow-first-byte", 10, "gpt-4.1");
    try (ConfigurableApplicationContext deadline = RouterReplica.start(p, "deadline")) {
      long started = System.nanoTime();
      client(Integer.parseInt(deadline.getEnvironment().getProperty("local.server.port")))
          .post()
          .uri("/v1/chat/completions")
          .contentType(MediaType.APPLICATION_JSON)
          .bodyValue(
              "{\"model\":\"claude-sonnet-4-5\","
                  + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
          .exchange()
          .expectStatus()
          .isEqualTo(503)
          .expectBody()
          .jsonPath("$.error.type")
          .isEqualTo("server_error");
      System.out.printf(
          "total timeout 3s, providers hanging 6s: 503 after %d ms%n",
          (System.nanoTime() - started) / 1_000_000);
    }
  }

  private static WebTestClient client(int port) {
    return WebTestClient.bindToServer()
        .baseUrl("http://localhost:" + port)
        .responseTimeout(Duration.ofSeconds(120))
        .defaultHeader("Authorization", "Bearer " + KEY)
        .build();
  }

  private List<JsonNode> awaitEvents(int count) {
    return await()
        .atMost(Duration.ofSeconds(120))
        .until(
            () ->
                redis
                    .opsForStream()
                    .range(UsageStream.KEY, Range.unbounded())
                    .map(r -> json.readTree((String) r.getValue().get(UsageStream.FIELD)))
                    .collectList()
                    .block(),
            list -> list.size() >= count);
  }

  private static String tempDir() {
    try {
      return Files.createTempDirectory("simulator-faults-spool").toString();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Command-line arguments: they outrank application.yml, as a replica's own settings must. */
}
