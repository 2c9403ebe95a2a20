package dev.tokenwise.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestServers;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Per-key tokens-per-minute limits with two router replicas sharing one real Redis, against the
 * real provider simulator. The limits refill slowly (6 tokens a minute) so that what a test sees
 * depends on the bucket, not on how fast a loaded machine runs it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers(postgres = false)
class TokenRateLimitIT {

  private static final String SHARED_KEY = "tw-tokens-shared";
  private static final String SIBLING_KEY = "tw-tokens-sibling";
  private static final String CORRECTED_KEY = "tw-tokens-corrected";
  private static final long SHARED_BURST = 1000;
  private static final long CORRECTED_BURST = 2600;
  private static final double REFILL_PER_SECOND = 6 / 60.0;

  private static final SimulatorProcess simulator = SimulatorProcess.shared();
  private static ConfigurableApplicationContext replicaB;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    routerProperties().forEach((name, value) -> registry.add(name, () -> value));
  }

  private static Map<String, String> routerProperties() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("tokenwise.router.tenants[0].id", "acme");
    p.put("tokenwise.router.tenants[0].key-hashes[0]", VirtualKeyAuthenticator.hash(SHARED_KEY));
    p.put("tokenwise.router.tenants[0].key-hashes[1]", VirtualKeyAuthenticator.hash(SIBLING_KEY));
    p.put("tokenwise.router.tenants[0].tokens-per-minute", "6");
    p.put("tokenwise.router.tenants[0].token-burst", String.valueOf(SHARED_BURST));
    p.put("tokenwise.router.tenants[1].id", "globex");
    p.put("tokenwise.router.tenants[1].key-hashes[0]", VirtualKeyAuthenticator.hash(CORRECTED_KEY));
    p.put("tokenwise.router.tenants[1].tokens-per-minute", "6");
    p.put("tokenwise.router.tenants[1].token-burst", String.valueOf(CORRECTED_BURST));
    p.put("tokenwise.router.admin.token", "admin-test-token");
    p.put("tokenwise.router.providers.openai.base-url", simulator.baseUrl());
    p.put("tokenwise.router.providers.openai.api-key", "sk-openai-test");
    p.put("tokenwise.router.providers.anthropic.base-url", simulator.baseUrl());
    p.put("tokenwise.router.providers.anthropic.api-key", "sk-ant-test");
    p.put("tokenwise.router.cache.enabled", "false");
    // generous: a loaded machine must not turn the limit's fail-open into a flake
    p.put("tokenwise.router.token-limits.redis-timeout", "15s");
    p.put("tokenwise.router.budgets.redis-timeout", "15s");
    p.put("tokenwise.router.usage.publish-timeout", "15s");
    return p;
  }

  @LocalServerPort int port;
  @Autowired JsonMapper json;
  WebTestClient replicaA;
  WebTestClient replicaBClient;

  /** The second replica: the same application and configuration, its own port and spool. */
  @BeforeAll
  static void startSecondReplica() throws IOException {
    replicaB = RouterReplica.start(routerProperties(), "replica-b");
  }

  @AfterAll
  static void stopSecondReplica() {
    if (replicaB != null) {
      replicaB.close();
    }
  }

  @BeforeEach
  void setUp() {
    TestServers.redis().flushAll();
    replicaA = client(port);
    replicaBClient = client(RouterReplica.port(replicaB));
  }

  /**
   * Requests alternate between the two replicas on one key until well past its bucket: the tokens
   * answered in all stay within one bucket (a bucket per replica would have let through about twice
   * as many), both replicas refuse once it is empty, and another key of the same tenant is
   * untouched.
   */
  @Test
  void aKeysTokenLimitIsOneBucketAcrossReplicas() {
    long started = System.nanoTime();
    long served = 0;
    long largestEstimate = 0;
    int[] answered = new int[2];
    int[] refused = new int[2];
    for (int i = 0; i < 60; i++) {
      int replica = i % 2;
      EntityExchangeResult<byte[]> result =
          chat(replica == 0 ? replicaA : replicaBClient, SHARED_KEY, "question " + i, 100);
      JsonNode body = json.readTree(result.getResponseBody());
      if (result.getStatus().value() == 200) {
        answered[replica]++;
        served += body.path("usage").path("total_tokens").asLong();
        largestEstimate =
            Math.max(largestEstimate, body.path("usage").path("prompt_tokens").asLong() + 100);
      } else {
        assertThat(result.getStatus().value()).isEqualTo(429);
        refused[replica]++;
        assertThat(body.path("error").path("code").asString()).isEqualTo("rate_limit_exceeded");
        assertThat(body.path("error").path("type").asString()).isEqualTo("tokens");
        assertThat(body.path("error").path("message").asString()).contains("tokens per minute");
        assertThat(Long.parseLong(result.getResponseHeaders().getFirst("Retry-After")))
            .isPositive();
        assertThat(result.getResponseHeaders().getFirst("x-ratelimit-limit-tokens")).isEqualTo("6");
      }
    }
    double refill = (System.nanoTime() - started) / 1e9 * REFILL_PER_SECOND;
    System.out.printf(
        "token limit across replicas: burst %d, answered A=%d B=%d, refused A=%d B=%d,"
            + " tokens served %d%n",
        SHARED_BURST, answered[0], answered[1], refused[0], refused[1], served);
    assertThat(answered[0] + answered[1]).isPositive();
    assertThat(refused[0]).isPositive();
    assertThat(refused[1]).isPositive();
    // one bucket: what was served fits in it (plus its slow refill and one request's rounding)
    assertThat((double) served).isLessThanOrEqualTo(SHARED_BURST + refill + largestEstimate);

    assertThat(chat(replicaBClient, SIBLING_KEY, "another key", 100).getStatus().value())
        .isEqualTo(200);
  }

  /**
   * A request is charged its prompt plus its output limit (2,000 tokens here) and corrected to what
   * its answer used: a second such request fits in the 2,600-token bucket only because the first
   * was corrected (at 6 tokens a minute the bucket itself would take hours to regain them).
   */
  @Test
  void aChargeIsCorrectedToTheTokensTheAnswerUsed() {
    EntityExchangeResult<byte[]> first = chat(replicaA, CORRECTED_KEY, "a short question", 2000);
    assertThat(first.getStatus().value()).isEqualTo(200);
    long remaining =
        Long.parseLong(first.getResponseHeaders().getFirst("x-ratelimit-remaining-tokens"));
    assertThat(remaining).isLessThan(CORRECTED_BURST - 2000);
    long used = json.readTree(first.getResponseBody()).path("usage").path("total_tokens").asLong();
    assertThat(used).isLessThan(600);

    EntityExchangeResult<byte[]> second =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> chat(replicaBClient, CORRECTED_KEY, "a short question", 2000),
                r -> r.getStatus().value() == 200);
    assertThat(Long.parseLong(second.getResponseHeaders().getFirst("x-ratelimit-remaining-tokens")))
        .isLessThan(CORRECTED_BURST - 2000);
  }

  /**
   * A minted key carries its own token limit; on {@code /v1/messages} the refusals are Anthropic's
   * {@code rate_limit_error}: with Retry-After when waiting helps, without when the request could
   * never fit in the key's bucket.
   */
  @Test
  void mintedKeysCarryTokenLimitsAndMessagesGetAnthropicErrors() {
    String key =
        json.readTree(
                replicaA
                    .post()
                    .uri("/admin/keys")
                    .header("Authorization", "Bearer admin-test-token")
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"tenant\":\"acme\",\"tokensPerMinute\":6,\"tokenBurst\":300}")
                    .exchange()
                    .expectStatus()
                    .isCreated()
                    .expectBody()
                    .returnResult()
                    .getResponseBody())
            .get("key")
            .asString();

    EntityExchangeResult<byte[]> tooLarge = messages(replicaBClient, key, 1000);
    assertThat(tooLarge.getStatus().value()).isEqualTo(429);
    assertThat(tooLarge.getResponseHeaders().getFirst("Retry-After")).isNull();
    JsonNode tooLargeBody = json.readTree(tooLarge.getResponseBody());
    assertThat(tooLargeBody.path("type").asString()).isEqualTo("error");
    assertThat(tooLargeBody.path("error").path("type").asString()).isEqualTo("rate_limit_error");
    assertThat(tooLargeBody.path("error").path("message").asString()).contains("Request too large");

    assertThat(messages(replicaBClient, key, 250).getStatus().value()).isEqualTo(200);
    EntityExchangeResult<byte[]> limited = messages(replicaA, key, 280);
    assertThat(limited.getStatus().value()).isEqualTo(429);
    assertThat(Long.parseLong(limited.getResponseHeaders().getFirst("Retry-After"))).isPositive();
    JsonNode limitedBody = json.readTree(limited.getResponseBody());
    assertThat(limitedBody.path("error").path("type").asString()).isEqualTo("rate_limit_error");
  }

  private EntityExchangeResult<byte[]> chat(
      WebTestClient client, String key, String question, int maxTokens) {
    return client
        .post()
        .uri("/v1/chat/completions")
        .header("Authorization", "Bearer " + key)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            json.writeValueAsString(
                Map.of(
                    "model",
                    "gpt-5-mini",
                    "max_completion_tokens",
                    maxTokens,
                    "messages",
                    List.of(Map.of("role", "user", "content", question)))))
        .exchange()
        .expectBody()
        .returnResult();
  }

  private EntityExchangeResult<byte[]> messages(WebTestClient client, String key, int maxTokens) {
    return client
        .post()
        .uri("/v1/messages")
        .header("x-api-key", key)
        .header("anthropic-version", "2023-06-01")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            json.writeValueAsString(
                Map.of(
                    "model",
                    "claude-haiku-4-5",
                    "max_tokens",
                    maxTokens,
                    "messages",
                    List.of(Map.of("role", "user", "content", "hello there")))))
        .exchange()
        .expectBody()
        .returnResult();
  }

  private static WebTestClient client(int port) {
    return WebTestClient.bindToServer()
        .baseUrl("http://localhost:" + port)
        .responseTimeout(Duration.ofSeconds(60))
        .build();
  }

  /** Command-line arguments: they outrank application.yml, as a replica's own settings must. */
}
