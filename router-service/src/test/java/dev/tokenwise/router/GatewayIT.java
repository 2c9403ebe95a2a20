package dev.tokenwise.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestServers;
import dev.tokenwise.common.usage.UsageStream;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.stream.MapRecord;
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
 * The gateway surface against zero-latency fault-injecting providers: {@code /v1/messages} native
 * and translated (whole and streamed), Claude models behind {@code /v1/chat/completions}, {@code
 * /v1/models}, {@code /v1/embeddings}, retries with fallback under 20% faults, and the 503 when
 * every provider fails.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers(postgres = false)
class GatewayIT {

  private static final String KEY = "tw-gateway-test-key";
  private static final String FRUGAL_KEY = "tw-frugal-test-key";
  private static final FaultyProviders providers = new FaultyProviders();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("tokenwise.router.tenants[0].id", () -> "acme");
    registry.add(
        "tokenwise.router.tenants[0].key-hashes[0]", () -> VirtualKeyAuthenticator.hash(KEY));
    registry.add("tokenwise.router.tenants[1].id", () -> "frugal");
    registry.add(
        "tokenwise.router.tenants[1].key-hashes[0]",
        () -> VirtualKeyAuthenticator.hash(FRUGAL_KEY));
    registry.add("tokenwise.router.admin.token", () -> "admin-test-token");
    registry.add("tokenwise.router.usage.spool-dir", GatewayIT::spoolDir);
    registry.add("tokenwise.router.usage.drain-interval", () -> "200ms");
    // generous: a loaded CI machine must not turn the budget check's fail-open into a flake
    registry.add("tokenwise.router.budgets.redis-timeout", () -> "15s");
    registry.add("tokenwise.router.usage.publish-timeout", () -> "15s");
    registry.add("tokenwise.router.budgets.tenants.frugal.hard-usd", () -> "0.05");
    registry.add("tokenwise.router.budgets.tenants.frugal.soft-usd", () -> "0.03");
    registry.add("tokenwise.router.providers.openai.base-url", providers::baseUrl);
    registry.add("tokenwise.router.providers.openai.api-key", () -> "sk-openai-test");
    // several seconds: a loaded machine must not turn a zero-latency stub's answer into a 504;
    // the hangs that test the timeout last longer (FaultyProviders)
    registry.add("tokenwise.router.providers.openai.response-timeout", () -> "5s");
    registry.add("tokenwise.router.providers.openai.models[0]", () -> "gpt-5");
    registry.add("tokenwise.router.providers.anthropic.base-url", providers::baseUrl);
    registry.add("tokenwise.router.providers.anthropic.api-key", () -> "sk-ant-test");
    registry.add("tokenwise.router.providers.anthropic.response-timeout", () -> "5s");
    registry.add("tokenwise.router.providers.anthropic.models[0]", () -> "claude-sonnet-4-5");
    registry.add("tokenwise.router.cache.enabled", () -> "false");
    // every fifth call fails, and under 16 concurrent requests which request meets a fault is
    // close to random: with the default 3 attempts per model (6 with the fallback) one
    // request in about 16,000 meets six faults in a row, failing one run of the 1,000-request test
    // in 16; 4 attempts (8 in all) make that one run in about 400
    registry.add("tokenwise.router.resilience.max-attempts", () -> "4");
    registry.add("tokenwise.router.resilience.initial-backoff", () -> "1ms");
    registry.add("tokenwise.router.resilience.max-backoff", () -> "5ms");
    // the hanging models get their 503 here, after about four 5 s first-byte timeouts
    registry.add("tokenwise.router.resilience.total-timeout", () -> "20s");
    registry.add("tokenwise.router.resilience.fallbacks[claude-haiku-4-5][0]", () -> "gpt-5-mini");
    registry.add("tokenwise.router.resilience.fallbacks[claude-broken][0]", () -> "gpt-broken");
    registry.add("tokenwise.router.resilience.fallbacks[claude-hang][0]", () -> "gpt-hang");
  }

  private static String spoolDir() {
    try {
      return java.nio.file.Files.createTempDirectory("gateway-spool").toString();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @LocalServerPort int port;
  @Autowired ReactiveStringRedisTemplate redis;
  @Autowired JsonMapper json;
  WebTestClient client;
  SettlingCostService costService;

  @BeforeEach
  void setUp() {
    TestServers.redis().start();
    TestServers.redis().flushAll();
    costService = new SettlingCostService(redis, json).start();
    providers.reset();
    client =
        WebTestClient.bindToServer()
            .baseUrl("http://localhost:" + port)
            // past the 20 s total timeout the hanging models are given before their 503
            .responseTimeout(Duration.ofSeconds(60))
            .defaultHeader("Authorization", "Bearer " + KEY)
            .build();
  }

  @AfterEach
  void stopCostService() {
    costService.close();
  }

  @AfterAll
  static void stop() {
    providers.close();
  }

  private static String spendKey(String tenant) {
    return "tokenwise:router:budget:{"
        + tenant
        + "}:spend:"
        + java.time.YearMonth.now(java.time.ZoneOffset.UTC);
  }

  private long reservations(String tenant) {
    return redis.opsForHash().size("tokenwise:router:budget:{" + tenant + "}:reserved").block();
  }

  @Test
  void messagesForAClaudeModelGoToAnthropicAsSent() {
    String request =
        """
        {"model":"claude-sonnet-4-5","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}""";
    client
        .post()
        .uri("/v1/messages")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(request)
        .exchange()
        .expectStatus()
        .isOk()
        .expectHeader()
        .valueEquals("Tokenwise-Model", "claude-sonnet-4-5")
        .expectHeader()
        .exists("Tokenwise-Overhead-Ms")
        .expectHeader()
        .exists("Tokenwise-Cost-USD")
        .expectBody()
        .jsonPath("$.type")
        .isEqualTo("message")
        .jsonPath("$.content[0].text")
        .isEqualTo("Hello from anthropic.");
    assertThat(providers.calls).hasSize(1);
    assertThat(providers.calls.get(0).path()).isEqualTo("/v1/messages");
    assertThat(providers.calls.get(0).apiKey()).isEqualTo("sk-ant-test");
    assertThat(json.readTree(providers.calls.get(0).body())).isEqualTo(json.readTree(request));
    JsonNode event = awaitEvents(1).get(0);
    assertThat(event.get("provider").asString()).isEqualTo("anthropic");
    // Anthropic's input_tokens excludes cache reads; the usage event's inputTokens includes them
    assertThat(event.get("inputTokens").asLong()).isEqualTo(30);
    assertThat(event.get("cachedInputTokens").asLong()).isEqualTo(20);
    assertThat(event.get("outputTokens").asLong()).isEqualTo(5);
  }

  @Test
  void messagesForAnOpenAiModelAreTranslatedBothWays() {
    client
        .post()
        .uri("/v1/messages")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            """
            {"model":"gpt-5","max_tokens":100,"system":"be brief",
             "messages":[{"role":"user","content":"hi"}]}""")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.type")
        .isEqualTo("message")
        .jsonPath("$.content[0].text")
        .isEqualTo("Hello from openai.")
        .jsonPath("$.stop_reason")
        .isEqualTo("end_turn")
        .jsonPath("$.usage.input_tokens")
        .isEqualTo(10)
        .jsonPath("$.usage.cache_read_input_tokens")
        .isEqualTo(20);
    JsonNode sent = json.readTree(providers.calls.get(0).body());
    assertThat(providers.calls.get(0).path()).isEqualTo("/v1/chat/completions");
    assertThat(sent.path("messages").path(0).path("role").asString()).isEqualTo("system");
    JsonNode event = awaitEvents(1).get(0);
    assertThat(event.get("inputTokens").asLong()).isEqualTo(30);
    assertThat(event.get("provider").asString()).isEqualTo("openai");
  }

  @Test
  void streamedMessagesPassThroughAndTranslate() {
    String nativeStream = streamMessages("claude-sonnet-4-5");
    assertThat(nativeStream).contains("event: message_start").contains("\"text\":\"Hello\"");
    String translated = streamMessages("gpt-5");
    assertThat(translated)
        .contains("event: message_start")
        .contains("event: content_block_delta")
        .contains("Hello")
        .contains("event: message_stop");
    List<JsonNode> events = awaitEvents(2);
    assertThat(events).allSatisfy(e -> assertThat(e.get("mode").asString()).isEqualTo("stream"));
    assertThat(events)
        .allSatisfy(e -> assertThat(e.get("inputTokens").asLong()).isEqualTo(30))
        .allSatisfy(e -> assertThat(e.get("outputTokens").asLong()).isEqualTo(5));
  }

  @Test
  void chatCompletionsServedByAClaudeModelWholeAndStreamed() {
    client
        .post()
        .uri("/v1/chat/completions")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            """
            {"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}]}""")
        .exchange()
        .expectStatus()
        .isOk()
        .expectHeader()
        .valueEquals("Tokenwise-Model", "claude-sonnet-4-5")
        .expectBody()
        .jsonPath("$.object")
        .isEqualTo("chat.completion")
        .jsonPath("$.choices[0].message.content")
        .isEqualTo("Hello from anthropic.")
        .jsonPath("$.usage.prompt_tokens")
        .isEqualTo(30)
        .jsonPath("$.usage.prompt_tokens_details.cached_tokens")
        .isEqualTo(20);
    JsonNode sent = json.readTree(providers.calls.get(0).body());
    assertThat(providers.calls.get(0).path()).isEqualTo("/v1/messages");
    assertThat(sent.path("max_tokens").asLong()).isPositive();

    String stream =
        client
            .post()
            .uri("/v1/chat/completions")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(
                """
                {"model":"claude-sonnet-4-5","stream":true,
                 "messages":[{"role":"user","content":"hi"}]}""")
            .exchange()
            .expectStatus()
            .isOk()
            .returnResult(String.class)
            .getResponseBody()
            .collectList()
            .map(parts -> String.join("\n", parts))
            .block(Duration.ofSeconds(60));
    assertThat(stream).contains("chat.completion.chunk").contains("Hello").contains("[DONE]");
    assertThat(stream).doesNotContain("\"choices\":[]");
    List<JsonNode> events = awaitEvents(2);
    assertThat(events).allSatisfy(e -> assertThat(e.get("inputTokens").asLong()).isEqualTo(30));
  }

  @Test
  @SuppressWarnings("unchecked")
  void modelsListsAliasesAndConfiguredModels() {
    client
        .get()
        .uri("/v1/models")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.object")
        .isEqualTo("list")
        .jsonPath("$.data[*].id")
        .value(
            ids ->
                assertThat((List<Object>) ids)
                    .contains(
                        "tokenwise/auto",
                        "tokenwise/fast",
                        "tokenwise/smart",
                        "gpt-5",
                        "claude-sonnet-4-5"));
  }

  @Test
  void embeddingsPassThroughWithOneUsageEvent() {
    client
        .post()
        .uri("/v1/embeddings")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"model\":\"text-embedding-3-small\",\"input\":\"hello\"}")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.data[0].embedding[0]")
        .isEqualTo(0.1);
    assertThat(awaitEvents(1).get(0).get("inputTokens").asLong()).isEqualTo(4);
    client
        .post()
        .uri("/v1/embeddings")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"model\":\"text-embedding-3-small\"}")
        .exchange()
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.param")
        .isEqualTo("input");
  }

  /**
   * Embeddings are admitted like chat requests: the input's estimated tokens are charged to the
   * key's token limit (strings counted, token ids one each), and the tenant's budget refuses once
   * its hard cap is spent; a refused request never reaches the provider.
   */
  @Test
  void embeddingsAreChargedToTheKeysTokenLimitAndTheTenantsBudget() {
    String key =
        json.readTree(
                client
                    .post()
                    .uri("/admin/keys")
                    .header("Authorization", "Bearer admin-test-token")
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"tenant\":\"acme\",\"tokensPerMinute\":6,\"tokenBurst\":20}")
                    .exchange()
                    .expectStatus()
                    .isCreated()
                    .expectBody()
                    .returnResult()
                    .getResponseBody())
            .get("key")
            .asString();
    WebTestClient limited = client.mutate().defaultHeader("Authorization", "Bearer " + key).build();
    limited
        .post()
        .uri("/v1/embeddings")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"model\":\"text-embedding-3-small\",\"input\":\"hello\"}")
        .exchange()
        .expectStatus()
        .isOk()
        .expectHeader()
        .valueEquals("x-ratelimit-limit-tokens", "6");
    String thirtyIds =
        java.util.stream.IntStream.range(0, 30)
            .mapToObj(String::valueOf)
            .collect(java.util.stream.Collectors.joining(","));
    for (String input : List.of("\"" + "many words ".repeat(40) + "\"", "[" + thirtyIds + "]")) {
      limited
          .post()
          .uri("/v1/embeddings")
          .contentType(MediaType.APPLICATION_JSON)
          .bodyValue("{\"model\":\"text-embedding-3-small\",\"input\":" + input + "}")
          .exchange()
          .expectStatus()
          .isEqualTo(429)
          .expectBody()
          .jsonPath("$.error.code")
          .isEqualTo("rate_limit_exceeded")
          .jsonPath("$.error.message")
          .value(m -> assertThat((String) m).contains("Request too large"));
    }

    redis.opsForValue().set(spendKey("frugal"), "0.06").block();
    client
        .post()
        .uri("/v1/embeddings")
        .header("Authorization", "Bearer " + FRUGAL_KEY)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"model\":\"text-embedding-3-small\",\"input\":\"hello\"}")
        .exchange()
        .expectStatus()
        .isEqualTo(402)
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("budget_exceeded");
    assertThat(providers.calls.stream().filter(c -> c.path().equals("/v1/embeddings"))).hasSize(1);

    // under the cap it is answered, and its reservation is released by its settlement
    redis.opsForValue().set(spendKey("frugal"), "0").block();
    client
        .post()
        .uri("/v1/embeddings")
        .header("Authorization", "Bearer " + FRUGAL_KEY)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"model\":\"text-embedding-3-small\",\"input\":\"hello\"}")
        .exchange()
        .expectStatus()
        .isOk();
    await().atMost(Duration.ofSeconds(60)).until(() -> reservations("frugal") == 0);
    assertThat(awaitEvents(2)).hasSize(2);
  }

  @Test
  void badMessagesRequestsGetAnthropicShapedErrors() {
    client
        .post()
        .uri("/v1/messages")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"model\":\"claude-sonnet-4-5\",\"messages\":[]}")
        .exchange()
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.type")
        .isEqualTo("error")
        .jsonPath("$.error.type")
        .isEqualTo("invalid_request_error")
        .jsonPath("$.error.message")
        .value(m -> assertThat((String) m).contains("max_tokens"));
    assertThat(providers.calls).isEmpty();
  }

  /**
   * 1,000 chat requests for a Claude model with a GPT-5 mini fallback, every fifth provider call
   * failing (429, 500, 529, a hang past the first-byte timeout, a dropped connection, in turn):
   * every request succeeds, and each has exactly one usage event.
   */
  @Test
  void everyRequestSucceedsUnderTwentyPercentFaults() {
    providers.faultEvery = 5;
    WebClient web = WebClient.create("http://localhost:" + port);
    Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    Flux.range(0, 1000)
        .flatMap(
            i ->
                web.post()
                    .uri("/v1/chat/completions")
                    .header("Authorization", "Bearer " + KEY)
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(
                        "{\"model\":\"claude-haiku-4-5\",\"messages\":[{\"role\":\"user\","
                            + "\"content\":\"q"
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
                                      return r.statusCode().value();
                                    })),
            16)
        .doOnNext(s -> statuses.computeIfAbsent(s, k -> new AtomicInteger()).incrementAndGet())
        .blockLast(Duration.ofSeconds(120));
    assertThat(statuses).as(failures.toString()).containsOnlyKeys(200);
    System.out.printf(
        "fault run: 1000 requests, %d injected faults, %d provider calls, all 200%n",
        providers.faults.get(), providers.calls.size());
    assertThat(statuses.get(200).get()).isEqualTo(1000);
    assertThat(providers.faults.get()).isGreaterThanOrEqualTo(200);
    List<JsonNode> events = awaitEvents(1000);
    assertThat(events.stream().map(e -> e.get("requestId").asString()).distinct()).hasSize(1000);
  }

  @Test
  void everyProviderFailingIsA503WithinTheTotalTimeout() {
    long started = System.nanoTime();
    client
        .post()
        .uri("/v1/chat/completions")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            "{\"model\":\"claude-broken\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
        .exchange()
        .expectStatus()
        .isEqualTo(503)
        .expectBody()
        .jsonPath("$.error.type")
        .isEqualTo("server_error");
    client
        .post()
        .uri("/v1/chat/completions")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            "{\"model\":\"claude-hang\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
        .exchange()
        .expectStatus()
        .isEqualTo(503);
    client
        .post()
        .uri("/v1/messages")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            "{\"model\":\"claude-hang\",\"max_tokens\":5,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
        .exchange()
        .expectStatus()
        .isEqualTo(503)
        .expectBody()
        .jsonPath("$.error.type")
        .isEqualTo("overloaded_error");
    assertThat(providers.calls.stream().map(FaultyProviders.Call::model).distinct())
        .contains("claude-broken", "gpt-broken", "claude-hang");
    // the deadline itself is pinned in ResilientProvidersTests
  }

  /**
   * 50 concurrent requests at the edge of a tenant's hard cap (0.006 USD left), each answered with
   * all of its 1,000 output tokens of gpt-5-mini (about 0.002 USD): together they would spend
   * seventeen times what is left. Each reserves its largest cost before the provider call and keeps
   * it until cost-service's settlement moves the actual cost into spend, so spend stays within the
   * cap (1% allowed for a prompt the estimate undercounts); the rest get {@code budget_exceeded}.
   * Prints the figures.
   */
  @Test
  void concurrentRequestsAtTheBudgetEdgeDoNotOvershoot() {
    java.math.BigDecimal cap = new java.math.BigDecimal("0.05");
    java.math.BigDecimal start = new java.math.BigDecimal("0.044");
    redis.opsForValue().set(spendKey("frugal"), start.toPlainString()).block();
    WebClient web = WebClient.create("http://localhost:" + port);
    Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<String> refusals = new java.util.concurrent.CopyOnWriteArrayList<>();
    Flux.range(0, 50)
        .flatMap(
            i ->
                web.post()
                    .uri("/v1/chat/completions")
                    .header("Authorization", "Bearer " + FRUGAL_KEY)
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(
                        "{\"model\":\"gpt-5-mini\",\"max_completion_tokens\":1000,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"long q"
                            + i
                            + "\"}]}")
                    .exchangeToMono(
                        r ->
                            r.bodyToMono(String.class)
                                .defaultIfEmpty("")
                                .map(
                                    b -> {
                                      String w =
                                          r.headers()
                                              .asHttpHeaders()
                                              .getFirst("Tokenwise-Budget-Warning");
                                      if (w != null) {
                                        warnings.add(w);
                                      }
                                      if (r.statusCode().value() == 402) {
                                        refusals.add(b);
                                      }
                                      return r.statusCode().value();
                                    })),
            50)
        .doOnNext(s -> statuses.computeIfAbsent(s, k -> new AtomicInteger()).incrementAndGet())
        .blockLast(Duration.ofSeconds(60));
    assertThat(statuses.keySet()).isSubsetOf(200, 402);
    int answered = statuses.get(200).get();
    awaitEvents(answered);
    // every answer settled: nothing reserved, the settled costs in spend
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                reservations("frugal") == 0
                    && costService.settledRequests("frugal").size() >= answered);
    java.math.BigDecimal spend =
        new java.math.BigDecimal(redis.opsForValue().get(spendKey("frugal")).block());
    System.out.printf(
        "budget edge: cap %s USD, start %s USD, 50 concurrent: %d answered, %d refused,"
            + " final spend %s USD, overshoot %s USD%n",
        cap,
        start,
        answered,
        statuses.getOrDefault(402, new AtomicInteger()).get(),
        spend,
        spend.subtract(cap).max(java.math.BigDecimal.ZERO));
    assertThat(spend.doubleValue())
        .isCloseTo(
            start.add(costService.total("frugal")).doubleValue(),
            org.assertj.core.data.Offset.offset(1e-9));
    assertThat(spend).isLessThanOrEqualTo(cap.multiply(new java.math.BigDecimal("1.01")));
    assertThat(answered).isPositive();
    assertThat(refusals).isNotEmpty().allSatisfy(b -> assertThat(b).contains("budget_exceeded"));
    assertThat(warnings).isNotEmpty().allSatisfy(w -> assertThat(w).contains("soft-cap"));
  }

  /**
   * An admin mints a key restricted to one model with a rate limit of 1 request/s (burst 2): the
   * key works, another model is refused with 403 naming it, and a burst past the bucket gets 429
   * with Retry-After and {@code rate_limit_exceeded}. Only the key's hash is in Redis.
   */
  @Test
  void mintedKeysAreRestrictedAndRateLimited() {
    client
        .post()
        .uri("/admin/keys")
        .header("Authorization", "Bearer wrong")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"tenant\":\"acme\"}")
        .exchange()
        .expectStatus()
        .isUnauthorized()
        .expectHeader()
        .contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
    JsonNode minted =
        json.readTree(
            client
                .post()
                .uri("/admin/keys")
                .header("Authorization", "Bearer admin-test-token")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(
                    """
                    {"tenant":"acme","app":"mobile","models":["gpt-5"],
                     "replenishRate":1,"burstCapacity":2}""")
                .exchange()
                .expectStatus()
                .isCreated()
                .expectBody()
                .returnResult()
                .getResponseBody());
    String key = minted.get("key").asString();
    assertThat(redis.keys("tokenwise:keys:*").collectList().block())
        .containsExactly("tokenwise:keys:" + VirtualKeyAuthenticator.hash(key));

    WebTestClient asMinted =
        client.mutate().defaultHeader("Authorization", "Bearer " + key).build();
    asMinted
        .post()
        .uri("/v1/chat/completions")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
        .exchange()
        .expectStatus()
        .isForbidden()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("model_not_allowed")
        .jsonPath("$.error.message")
        .value(m -> assertThat((String) m).contains("claude-sonnet-4-5"));
    int limited = 0;
    for (int i = 0; i < 4; i++) {
      var result =
          asMinted
              .post()
              .uri("/v1/chat/completions")
              .contentType(MediaType.APPLICATION_JSON)
              .bodyValue(
                  "{\"model\":\"gpt-5\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
              .exchange()
              .expectBody()
              .returnResult();
      if (result.getStatus().value() == 429) {
        limited++;
        assertThat(result.getResponseHeaders().getFirst("Retry-After")).isNotNull();
        assertThat(new String(result.getResponseBody())).contains("rate_limit_exceeded");
      } else {
        assertThat(result.getStatus().value()).isEqualTo(200);
      }
    }
    assertThat(limited).isPositive();
  }

  /**
   * 500 requests with Redis stopped after the first 200 and back after the next 100 (a restart
   * comes back empty, as after a crash): the 100 events of the outage are spooled and drained, and
   * the events seen equal the answered requests, each exactly once.
   */
  @Test
  void usageEventsAreNeitherLostNorDuplicatedAcrossARedisRestart() {
    WebClient web = WebClient.create("http://localhost:" + port);
    List<String> seen = new java.util.ArrayList<>();
    assertThat(run(web, 0, 200)).isEqualTo(200);
    seen.addAll(eventIds(awaitEvents(200)));
    TestServers.redis().stop();
    int answered;
    try {
      answered = run(web, 200, 100);
    } finally {
      TestServers.redis().start();
    }
    answered += run(web, 300, 200);
    assertThat(answered).isEqualTo(300);
    List<JsonNode> after =
        await()
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(this::events, list -> list.size() >= 300);
    seen.addAll(eventIds(after));
    System.out.printf(
        "redis restart: 500 answered, %d events seen, %d distinct%n",
        seen.size(), seen.stream().distinct().count());
    assertThat(seen).hasSize(500).doesNotHaveDuplicates();
  }

  private int run(WebClient web, int from, int count) {
    return Flux.range(from, count)
        .flatMap(
            i ->
                web.post()
                    .uri("/v1/chat/completions")
                    .header("Authorization", "Bearer " + KEY)
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(
                        "{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\","
                            + "\"content\":\"r"
                            + i
                            + "\"}]}")
                    .exchangeToMono(
                        r -> r.releaseBody().thenReturn(r.statusCode().is2xxSuccessful() ? 1 : 0)),
            16)
        .reduce(0, Integer::sum)
        .block(Duration.ofSeconds(120));
  }

  private static List<String> eventIds(List<JsonNode> events) {
    return events.stream().map(e -> e.get("eventId").asString()).toList();
  }

  /**
   * Hostile bodies get a 4xx in the endpoint's own error shape and reach no provider: huge numbers,
   * unknown roles, wrong types, a CR/LF in the model name (echoed in a response header, so header
   * injection); 10,000 messages are answered, never a 5xx.
   */
  @Test
  void hostileInputsGetClientErrorsInProviderShape() {
    List<String> chat =
        List.of(
            "{\"model\":\"gpt-5\",\"max_tokens\":1e400,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
            "{\"model\":\"gpt-5\",\"max_completion_tokens\":99999999999999999999999999,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
            "{\"model\":\"gpt-5\",\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}",
            "{\"model\":42,\"messages\":[]}",
            "{\"model\":\"gpt-5\\r\\nX-Injected: yes\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
            "[1,2,3]",
            "{\"model\":\"gpt-5\",\"messages\":[{\"role\":\"user\",\"content\":{\"a\":1}}]}");
    for (String body : chat) {
      var result =
          client
              .post()
              .uri("/v1/chat/completions")
              .contentType(MediaType.APPLICATION_JSON)
              .bodyValue(body)
              .exchange()
              .expectBody()
              .returnResult();
      assertThat(result.getStatus().is4xxClientError()).as(body).isTrue();
      assertThat(result.getResponseHeaders().get("X-Injected")).isNull();
      JsonNode error = json.readTree(result.getResponseBody());
      assertThat(error.path("error").path("message").isString()).as(body).isTrue();
    }
    List<String> messages =
        List.of(
            "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1e400,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
            "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":5,\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}",
            "{\"model\":\"claude\\nX-Injected: yes\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
    for (String body : messages) {
      var result =
          client
              .post()
              .uri("/v1/messages")
              .contentType(MediaType.APPLICATION_JSON)
              .bodyValue(body)
              .exchange()
              .expectBody()
              .returnResult();
      assertThat(result.getStatus().is4xxClientError()).as(body).isTrue();
      JsonNode error = json.readTree(result.getResponseBody());
      assertThat(error.path("type").asString()).as(body).isEqualTo("error");
      assertThat(error.path("error").path("type").asString()).isEqualTo("invalid_request_error");
    }
    assertThat(providers.calls).isEmpty();

    StringBuilder many = new StringBuilder("{\"model\":\"gpt-5\",\"messages\":[");
    for (int i = 0; i < 10_000; i++) {
      many.append(i == 0 ? "" : ",").append("{\"role\":\"user\",\"content\":\"m\"}");
    }
    many.append("]}");
    client
        .post()
        .uri("/v1/chat/completions")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(many.toString())
        .exchange()
        .expectStatus()
        .isOk();
  }

  private String streamMessages(String model) {
    return client
        .post()
        .uri("/v1/messages")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            """
            {"model":"%s","max_tokens":100,"stream":true,
             "messages":[{"role":"user","content":"hi"}]}"""
                .formatted(model))
        .exchange()
        .expectStatus()
        .isOk()
        .expectHeader()
        .contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
        .returnResult(byte[].class)
        .getResponseBody()
        .map(String::new)
        .collectList()
        .map(parts -> String.join("", parts))
        .block(Duration.ofSeconds(60));
  }

  private List<JsonNode> awaitEvents(int count) {
    return await().atMost(Duration.ofSeconds(60)).until(this::events, list -> list.size() >= count);
  }

  private List<JsonNode> events() {
    List<MapRecord<String, Object, Object>> records =
        redis.opsForStream().range(UsageStream.KEY, Range.unbounded()).collectList().block();
    return records.stream()
        .map(r -> json.readTree((String) r.getValue().get(UsageStream.FIELD)))
        .toList();
  }
}
