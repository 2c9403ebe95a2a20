package dev.tokenwise.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.router.route.TenantRoutes;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A Redis that accepts connections and then never answers (the budget, the token limit, the
 * prompt-cache counters, the warm-prefix memory and the usage stream all live there) must not leave
 * a chat request unanswered: each Redis call has its own timeout and fails open, and the usage
 * event goes to the spool. The demo's hang (a non-stream request on a prompt-cache route with the
 * semantic cache on, never answered) is the case this reproduces if any call lacks its timeout; the
 * client's 50 s limit stays under Lettuce's 60 s command timeout, which would otherwise end it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RedisStallIT {

  private static final String KEY = "tw-stall-key";
  private static final StubUpstream upstream = new StubUpstream();
  private static final StallingRedis redis = new StallingRedis();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("spring.data.redis.host", () -> "127.0.0.1");
    registry.add("spring.data.redis.port", redis::port);
    registry.add("tokenwise.router.tenants[0].id", () -> "demo");
    registry.add(
        "tokenwise.router.tenants[0].key-hashes[0]", () -> VirtualKeyAuthenticator.hash(KEY));
    registry.add("tokenwise.router.providers.openai.base-url", upstream::baseUrl);
    registry.add("tokenwise.router.providers.openai.api-key", () -> "sk-provider-test");
    registry.add("tokenwise.router.cache.base-url", upstream::baseUrl);
    registry.add("tokenwise.router.routes.rag.prompt-cache.enabled", () -> "true");
    registry.add("tokenwise.router.routes.chat.prompt-cache.fix-order", () -> "true");
    registry.add("tokenwise.router.usage.spool-dir", RedisStallIT::spoolDir);
    // Far shorter than a check's 5 s Redis timeout: every check outlasts several ticks.
    registry.add("tokenwise.router.tenant-routes.poll-interval", () -> "200ms");
  }

  @LocalServerPort int port;
  @Autowired TenantRoutes tenantRoutes;
  WebTestClient client;

  @BeforeEach
  void setUp() {
    upstream.reset();
    client =
        WebTestClient.bindToServer()
            .baseUrl("http://localhost:" + port)
            .responseTimeout(Duration.ofSeconds(50))
            .build();
  }

  @AfterAll
  static void stop() {
    upstream.close();
    redis.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"rag", "chat"})
  void aChatRequestIsAnsweredWhileRedisStalls(String route) {
    String system = "You answer questions about the attached handbook. ".repeat(200);
    client
        .post()
        .uri("/v1/chat/completions")
        .header("Authorization", "Bearer " + KEY)
        .header("Tokenwise-Route", route)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            """
            {"model":"gpt-5-mini","messages":[
              {"role":"user","content":"Where is the office?"},
              {"role":"system","content":"%s"},
              {"role":"assistant","content":"Which office?"},
              {"role":"user","content":"The one in Lyon."}]}"""
                .formatted(system))
        .exchange()
        .expectStatus()
        .isOk()
        .expectHeader()
        .valueEquals("Tokenwise-Route", route)
        .expectBody()
        .jsonPath("$.choices[0].message.content")
        .isEqualTo("Hello from the provider.");
    assertThat(upstream.providerCalls).hasSize(1);
    assertThat(redis.stalledCommands).isNotEmpty();
  }

  /**
   * The poll for tenants' route changes (what catches up a missed announcement) outlives checks
   * that hang on Redis for many of its intervals; a bare concatMap after the interval ended it with
   * an overflow error on the first tick that found a check still running.
   */
  @Test
  void theTenantRoutePollOutlivesChecksSlowerThanItsInterval() {
    Awaitility.await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(tenantRoutes::polling);
  }

  private static String spoolDir() {
    try {
      return Files.createTempDirectory("tokenwise-stall-spool").toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
