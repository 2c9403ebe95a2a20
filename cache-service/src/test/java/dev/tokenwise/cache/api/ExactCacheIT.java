package dev.tokenwise.cache.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.cache.InternalApi;
import dev.tokenwise.common.testsupport.RealServers;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/** The cache API against a real Redis, as the router uses it. */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "management.endpoint.health.show-details=always",
      "tokenwise.cache.exact.max-entry-size=64KB",
      "tokenwise.cache.exact.compression-threshold=4KB",
      "tokenwise.cache.exact.max-ttl=PT2H",
      "tokenwise.cache.exact.routes.short-lived.default-ttl=PT5M",
      "tokenwise.cache.exact.routes.chatty.normalize-whitespace=true",
      "spring.http.codecs.max-in-memory-size=256KB",
      // Generous: this test is about what is cached; ExactCacheRedisDownIT covers failing open.
      "tokenwise.cache.exact.lookup-timeout=5s",
      "tokenwise.cache.exact.store-timeout=5s"
    })
// A generous timeout: on a busy 2-core CI machine the first actuator call can take seconds.
@AutoConfigureWebTestClient(timeout = "30s")
@RealServers(postgres = false)
class ExactCacheIT {

  private static final String REQUEST =
      """
      {"model":"gpt-5-mini","temperature":0.2,"messages":[{"role":"user","content":"%s"}]}
      """;

  @Autowired WebTestClient client;

  @Autowired StringRedisTemplate redis;

  @Test
  void aStoredAnswerIsFoundAgainForTheSameRequest() {
    String question = "What is the capital of France?";
    String entryId =
        store("acme", request(question), completion("stop", "Paris."), null)
            .expectStatus()
            .isCreated()
            .expectBody(EntryId.class)
            .returnResult()
            .getResponseBody()
            .entryId();
    assertThat(entryId).matches("[0-9a-f]{64}");

    // Same question, keys in another order, streamed, another end user: the same answer.
    String sameQuestion =
        """
        {"messages":[{"content":"%s","role":"user"}],"temperature":0.20,"model":"gpt-5-mini",
         "stream":true,"stream_options":{"include_usage":true},"user":"someone-else"}
        """
            .formatted(question);
    lookup("acme", sameQuestion)
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.result")
        .isEqualTo("hit-exact")
        .jsonPath("$.entryId")
        .isEqualTo(entryId)
        .jsonPath("$.storedAt")
        .value(
            String.class, storedAt -> assertThat(Instant.parse(storedAt)).isBefore(Instant.now()))
        .jsonPath("$.response.choices[0].message.content")
        .isEqualTo("Paris.")
        .jsonPath("$.response.usage.prompt_tokens")
        .isEqualTo(9);
  }

  @Test
  void anotherTenantRouteOrModelMisses() {
    String request = request("Tell me a secret only acme knows");
    store("acme", request, completion("stop", "acme's secret"), null).expectStatus().isCreated();

    lookup("globex", request).expectBody().jsonPath("$.result").isEqualTo("miss");
    lookupIn("acme", "support", "gpt-5-mini", request)
        .expectBody()
        .jsonPath("$.result")
        .isEqualTo("miss");
    lookupIn("acme", "default", "gpt-5", request)
        .expectBody()
        .jsonPath("$.result")
        .isEqualTo("miss");
    lookup("acme", request).expectBody().jsonPath("$.result").isEqualTo("hit-exact");
  }

  @Test
  void aDifferentTemperatureMisses() {
    String request = request("Write a haiku about Redis");
    store("acme", request, completion("stop", "Keys in memory"), null).expectStatus().isCreated();

    lookup("acme", request.replace("0.2", "0.9"))
        .expectBody()
        .jsonPath("$.result")
        .isEqualTo("miss");
  }

  @Test
  void anAnswerExpiresAfterItsTtl() {
    String request = request("What time is it?");
    store("acme", request, completion("stop", "Noon."), "PT1S").expectStatus().isCreated();
    lookup("acme", request).expectBody().jsonPath("$.result").isEqualTo("hit-exact");

    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> lookup("acme", request).expectBody().jsonPath("$.result").isEqualTo("miss"));
  }

  @Test
  void theDefaultTtlAppliesAndLongerTtlsAreCutToTheMaximum() {
    String defaulted = entryId(store("ttl-tenant", request("a"), completion("stop", "A"), null));
    String capped = entryId(store("ttl-tenant", request("b"), completion("stop", "B"), "P30D"));

    assertThat(redis.getExpire(key("ttl-tenant", defaulted))).isBetween(3500L, 3600L);
    assertThat(redis.getExpire(key("ttl-tenant", capped))).isBetween(7100L, 7200L);
  }

  @Test
  void aRouteHasItsOwnDefaultTtlAndARequestedTtlStillWins() {
    String routeDefault =
        entryId(storeOn("short-lived", request("c"), completion("stop", "C"), null, ""));
    String requested =
        entryId(storeOn("short-lived", request("d"), completion("stop", "D"), "PT1H", ""));

    assertThat(redis.getExpire(keyOn("short-lived", routeDefault))).isBetween(250L, 300L);
    assertThat(redis.getExpire(keyOn("short-lived", requested))).isBetween(3500L, 3600L);
  }

  @Test
  void aRouteThatNormalisesWhitespaceAnswersTheSameQuestionDifferentlySpaced() {
    // Exact cache only: the semantic cache would (rightly) match these anyway.
    String exactOnly = ",\"policy\":{\"semantic\":false}";
    String normalised = ",\"policy\":{\"semantic\":false,\"normalizeWhitespace\":true}";
    storeOn("plain", request("Hello,  world"), completion("stop", "Hi."), null, exactOnly)
        .expectStatus()
        .isCreated();
    storeOn("chatty", request("Hello,  world"), completion("stop", "Hi."), null, exactOnly)
        .expectStatus()
        .isCreated();
    String respaced = request(" Hello, \\n world ");

    // Off by default: whitespace is part of the question.
    lookupOn("plain", respaced, exactOnly).expectBody().jsonPath("$.result").isEqualTo("miss");
    // Configured on the route, or asked for by the router's policy on any route.
    lookupOn("chatty", respaced, exactOnly)
        .expectBody()
        .jsonPath("$.result")
        .isEqualTo("hit-exact");
    lookupOn("plain", respaced, normalised).expectBody().jsonPath("$.result").isEqualTo("miss");
    storeOn("plain", request("Hello,  again"), completion("stop", "Hi."), null, normalised)
        .expectStatus()
        .isCreated();
    lookupOn("plain", request("Hello, again"), normalised)
        .expectBody()
        .jsonPath("$.result")
        .isEqualTo("hit-exact");
    lookupOn("plain", request("Hello, again"), exactOnly)
        .expectBody()
        .jsonPath("$.result")
        .isEqualTo("miss");
    assertBadRequest(
        lookupOn("plain", request("x"), ",\"policy\":{\"normalizeWhitespace\":\"yes\"}"),
        "policy.normalizeWhitespace");
  }

  @Test
  void tenantsWithSeparatorsInTheirNameGetTheirOwnKeys() {
    String request = request("colon");
    String entryId = entryId(store("a:b", request, completion("stop", "ok"), null));

    assertThat(redis.hasKey("tokenwise:cache:exact:a%3Ab:default:gpt-5-mini:" + entryId)).isTrue();
    lookupIn("a", "b:default", "gpt-5-mini", request)
        .expectBody()
        .jsonPath("$.result")
        .isEqualTo("miss");
  }

  @Test
  void largeAnswersAreStoredCompressedAndComeBackWhole() {
    String content = "Lorem ipsum dolor sit amet. ".repeat(1_000);
    String request = request("Write a long essay");
    String entryId = entryId(store("acme", request, completion("stop", content), null));

    byte[] stored =
        redis
            .getConnectionFactory()
            .getConnection()
            .stringCommands()
            .get(key("acme", entryId).getBytes());
    assertThat(stored).isNotNull();
    assertThat(stored.length).isLessThan(content.length() / 5);
    lookup("acme", request)
        .expectBody()
        .jsonPath("$.response.choices[0].message.content")
        .isEqualTo(content);
  }

  @Test
  void truncatedErrorAndUnusableAnswersAreRefused() {
    String request = request("Refuse me");
    assertRefused(store("refusals", request, completion("length", "Once upon a"), null));
    assertRefused(
        store(
            "refusals",
            request,
            "{\"error\":{\"message\":\"Overloaded\",\"type\":\"server_error\"}}",
            null));
    assertRefused(store("refusals", request, "{\"id\":\"chatcmpl-1\",\"choices\":[]}", null));
    assertRefused(store("refusals", request, "\"<html>Bad gateway</html>\"", null));

    lookup("refusals", request).expectBody().jsonPath("$.result").isEqualTo("miss");
    assertThat(keysOf("refusals")).isEmpty();
  }

  @Test
  void answersOverTheEntryLimitAreRefusedWith413() {
    String huge = "x".repeat(70 * 1024);
    String request = request("Too big");
    store("big", request, completion("stop", huge), null)
        .expectStatus()
        .isEqualTo(413)
        .expectHeader()
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .expectBody()
        .jsonPath("$.type")
        .isEqualTo("https://tokenwise.dev/problems/cache-entry-too-large");

    lookup("big", request).expectBody().jsonPath("$.result").isEqualTo("miss");
  }

  @Test
  void bodiesOverTheCodecLimitAre413Problems() {
    String request = request("Big question " + "y".repeat(300 * 1024));
    store("huge-body", request, completion("stop", "fine"), null)
        .expectStatus()
        .isEqualTo(413)
        .expectHeader()
        .contentType(MediaType.APPLICATION_PROBLEM_JSON);

    assertThat(keysOf("huge-body")).isEmpty();
  }

  @Test
  void badBodiesAre400ProblemsNamingTheFieldAndStoreNothing() {
    String request = request("bad input");
    String response = completion("stop", "never stored");

    assertBadRequest(
        post("/lookup", "{\"route\":\"default\",\"model\":\"m\",\"request\":" + request + "}"),
        "tenant");
    assertBadRequest(
        post("/lookup", "{\"tenant\":\"bad\",\"model\":\"m\",\"request\":" + request + "}"),
        "route");
    assertBadRequest(
        post("/lookup", "{\"tenant\":\"bad\",\"route\":\"default\",\"request\":" + request + "}"),
        "model");
    assertBadRequest(
        post("/lookup", "{\"tenant\":\"bad\",\"route\":\"default\",\"model\":\"m\"}"), "request");
    assertBadRequest(
        post(
            "/store",
            "{\"tenant\":\"\",\"route\":\"default\",\"model\":\"m\",\"request\":"
                + request
                + ",\"response\":"
                + response
                + "}"),
        "tenant");
    assertBadRequest(
        post(
            "/store",
            "{\"tenant\":\"bad\",\"route\":\"default\",\"model\":\"m\",\"request\":\"hi\",\"response\":"
                + response
                + "}"),
        "request");
    assertBadRequest(
        post(
            "/store",
            "{\"tenant\":\"bad\",\"route\":\"default\",\"model\":\"m\",\"request\":"
                + request
                + "}"),
        "response");
    assertBadRequest(store("bad", request, response, "an hour"), "ttl");
    assertBadRequest(store("bad", request, response, "-PT1H"), "ttl");
    assertBadRequest(
        lookupOn("default", request, ",\"policy\":{\"maxFalseHitRate\":1.5}"),
        "policy.maxFalseHitRate");
    assertBadRequest(
        lookupOn("default", request, ",\"policy\":{\"maxFalseHitRate\":\"1%\"}"),
        "policy.maxFalseHitRate");
    assertBadRequest(
        lookupOn("default", request, ",\"policy\":{\"falseHitRateOf\":\"answers\"}"),
        "policy.falseHitRateOf");
    assertBadRequest(
        lookupOn("default", request, ",\"policy\":{\"falseHitRateOf\":1}"),
        "policy.falseHitRateOf");
    assertBadRequest(
        post(
            "/shadow",
            "{\"tenant\":\"bad\",\"route\":\"default\",\"model\":\"m\",\"agreed\":true,"
                + "\"similarity\":\"high\"}"),
        "similarity");
    post("/lookup", "")
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.detail")
        .isEqualTo("body is required");
    post("/store", "{\"tenant\":\"bad\",")
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.type")
        .isEqualTo("https://tokenwise.dev/problems/invalid-cache-request");

    assertThat(keysOf("bad")).isEmpty();
  }

  @Test
  void lookupsAreCountedByResult() {
    String request = request("count me");
    lookup("metrics", request).expectBody().jsonPath("$.result").isEqualTo("miss");
    store("metrics", request, completion("stop", "counted"), null).expectStatus().isCreated();
    lookup("metrics", request).expectBody().jsonPath("$.result").isEqualTo("hit-exact");

    String prometheus =
        client
            .get()
            .uri("/actuator/prometheus")
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody(String.class)
            .returnResult()
            .getResponseBody();
    assertThat(prometheus)
        .containsPattern("tokenwise_cache_lookups_total\\{[^}]*kind=\"exact\"[^}]*result=\"hit\"")
        .containsPattern("tokenwise_cache_lookups_total\\{[^}]*kind=\"exact\"[^}]*result=\"miss\"")
        .contains("tokenwise_cache_lookup_duration_seconds_bucket")
        .containsPattern("tokenwise_cache_stores_total\\{[^}]*result=\"stored\"");
  }

  @Test
  void healthProbesAreUp() {
    for (String probe : new String[] {"/actuator/health/liveness", "/actuator/health/readiness"}) {
      client
          .get()
          .uri(probe)
          .exchange()
          .expectStatus()
          .isOk()
          .expectBody()
          .jsonPath("$.status")
          .isEqualTo("UP");
    }
    client
        .get()
        .uri("/actuator/health")
        .exchange()
        .expectBody()
        .jsonPath("$.components.redis.status")
        .isEqualTo("UP");
  }

  private void assertRefused(WebTestClient.ResponseSpec response) {
    response
        .expectStatus()
        .isEqualTo(422)
        .expectHeader()
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .expectBody()
        .jsonPath("$.type")
        .isEqualTo("https://tokenwise.dev/problems/response-not-cacheable")
        .jsonPath("$.detail")
        .isNotEmpty();
  }

  private static void assertBadRequest(WebTestClient.ResponseSpec response, String field) {
    response
        .expectStatus()
        .isBadRequest()
        .expectHeader()
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .expectBody()
        .jsonPath("$.type")
        .isEqualTo("https://tokenwise.dev/problems/invalid-cache-request")
        .jsonPath("$.field")
        .isEqualTo(field);
  }

  private WebTestClient.ResponseSpec store(
      String tenant, String request, String response, String ttl) {
    String ttlField = ttl == null ? "" : ",\"ttl\":\"" + ttl + "\"";
    return post(
        "/store",
        """
        {"tenant":"%s","route":"default","model":"gpt-5-mini","request":%s,"response":%s%s}
        """
            .formatted(tenant, request, response, ttlField));
  }

  private WebTestClient.ResponseSpec storeOn(
      String route, String request, String response, String ttl, String extra) {
    String ttlField = ttl == null ? "" : ",\"ttl\":\"" + ttl + "\"";
    return post(
        "/store",
        """
        {"tenant":"routes","route":"%s","model":"gpt-5-mini","request":%s,"response":%s%s%s}
        """
            .formatted(route, request, response, ttlField, extra));
  }

  private WebTestClient.ResponseSpec lookupOn(String route, String request, String extra) {
    return post(
        "/lookup",
        """
        {"tenant":"routes","route":"%s","model":"gpt-5-mini","request":%s%s}
        """
            .formatted(route, request, extra));
  }

  private static String keyOn(String route, String entryId) {
    return "tokenwise:cache:exact:routes:" + route + ":gpt-5-mini:" + entryId;
  }

  private WebTestClient.ResponseSpec lookup(String tenant, String request) {
    return lookupIn(tenant, "default", "gpt-5-mini", request);
  }

  private WebTestClient.ResponseSpec lookupIn(
      String tenant, String route, String model, String request) {
    return post(
        "/lookup",
        """
        {"tenant":"%s","route":"%s","model":"%s","request":%s}
        """
            .formatted(tenant, route, model, request));
  }

  private WebTestClient.ResponseSpec post(String path, String body) {
    return InternalApi.post(client, path, body);
  }

  private static String entryId(WebTestClient.ResponseSpec stored) {
    return stored
        .expectStatus()
        .isCreated()
        .expectBody(EntryId.class)
        .returnResult()
        .getResponseBody()
        .entryId();
  }

  private Set<String> keysOf(String tenant) {
    return redis.keys("tokenwise:cache:exact:" + tenant + ":*");
  }

  private static String key(String tenant, String entryId) {
    return "tokenwise:cache:exact:" + tenant + ":default:gpt-5-mini:" + entryId;
  }

  private static String request(String question) {
    return REQUEST.formatted(question).strip();
  }

  private static String completion(String finishReason, String content) {
    return """
        {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-5-mini",
         "choices":[{"index":0,"message":{"role":"assistant","content":"%s"},
                     "finish_reason":"%s"}],
         "usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}
        """
        .formatted(content, finishReason);
  }

  record EntryId(String entryId) {}
}
