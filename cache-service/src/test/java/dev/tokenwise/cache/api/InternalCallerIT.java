package dev.tokenwise.cache.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestServiceTokens;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The cache API as an attacker inside the cluster sees it: every internal endpoint refuses a call
 * without a valid service token, from a caller it does not accept, or naming a tenant the token
 * does not, and such a call stores, reads or removes nothing.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "30s")
@RealServers(postgres = false)
class InternalCallerIT {

  /** A tenant no other test class uses: they share one Redis. */
  private static final String VICTIM = "victim-" + java.util.UUID.randomUUID();

  private static final AtomicInteger CASES = new AtomicInteger();
  private static final AtomicInteger REFUSED = new AtomicInteger();

  private static final String REQUEST =
      "{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Poison me\"}]}";
  private static final String ANSWER =
      "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Evil\"},"
          + "\"finish_reason\":\"stop\"}]}";

  @Autowired WebTestClient client;

  @Autowired StringRedisTemplate redis;

  @AfterAll
  static void printCount() {
    System.out.printf(
        "cache-service adversarial cases: %d, refused: %d%n", CASES.get(), REFUSED.get());
  }

  @Test
  void everyInternalEndpointRefusesACallWithoutAValidToken() {
    String[][] endpoints = {
      {"/internal/cache/lookup", lookup(VICTIM)},
      {"/internal/cache/store", store(VICTIM)},
      {"/internal/cache/shadow", shadow(VICTIM)},
      {"/internal/cache/invalidate", "{\"tenant\":\"" + VICTIM + "\"}"},
    };
    String otherSecret =
        new ServiceTokens("a-different-deployment-secret-0123456789", ServiceTokens.ROUTER, clock())
            .mint(ServiceTokens.CACHE, VICTIM);
    String expired =
        new ServiceTokens(
                TestServiceTokens.secret(),
                ServiceTokens.ROUTER,
                Clock.fixed(Instant.now().minusSeconds(300), ZoneOffset.UTC))
            .mint(ServiceTokens.CACHE, VICTIM);
    String forCost = TestServiceTokens.token(ServiceTokens.ROUTER, ServiceTokens.COST, VICTIM);
    for (String[] endpoint : endpoints) {
      refused(post(endpoint[0], endpoint[1], null), 401, "service_token_missing");
      refused(post(endpoint[0], endpoint[1], "tw1.garbage"), 401, "service_token_malformed");
      refused(post(endpoint[0], endpoint[1], otherSecret), 401, "service_token_invalid");
      refused(post(endpoint[0], endpoint[1], expired), 401, "service_token_expired");
      refused(post(endpoint[0], endpoint[1], forCost), 401, "service_token_wrong_audience");
    }
    refusedGet("/internal/cache/stats", null, 401);
    assertNothingStoredFor(VICTIM);
  }

  @Test
  void aValidTokenForOneTenantCannotReachAnother() {
    String attacker = TestServiceTokens.token(ServiceTokens.ROUTER, ServiceTokens.CACHE, "mallory");
    refused(post("/internal/cache/store", store(VICTIM), attacker), 403, "caller_not_allowed");
    refused(post("/internal/cache/lookup", lookup(VICTIM), attacker), 403, "caller_not_allowed");
    refused(post("/internal/cache/shadow", shadow(VICTIM), attacker), 403, "caller_not_allowed");
    refused(
        post("/internal/cache/invalidate", "{\"tenant\":\"" + VICTIM + "\"}", attacker),
        403,
        "caller_not_allowed");
    String anyTenant =
        TestServiceTokens.token(
            ServiceTokens.ROUTER, ServiceTokens.CACHE, ServiceTokens.ANY_TENANT);
    refused(post("/internal/cache/store", store(VICTIM), anyTenant), 403, "caller_not_allowed");
    refused(post("/internal/cache/lookup", lookup(VICTIM), anyTenant), 403, "caller_not_allowed");
    assertNothingStoredFor(VICTIM);
  }

  @Test
  void eachEndpointAcceptsOnlyTheCallersItNames() {
    String fromBatch = TestServiceTokens.token(ServiceTokens.BATCH, ServiceTokens.CACHE, VICTIM);
    String fromCost = TestServiceTokens.token(ServiceTokens.COST, ServiceTokens.CACHE, VICTIM);
    refused(post("/internal/cache/store", store(VICTIM), fromCost), 403, "caller_not_allowed");
    refused(post("/internal/cache/shadow", shadow(VICTIM), fromBatch), 403, "caller_not_allowed");
    refused(
        post("/internal/cache/invalidate", "{\"tenant\":\"" + VICTIM + "\"}", fromBatch),
        403,
        "caller_not_allowed");
    refused(post("/internal/cache/unlisted", "{}", fromBatch), 403, "caller_not_allowed");
    assertNothingStoredFor(VICTIM);
  }

  @Test
  void theRightCallerForItsOwnTenantIsServed() {
    String router = TestServiceTokens.token(ServiceTokens.ROUTER, ServiceTokens.CACHE, "owner");
    String batch = TestServiceTokens.token(ServiceTokens.BATCH, ServiceTokens.CACHE, "owner");
    post("/internal/cache/store", store("owner"), batch).expectStatus().isCreated();
    post("/internal/cache/lookup", lookup("owner"), router)
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.result")
        .isEqualTo("hit-exact");
    client
        .get()
        .uri("/internal/cache/stats")
        .header(
            ServiceTokens.HEADER,
            TestServiceTokens.token(
                ServiceTokens.COST, ServiceTokens.CACHE, ServiceTokens.ANY_TENANT))
        .exchange()
        .expectStatus()
        .isOk();
  }

  private void assertNothingStoredFor(String tenant) {
    assertThat(redis.keys("*" + tenant + "*")).isEmpty();
    String owner = TestServiceTokens.token(ServiceTokens.ROUTER, ServiceTokens.CACHE, tenant);
    post("/internal/cache/lookup", lookup(tenant), owner)
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.result")
        .isEqualTo("miss");
  }

  private void refused(WebTestClient.ResponseSpec response, int status, String code) {
    CASES.incrementAndGet();
    response
        .expectStatus()
        .isEqualTo(status)
        .expectHeader()
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .expectBody()
        .jsonPath("$.code")
        .isEqualTo(code);
    REFUSED.incrementAndGet();
  }

  private void refusedGet(String path, String token, int status) {
    CASES.incrementAndGet();
    WebTestClient.RequestHeadersSpec<?> spec = client.get().uri(path);
    if (token != null) {
      spec = spec.header(ServiceTokens.HEADER, token);
    }
    spec.exchange().expectStatus().isEqualTo(status);
    REFUSED.incrementAndGet();
  }

  private WebTestClient.ResponseSpec post(String path, String body, String token) {
    WebTestClient.RequestBodySpec spec =
        client.post().uri(path).contentType(MediaType.APPLICATION_JSON);
    if (token != null) {
      spec = spec.header(ServiceTokens.HEADER, token);
    }
    return spec.bodyValue(body).exchange();
  }

  private static Clock clock() {
    return Clock.systemUTC();
  }

  private static String lookup(String tenant) {
    return "{\"tenant\":\"%s\",\"route\":\"default\",\"model\":\"gpt-5-mini\",\"request\":%s}"
        .formatted(tenant, REQUEST);
  }

  private static String store(String tenant) {
    return ("{\"tenant\":\"%s\",\"route\":\"default\",\"model\":\"gpt-5-mini\",\"request\":%s,"
            + "\"response\":%s}")
        .formatted(tenant, REQUEST, ANSWER);
  }

  private static String shadow(String tenant) {
    return "{\"tenant\":\"%s\",\"route\":\"default\",\"model\":\"gpt-5-mini\",\"agreed\":false}"
        .formatted(tenant);
  }
}
