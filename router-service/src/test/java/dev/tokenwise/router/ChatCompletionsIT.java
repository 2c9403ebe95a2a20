package dev.tokenwise.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenwise.common.cache.VerdictStream;
import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestServers;
import dev.tokenwise.common.usage.UsageStream;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
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
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The chat endpoint end to end: real Redis, a stub provider and a stub cache-service. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers(postgres = false)
class ChatCompletionsIT {

  private static final String KEY = "tw-acme-test-key";
  private static final StubUpstream upstream = new StubUpstream();
  private static final Path spoolDir = tempDir();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("tokenwise.router.tenants[0].id", () -> "acme");
    registry.add("tokenwise.router.tenants[0].app", () -> "checkout");
    registry.add(
        "tokenwise.router.tenants[0].key-hashes[0]", () -> VirtualKeyAuthenticator.hash(KEY));
    registry.add("tokenwise.router.providers.openai.base-url", upstream::baseUrl);
    registry.add("tokenwise.router.providers.openai.api-key", () -> "sk-provider-test");
    registry.add("tokenwise.router.cache.base-url", upstream::baseUrl);
    registry.add("tokenwise.router.cache.timeout", () -> "300ms");
    registry.add("tokenwise.router.cost.base-url", upstream::baseUrl);
    registry.add("tokenwise.router.max-body-size", () -> "64KB");
    registry.add("tokenwise.router.usage.spool-dir", spoolDir::toString);
    registry.add("tokenwise.router.usage.publish-timeout", () -> "1s");
    registry.add("tokenwise.router.usage.drain-interval", () -> "200ms");
    registry.add(
        "tokenwise.router.routes.schema.json-schema",
        () -> "{\"type\":\"object\",\"required\":[\"answer\"]}");
    registry.add("tokenwise.router.routes.gray.cache.verify-threshold", () -> "0.5");
    registry.add("tokenwise.router.routes.gray.cache.max-false-hit-rate", () -> "0.02");
    registry.add("tokenwise.router.routes.gray.cache.gray-zone-width", () -> "0.04");
    registry.add("tokenwise.router.routes.gray.cache.promotion-threshold", () -> "0.92");
  }

  @LocalServerPort int port;
  @Autowired ReactiveStringRedisTemplate redis;
  @Autowired MeterRegistry meters;
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
            .responseTimeout(Duration.ofSeconds(20))
            .build();
  }

  @AfterAll
  static void stopUpstream() {
    upstream.close();
  }

  @Test
  void missIsForwardedAnsweredStoredAndCounted() {
    String request =
        """
        {"model":"gpt-5-mini","messages":[{"role":"user","content":"hello"}],
         "seed":42,"max_completion_tokens":100,"user":"end-user-7"}""";
    var result =
        post(request)
            .exchange()
            .expectStatus()
            .isOk()
            .expectHeader()
            .valueEquals("Tokenwise-Route", "default")
            .expectHeader()
            .valueEquals("Tokenwise-Model", "gpt-5-mini")
            .expectHeader()
            .valueEquals("Tokenwise-Cache", "miss")
            .expectHeader()
            .exists("Tokenwise-Cost-USD")
            .expectBody()
            .jsonPath("$.choices[0].message.content")
            .isEqualTo("Hello from the provider.")
            .returnResult();
    String requestId = result.getResponseHeaders().getFirst("Tokenwise-Request-Id");
    assertThat(requestId).startsWith("req_");

    assertThat(upstream.providerCalls).hasSize(1);
    StubUpstream.Call call = upstream.providerCalls.get(0);
    assertThat(call.authorization()).isEqualTo("Bearer sk-provider-test");
    assertThat(json.readTree(call.body())).isEqualTo(json.readTree(request));

    JsonNode event = awaitSingleEvent();
    assertThat(event.get("requestId").asString()).isEqualTo(requestId);
    assertThat(event.get("tenant").asString()).isEqualTo("acme");
    assertThat(event.get("app").asString()).isEqualTo("checkout");
    assertThat(event.get("route").asString()).isEqualTo("default");
    assertThat(event.get("mode").asString()).isEqualTo("sync");
    assertThat(event.get("status").asString()).isEqualTo("ok");
    assertThat(event.get("provider").asString()).isEqualTo("openai");
    assertThat(event.get("inputTokens").asLong()).isEqualTo(20);
    assertThat(event.get("cachedInputTokens").asLong()).isEqualTo(8);
    assertThat(event.get("outputTokens").asLong()).isEqualTo(5);
    assertThat(event.get("reasoningTokens").asLong()).isEqualTo(2);
    assertThat(event.get("requestedMaxTokens").asLong()).isEqualTo(100);
    assertThat(event.get("finishReason").asString()).isEqualTo("stop");
    assertThat(event.get("endUser").asString()).hasSize(64).doesNotContain("end-user-7");

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(upstream.cacheStores).hasSize(1));
    JsonNode stored = json.readTree(upstream.cacheStores.get(0).body());
    assertThat(stored.get("tenant").asString()).isEqualTo("acme");
    assertThat(stored.get("route").asString()).isEqualTo("default");
    assertThat(stored.get("model").asString()).isEqualTo("gpt-5-mini");
    assertThat(stored.get("request")).isEqualTo(json.readTree(request));
    assertThat(stored.at("/response/id").asString()).isEqualTo("chatcmpl-stub");
    // the default route asks for the semantic cache; the answer's snapshot versions the entry
    assertThat(stored.at("/policy/semantic").asBoolean(false)).isTrue();
    assertThat(stored.at("/policy/modelVersion").asString()).isEqualTo("gpt-5-mini-2025-08-07");
    assertThat(
            json.readTree(upstream.cacheLookups.get(0).body()).at("/policy/semantic").asBoolean())
        .isTrue();
    assertThat(
            meters
                .get("gen_ai.client.token.usage")
                .tag("gen_ai.token.type", "input")
                .tag("gen_ai.request.model", "gpt-5-mini")
                .counter()
                .count())
        .isGreaterThanOrEqualTo(20);
  }

  /**
   * A streamed answer on a schema route is checked once complete; the stub answers plain text,
   * which the client already has: counted, kept out of the cache, and its usage event marked error.
   */
  @Test
  void aStreamedAnswerThatMissesTheRoutesSchemaIsCountedNotStoredAndMarkedAnError() {
    String events =
        client
            .post()
            .uri("/v1/chat/completions")
            .header("Authorization", "Bearer " + KEY)
            .header("Tokenwise-Route", "schema")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(
                "{\"model\":\"gpt-5-mini\",\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"say hello\"}]}")
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(String.class)
            .returnResult()
            .getResponseBody();
    assertThat(events).contains("\"Hel\"").endsWith("data: [DONE]\n\n");
    JsonNode event = awaitSingleEvent();
    assertThat(event.get("mode").asString()).isEqualTo("stream");
    assertThat(event.get("status").asString()).isEqualTo("error");
    assertThat(
            meters
                .get("tokenwise.output.schema.invalid-streams")
                .tag("route", "schema")
                .counter()
                .count())
        .isEqualTo(1.0);
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(3))
        .until(() -> upstream.cacheStores.isEmpty());
  }

  @Test
  void prometheusExportsTheRouterMeters() {
    post("{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
        .exchange()
        .expectStatus()
        .isOk();
    awaitSingleEvent();
    String scrape =
        client
            .get()
            .uri("/actuator/prometheus")
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(String.class)
            .returnResult()
            .getResponseBody();
    assertThat(scrape)
        .contains("tokenwise_router_requests_total{")
        .contains("outcome=\"ok\"")
        .contains("gen_ai_client_token_usage_tokens_total{")
        .contains("gen_ai_client_operation_duration_seconds_bucket{")
        .contains("tokenwise_cache_lookups_total{")
        .contains("tokenwise_usage_events_total{")
        .contains("tokenwise_usage_spool_size")
        .doesNotContain("acme");
  }

  @Test
  void cacheHitIsAnsweredWithoutCallingTheProvider() {
    post("""
            {"model":"gpt-5-mini","messages":[{"role":"user","content":"%s"}]}"""
            .formatted(StubUpstream.CACHED_QUESTION))
        .exchange()
        .expectStatus()
        .isOk()
        .expectHeader()
        .valueEquals("Tokenwise-Cache", "hit-exact")
        .expectHeader()
        .valueEquals("Tokenwise-Cost-USD", "0")
        .expectHeader()
        .exists("Tokenwise-Request-Id")
        .expectBody()
        .jsonPath("$.choices[0].message.content")
        .isEqualTo("Hello from the cache.");

    assertThat(upstream.providerCalls).isEmpty();
    JsonNode lookup = json.readTree(upstream.cacheLookups.get(0).body());
    assertThat(lookup.get("tenant").asString()).isEqualTo("acme");
    assertThat(lookup.get("model").asString()).isEqualTo("gpt-5-mini");

    JsonNode event = awaitSingleEvent();
    assertThat(event.get("mode").asString()).isEqualTo("cache-exact");
    assertThat(event.get("servedModel").asString()).isEqualTo("gpt-5-mini");
    assertThat(event.get("inputTokens").asLong()).isEqualTo(11);
    assertThat(event.get("outputTokens").asLong()).isEqualTo(4);
    assertThat(upstream.cacheStores).isEmpty();
  }

  /**
   * A route's verifier, error-bound and gray-zone members, configured in the application's
   * properties, reach cache-service in the lookup's and the store's policy.
   */
  @Test
  void aRoutesVerifierErrorBoundAndGrayZoneMembersReachCacheService() {
    client
        .post()
        .uri("/v1/chat/completions")
        .header("Authorization", "Bearer " + KEY)
        .header("Tokenwise-Route", "gray")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            "{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
        .exchange()
        .expectStatus()
        .isOk()
        .expectHeader()
        .valueEquals("Tokenwise-Route", "gray");

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(upstream.cacheStores).hasSize(1));
    for (StubUpstream.Call call :
        List.of(upstream.cacheLookups.get(0), upstream.cacheStores.get(0))) {
      JsonNode policy = json.readTree(call.body()).path("policy");
      assertThat(policy.path("verifyThreshold").asDouble()).isEqualTo(0.5);
      assertThat(policy.path("maxFalseHitRate").asDouble()).isEqualTo(0.02);
      assertThat(policy.path("grayZoneWidth").asDouble()).isEqualTo(0.04);
      assertThat(policy.path("promotionThreshold").asDouble()).isEqualTo(0.92);
    }
    // the default route sets none of them: cache-service's own configuration applies
    post("{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}")
        .exchange()
        .expectStatus()
        .isOk();
    JsonNode defaults = json.readTree(upstream.cacheLookups.get(1).body()).path("policy");
    assertThat(defaults.has("verifyThreshold")).isFalse();
    assertThat(defaults.has("maxFalseHitRate")).isFalse();
    assertThat(defaults.has("grayZoneWidth")).isFalse();
    assertThat(defaults.has("promotionThreshold")).isFalse();
  }

  @Test
  void streamRequestAnsweredFromTheCacheIsAWellFormedEventStream() {
    String body =
        post("""
                {"model":"gpt-5-mini","stream":true,"stream_options":{"include_usage":true},
                 "messages":[{"role":"user","content":"%s"}]}"""
                .formatted(StubUpstream.CACHED_QUESTION))
            .exchange()
            .expectStatus()
            .isOk()
            .expectHeader()
            .contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
            .expectHeader()
            .valueEquals("Tokenwise-Cache", "hit-exact")
            .expectBody(String.class)
            .returnResult()
            .getResponseBody();

    assertThat(body)
        .startsWith("data: {")
        .contains("\"object\":\"chat.completion.chunk\"")
        .contains("\"content\":\"Hello from the cache.\"")
        .contains("\"finish_reason\":\"stop\"")
        .contains("\"choices\":[],\"usage\":{\"prompt_tokens\":11")
        .endsWith("data: [DONE]\n\n");
    assertThat(upstream.providerCalls).isEmpty();
    JsonNode event = awaitSingleEvent();
    assertThat(event.get("mode").asString()).isEqualTo("cache-exact");
    assertThat(event.get("outputTokens").asLong()).isEqualTo(4);
  }

  @Test
  void semanticHitIsServedAndASampledOneIsShadowCheckedOffThePath() {
    String request =
        """
        {"model":"gpt-5-mini","stream":true,
         "messages":[{"role":"user","content":"%s"}]}"""
            .formatted(StubUpstream.SEMANTIC_QUESTION);
    String body =
        post(request)
            .exchange()
            .expectStatus()
            .isOk()
            .expectHeader()
            .valueEquals("Tokenwise-Cache", "hit-semantic")
            .expectHeader()
            .valueEquals("Tokenwise-Cost-USD", "0")
            .expectBody(String.class)
            .returnResult()
            .getResponseBody();
    assertThat(body)
        .contains("\"content\":\"The capital of France is Paris.\"")
        .doesNotContain("\"usage\"")
        .endsWith("data: [DONE]\n\n");

    // The shadow: the model is asked the same question, unstreamed, and the verdict reported.
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(verdicts()).hasSize(1));
    JsonNode report = verdicts().get(0);
    assertNamesTheSemanticEntry(report);
    assertThat(report.path("agreed").isBoolean()).isTrue();
    assertThat(report.path("verdictId").asString()).isNotEmpty();
    assertThat(upstream.shadowReports).as("Redis took the verdict: nothing posted").isEmpty();
    assertThat(upstream.providerCalls).hasSize(1);
    JsonNode asked = json.readTree(upstream.providerCalls.get(0).body());
    assertThat(asked.has("stream")).isFalse();
    assertThat(asked.at("/messages/0/content").asString())
        .isEqualTo(StubUpstream.SEMANTIC_QUESTION);
    assertThat(upstream.cacheStores).as("a shadow answer is not stored").isEmpty();

    // Two usage events: the client's hit, and the shadow call's tokens under a marked id.
    List<JsonNode> events =
        await().atMost(Duration.ofSeconds(10)).until(this::events, list -> list.size() >= 2);
    assertThat(events).hasSize(2);
    JsonNode hit =
        events.stream()
            .filter(e -> e.get("mode").asString().equals("cache-semantic"))
            .findFirst()
            .orElseThrow();
    JsonNode shadow =
        events.stream()
            .filter(e -> e.get("mode").asString().equals("sync"))
            .findFirst()
            .orElseThrow();
    assertThat(hit.get("outputTokens").asLong()).isEqualTo(7);
    assertThat(hit.get("inputTokens").asLong()).as("this request's prompt, estimated").isPositive();
    assertThat(shadow.get("requestId").asString())
        .isEqualTo(hit.get("requestId").asString() + ":shadow");
    assertThat(shadow.get("inputTokens").asLong()).isEqualTo(20);
    assertThat(shadow.get("outputTokens").asLong()).isEqualTo(5);
    assertThat(shadow.has("endUser")).isFalse();
  }

  @Test
  void clientFeedbackOnASemanticHitIsAVerdictOnItsEntryOnce() {
    String request =
        """
        {"model":"gpt-5-mini","messages":[{"role":"user","content":"%s"}]}"""
            .formatted(StubUpstream.SEMANTIC_QUESTION);
    String hitId =
        post(request)
            .exchange()
            .expectStatus()
            .isOk()
            .expectHeader()
            .valueEquals("Tokenwise-Cache", "hit-semantic")
            .returnResult(String.class)
            .getResponseHeaders()
            .getFirst("Tokenwise-Request-Id");
    // the sampled shadow check reports first; the client's verdict comes after it
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(verdicts()).hasSize(1));
    String missId =
        post("""
            {"model":"gpt-5-mini","messages":[{"role":"user","content":"hello"}]}""")
            .exchange()
            .expectStatus()
            .isOk()
            .returnResult(String.class)
            .getResponseHeaders()
            .getFirst("Tokenwise-Request-Id");

    // A refused body is a 400 naming the field and uses up nothing: the verdict below still counts.
    feedback(hitId, "meh")
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.param")
        .isEqualTo("verdict");
    assertThat(upstream.feedbacks).isEmpty();

    feedback(hitId, "bad")
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.status")
        .isEqualTo("recorded");

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(verdicts()).hasSize(2));
    JsonNode verdict = verdicts().get(1);
    assertNamesTheSemanticEntry(verdict);
    assertThat(verdict.path("agreed").asBoolean(true)).isFalse();

    // The same feedback again, feedback on a miss, and on an unknown id reach cost-service only.
    feedback(hitId, "good").expectStatus().isOk();
    feedback(missId, "bad").expectStatus().isOk();
    feedback("no-such-request", "bad").expectStatus().isOk();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(upstream.feedbacks).hasSize(4));
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(2))
        .untilAsserted(() -> assertThat(verdicts()).hasSize(2));
    assertThat(
            meters
                .get("tokenwise.router.cache.feedback.verdicts")
                .tag("outcome", "bad")
                .counter()
                .count())
        .isEqualTo(1);
    assertThat(
            meters
                .get("tokenwise.router.cache.feedback.verdicts")
                .tag("outcome", "good")
                .counter()
                .count())
        .isZero();
  }

  /** A verdict sent to cache-service names the stub's semantic entry in acme's namespace. */
  private static void assertNamesTheSemanticEntry(JsonNode report) {
    assertThat(report.path("tenant").asString()).isEqualTo("acme");
    assertThat(report.path("route").asString()).isEqualTo("default");
    assertThat(report.path("model").asString()).isEqualTo("gpt-5-mini");
    assertThat(report.path("entryId").asString()).isEqualTo("0123456789abcdef0123456789abcdef");
  }

  private WebTestClient.ResponseSpec feedback(String requestId, String verdict) {
    return client
        .post()
        .uri("/v1/feedback")
        .header("Authorization", "Bearer " + KEY)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"request_id\":\"%s\",\"verdict\":\"%s\"}".formatted(requestId, verdict))
        .exchange();
  }

  @Test
  void noStoreFromTheClientIsForwardedAndNothingIsStored() {
    client
        .post()
        .uri("/v1/chat/completions")
        .header("Authorization", "Bearer " + KEY)
        .header("Cache-Control", "no-store")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            "{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}"
                .formatted(StubUpstream.CACHED_QUESTION))
        .exchange()
        .expectStatus()
        .isOk()
        .expectHeader()
        .valueEquals("Tokenwise-Cache", "bypass")
        .expectBody()
        .jsonPath("$.choices[0].message.content")
        .isEqualTo("Hello from the provider.");

    assertThat(json.readTree(upstream.cacheLookups.get(0).body()).path("cacheControl").asString())
        .isEqualTo("no-store");
    assertThat(awaitSingleEvent().get("mode").asString()).isEqualTo("sync");
    assertThat(upstream.cacheStores).isEmpty();
  }

  @Test
  void badInputIsRejectedWithNothingCachedForwardedOrCounted() {
    client
        .post()
        .uri("/v1/chat/completions")
        .header("Authorization", "Bearer tw-wrong")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            "{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
        .exchange()
        .expectStatus()
        .isUnauthorized()
        .expectHeader()
        .exists("Tokenwise-Request-Id")
        .expectBody()
        .jsonPath("$.error.type")
        .isEqualTo("authentication_error")
        .jsonPath("$.error.code")
        .isEqualTo("invalid_api_key")
        .jsonPath("$.error.param")
        .isEmpty();

    post("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
        .exchange()
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.type")
        .isEqualTo("invalid_request_error")
        .jsonPath("$.error.param")
        .isEqualTo("model");

    post("{\"model\":\"gpt-5-mini\",\"messages\":{}}")
        .exchange()
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.param")
        .isEqualTo("messages");

    post("{\"model\":\"gpt-5-mini\",")
        .exchange()
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("invalid_json");

    String huge = "x".repeat(70 * 1024);
    post("{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\""
            + huge
            + "\"}]}")
        .exchange()
        .expectStatus()
        .isEqualTo(413)
        .expectBody()
        .jsonPath("$.error.type")
        .isEqualTo("invalid_request_error");

    // a Claude model cannot return several choices: refused before any provider call
    post("{\"model\":\"claude-sonnet-4-6\",\"n\":2,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
        .exchange()
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("unsupported_parameter")
        .jsonPath("$.error.param")
        .isEqualTo("n");

    assertThat(upstream.providerCalls).isEmpty();
    assertThat(upstream.cacheLookups).isEmpty();
    assertThat(upstream.cacheStores).isEmpty();
    assertThat(
            meters
                .get("tokenwise.router.requests")
                .tag("outcome", "unauthorized")
                .counter()
                .count())
        .isPositive();
    assertThat(
            meters.get("tokenwise.router.requests").tag("outcome", "too-large").counter().count())
        .isPositive();

    // A good request afterwards: once its event is in the stream, it must be the only one.
    post("{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"ok\"}]}")
        .exchange()
        .expectStatus()
        .isOk();
    awaitSingleEvent();
  }

  @Test
  void failingCacheServiceIsBypassed() {
    upstream.cacheMode = StubUpstream.CacheMode.FAILING;
    double bypassesBefore = bypasses();

    post("{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}")
        .exchange()
        .expectStatus()
        .isOk()
        .expectHeader()
        .valueEquals("Tokenwise-Cache", "bypass")
        .expectBody()
        .jsonPath("$.choices[0].message.content")
        .isEqualTo("Hello from the provider.");

    assertThat(upstream.providerCalls).hasSize(1);
    assertThat(bypasses()).isEqualTo(bypassesBefore + 1);
    assertThat(awaitSingleEvent().get("mode").asString()).isEqualTo("sync");
  }

  @Test
  void slowCacheServiceIsBypassedAfterItsTimeout() {
    upstream.cacheMode = StubUpstream.CacheMode.SLOW;

    post("{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}")
        .exchange()
        .expectStatus()
        .isOk()
        .expectHeader()
        .valueEquals("Tokenwise-Cache", "bypass");

    assertThat(upstream.providerCalls).hasSize(1);
    awaitSingleEvent();
  }

  @Test
  void providerErrorReachesTheClientInOpenAiShape() {
    post("{\"model\":\"gpt-limited\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}")
        .exchange()
        .expectStatus()
        .isEqualTo(429)
        .expectHeader()
        .exists("Tokenwise-Request-Id")
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("rate_limit_exceeded");

    JsonNode event = awaitSingleEvent();
    assertThat(event.get("status").asString()).isEqualTo("error");
    assertThat(event.get("inputTokens").asLong()).isZero();
    assertThat(upstream.cacheStores).isEmpty();
  }

  @Test
  void streamIsPassedThroughAndItsUsageCounted() {
    String body =
        post("""
                {"model":"gpt-5-mini","stream":true,
                 "messages":[{"role":"user","content":"hello"}]}""")
            .exchange()
            .expectStatus()
            .isOk()
            .expectHeader()
            .contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
            .expectHeader()
            .valueEquals("Tokenwise-Cache", "miss")
            .expectHeader()
            .exists("Tokenwise-Request-Id")
            .expectBody(String.class)
            .returnResult()
            .getResponseBody();

    assertThat(body).contains("\"content\":\"Hel\"").contains("\"content\":\"lo\"");
    assertThat(body).endsWith("data: [DONE]\n\n");
    // The router asked for the usage chunk; the client did not, so it never sees it.
    assertThat(body).doesNotContain("\"usage\"");
    JsonNode sent = json.readTree(upstream.providerCalls.get(0).body());
    assertThat(sent.at("/stream_options/include_usage").asBoolean()).isTrue();
    assertThat(upstream.cacheLookups).hasSize(1);
    // The streamed answer is stored as the chat.completion a whole request would have got.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(upstream.cacheStores).hasSize(1));
    JsonNode stored = json.readTree(upstream.cacheStores.get(0).body());
    assertThat(stored.at("/request/stream").asBoolean()).isTrue();
    assertThat(stored.at("/response/object").asString()).isEqualTo("chat.completion");
    assertThat(stored.at("/response/choices/0/message/content").asString()).isEqualTo("Hello");
    assertThat(stored.at("/response/choices/0/finish_reason").asString()).isEqualTo("stop");
    assertThat(stored.at("/response/usage/prompt_tokens").asLong()).isEqualTo(30);
    assertThat(stored.at("/policy/modelVersion").asString()).isEqualTo("gpt-5-mini-2025-08-07");

    JsonNode event = awaitSingleEvent();
    assertThat(event.get("mode").asString()).isEqualTo("stream");
    assertThat(event.get("inputTokens").asLong()).isEqualTo(30);
    assertThat(event.get("outputTokens").asLong()).isEqualTo(2);
    assertThat(event.get("finishReason").asString()).isEqualTo("stop");
  }

  @Test
  void streamKeepsTheUsageChunkTheClientAskedFor() {
    String request =
        """
        {"model":"gpt-5-mini","stream":true,"stream_options":{"include_usage":true},
         "messages":[{"role":"user","content":"hello"}]}""";
    String body =
        post(request)
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(String.class)
            .returnResult()
            .getResponseBody();

    assertThat(body).contains("\"usage\":{\"prompt_tokens\":30");
    assertThat(json.readTree(upstream.providerCalls.get(0).body()))
        .isEqualTo(json.readTree(request));
    assertThat(awaitSingleEvent().get("outputTokens").asLong()).isEqualTo(2);
  }

  @Test
  void streamWithoutAUsageChunkIsCounted() {
    post("""
            {"model":"gpt-no-usage","stream":true,
             "messages":[{"role":"system","content":"Be brief."},
                         {"role":"user","content":"Say hello to the whole world"}]}""")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody(String.class)
        .value(body -> assertThat(body).endsWith("data: [DONE]\n\n"));

    JsonNode event = awaitSingleEvent();
    assertThat(upstream.cacheStores).as("no usage reported: not stored").isEmpty();
    assertThat(event.get("status").asString()).isEqualTo("ok");
    assertThat(event.get("inputTokens").asLong()).isBetween(10L, 40L);
    assertThat(event.get("outputTokens").asLong()).isBetween(1L, 3L);
  }

  @Test
  void clientLeavingMidStreamStillProducesOneEvent() {
    String first =
        WebClient.create("http://localhost:" + port)
            .post()
            .uri("/v1/chat/completions")
            .header("Authorization", "Bearer " + KEY)
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(
                "{\"model\":\"gpt-endless\",\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell a story\"}]}")
            .retrieve()
            .bodyToFlux(String.class)
            .blockFirst(Duration.ofSeconds(20));
    assertThat(first).contains("Once upon a time");

    JsonNode event = awaitSingleEvent();
    assertThat(event.get("status").asString()).isEqualTo("client-disconnected");
    assertThat(event.get("mode").asString()).isEqualTo("stream");
    assertThat(event.get("outputTokens").asLong()).isPositive();
    assertThat(event.get("inputTokens").asLong()).isPositive();
  }

  @Test
  void providerHangingUpIsA502InOpenAiShape() {
    post("{\"model\":\"gpt-broken\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
        .exchange()
        .expectStatus()
        .isEqualTo(502)
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("upstream_unavailable")
        .jsonPath("$.error.message")
        .value(message -> assertThat((String) message).doesNotContain("Exception"));
    assertThat(awaitSingleEvent().get("status").asString()).isEqualTo("error");
  }

  @Test
  void streamRefusedByTheProviderIsAnOpenAiError() {
    post("""
            {"model":"gpt-limited","stream":true,"messages":[{"role":"user","content":"hi"}]}""")
        .exchange()
        .expectStatus()
        .isEqualTo(429)
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("rate_limit_exceeded");
    assertThat(awaitSingleEvent().get("status").asString()).isEqualTo("error");
  }

  @Test
  void usageEventsSurviveARedisOutage() throws IOException {
    TestServers.redis().stop();
    try {
      post("{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}")
          .exchange()
          .expectStatus()
          .isOk();
      await()
          .atMost(Duration.ofSeconds(15))
          .untilAsserted(() -> assertThat(spooledLines()).hasSize(1));
    } finally {
      TestServers.redis().start();
    }
    JsonNode event =
        await()
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(this::events, e -> !e.isEmpty())
            .get(0);
    assertThat(event.get("inputTokens").asLong()).isEqualTo(20);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(spooledLines()).isEmpty());
    assertThat(events()).hasSize(1);
  }

  private WebTestClient.RequestHeadersSpec<?> post(String body) {
    return client
        .post()
        .uri("/v1/chat/completions")
        .header("Authorization", "Bearer " + KEY)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(body);
  }

  private double bypasses() {
    return meters.get("tokenwise.cache.lookups").tag("result", "bypass").counter().count();
  }

  private JsonNode awaitSingleEvent() {
    List<JsonNode> events =
        await().atMost(Duration.ofSeconds(10)).until(this::events, list -> !list.isEmpty());
    assertThat(events).hasSize(1);
    return events.get(0);
  }

  private List<JsonNode> events() {
    List<MapRecord<String, Object, Object>> records =
        redis.opsForStream().range(UsageStream.KEY, Range.unbounded()).collectList().block();
    return records.stream()
        .map(r -> json.readTree((String) r.getValue().get(UsageStream.FIELD)))
        .toList();
  }

  /** The verdicts on the verdict stream, in order: their reports. */
  private List<JsonNode> verdicts() {
    List<MapRecord<String, Object, Object>> records =
        redis.opsForStream().range(VerdictStream.KEY, Range.unbounded()).collectList().block();
    return records.stream()
        .map(r -> json.readTree((String) r.getValue().get(VerdictStream.FIELD)))
        .toList();
  }

  private List<String> spooledLines() throws IOException {
    try (Stream<Path> files = Files.list(spoolDir)) {
      List<String> lines = new java.util.ArrayList<>();
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        lines.addAll(Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList());
      }
      return lines;
    }
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("tokenwise-spool");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
