package dev.tokenwise.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestServers;
import dev.tokenwise.common.usage.UsageStream;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
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
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Usage events on the Redis stream name the conversation and the end user, so cost-service's cost
 * per conversation and per active user have something to count: provider answers, streams and cache
 * hits, on both public endpoints.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers(postgres = false)
class ConversationAttributionIT {

  private static final String KEY = "tw-acme-conversation-key";
  private static final StubUpstream upstream = new StubUpstream();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("tokenwise.router.tenants[0].id", () -> "acme");
    registry.add(
        "tokenwise.router.tenants[0].key-hashes[0]", () -> VirtualKeyAuthenticator.hash(KEY));
    registry.add("tokenwise.router.providers.openai.base-url", upstream::baseUrl);
    registry.add("tokenwise.router.providers.openai.api-key", () -> "sk-provider-test");
    registry.add("tokenwise.router.cache.base-url", upstream::baseUrl);
    // a shared, loaded machine: the stub's hit must not time out into a bypass
    registry.add("tokenwise.router.cache.timeout", () -> "15s");
  }

  @LocalServerPort int port;
  @Autowired ReactiveStringRedisTemplate redis;
  @Autowired JsonMapper json;
  WebTestClient client;

  @BeforeEach
  void setUp() {
    TestServers.redis().start();
    TestServers.redis().flushAll();
    upstream.reset();
    client =
        WebTestClient.bindToServer()
            .baseUrl("http://localhost:" + port)
            .responseTimeout(Duration.ofSeconds(30))
            .build();
  }

  @AfterAll
  static void stopUpstream() {
    upstream.close();
  }

  @Test
  void theTurnsOfOneChatConversationShareItsIdWhetherStreamedOrNot() {
    post(
            "/v1/chat/completions",
            """
            {"model":"gpt-5-mini","user":"alice","messages":[
              {"role":"system","content":"You plan trips."},
              {"role":"user","content":"Plan a weekend in Lyon."}]}""")
        .exchange()
        .expectStatus()
        .isOk();
    post(
            "/v1/chat/completions",
            """
            {"model":"gpt-5-mini","user":"alice","stream":true,
             "stream_options":{"include_usage":true},"messages":[
              {"role":"system","content":"You plan trips."},
              {"role":"user","content":"Plan a weekend in Lyon."},
              {"role":"assistant","content":"Saturday: ..."},
              {"role":"user","content":"Add a museum."}]}""")
        .exchange()
        .expectStatus()
        .isOk()
        .returnResult(String.class)
        .getResponseBody()
        .blockLast(Duration.ofSeconds(30));
    post(
            "/v1/chat/completions",
            """
            {"model":"gpt-5-mini","user":"bob","messages":[
              {"role":"system","content":"You plan trips."},
              {"role":"user","content":"Plan a week in Rome."}]}""")
        .exchange()
        .expectStatus()
        .isOk();

    List<JsonNode> events = awaitEvents(3);
    JsonNode stream =
        events.stream()
            .filter(e -> e.path("mode").asString().equals("stream"))
            .findFirst()
            .orElseThrow();
    JsonNode aliceFirst =
        events.stream()
            .filter(e -> e.path("mode").asString().equals("sync"))
            .filter(e -> e.get("endUser").equals(stream.get("endUser")))
            .findFirst()
            .orElseThrow();
    JsonNode bob =
        events.stream()
            .filter(e -> !e.get("endUser").equals(stream.get("endUser")))
            .findFirst()
            .orElseThrow();
    assertThat(stream.get("conversationId").asString()).hasSize(64);
    assertThat(aliceFirst.get("conversationId")).isEqualTo(stream.get("conversationId"));
    assertThat(bob.get("conversationId").asString())
        .hasSize(64)
        .isNotEqualTo(stream.get("conversationId").asString());
  }

  @Test
  void aCacheHitCarriesTheConversationAndUserTheHeadersName() {
    post(
            "/v1/chat/completions",
            "{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + StubUpstream.CACHED_QUESTION
                + "\"}]}")
        .header("Tokenwise-Conversation", "thread-42")
        .header("Tokenwise-User", "carol")
        .exchange()
        .expectStatus()
        .isOk()
        .expectHeader()
        .valueEquals("Tokenwise-Cache", "hit-exact");
    post(
            "/v1/chat/completions",
            "{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + StubUpstream.CACHED_QUESTION
                + "\"}]}")
        .exchange()
        .expectStatus()
        .isOk();

    List<JsonNode> events = awaitEvents(2);
    assertThat(events).allMatch(e -> e.path("mode").asString().equals("cache-exact"));
    JsonNode named = events.stream().filter(e -> e.has("endUser")).findFirst().orElseThrow();
    JsonNode derived = events.stream().filter(e -> !e.has("endUser")).findFirst().orElseThrow();
    assertThat(named.get("conversationId").asString()).hasSize(64).doesNotContain("thread-42");
    assertThat(named.get("endUser").asString()).hasSize(64).doesNotContain("carol");
    assertThat(derived.get("conversationId").asString())
        .hasSize(64)
        .isNotEqualTo(named.get("conversationId").asString());
  }

  @Test
  void anInvalidConversationHeaderIsA400AndCountsNothing() {
    post(
            "/v1/chat/completions",
            "{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
        .header("Tokenwise-Conversation", "x".repeat(200))
        .exchange()
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.param")
        .isEqualTo("Tokenwise-Conversation");
    assertThat(upstream.providerCalls).isEmpty();
    assertThat(events()).isEmpty();
  }

  @Test
  void messagesTurnsShareTheirConversationAndTheMetadataUser() {
    for (String messages :
        List.of(
            "[{\"role\":\"user\",\"content\":\"Plan a weekend in Lyon.\"}]",
            "[{\"role\":\"user\",\"content\":\"Plan a weekend in Lyon.\"},"
                + "{\"role\":\"assistant\",\"content\":\"Saturday: ...\"},"
                + "{\"role\":\"user\",\"content\":\"Add a museum.\"}]")) {
      post(
              "/v1/messages",
              "{\"model\":\"gpt-5-mini\",\"max_tokens\":200,\"system\":\"You plan trips.\","
                  + "\"metadata\":{\"user_id\":\"dave\"},\"messages\":"
                  + messages
                  + "}")
          .header("anthropic-version", "2023-06-01")
          .exchange()
          .expectStatus()
          .isOk();
    }
    List<JsonNode> events = awaitEvents(2);
    assertThat(events.get(0).get("conversationId").asString()).hasSize(64);
    assertThat(events.get(1).get("conversationId")).isEqualTo(events.get(0).get("conversationId"));
    assertThat(events.get(1).get("endUser").asString()).hasSize(64).doesNotContain("dave");
  }

  private WebTestClient.RequestHeadersSpec<?> post(String path, String body) {
    return client
        .post()
        .uri(path)
        .header("Authorization", "Bearer " + KEY)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(body);
  }

  private List<JsonNode> awaitEvents(int count) {
    return await().atMost(Duration.ofSeconds(30)).until(this::events, list -> list.size() >= count);
  }

  private List<JsonNode> events() {
    List<MapRecord<String, Object, Object>> records =
        redis.opsForStream().range(UsageStream.KEY, Range.unbounded()).collectList().block();
    return records.stream()
        .map(r -> json.readTree((String) r.getValue().get(UsageStream.FIELD)))
        .toList();
  }
}
