package dev.tokenwise.cache.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.cache.InternalApi;
import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.testsupport.TestServiceTokens;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * With no Redis listening, the cache fails open: lookups miss, stores are dropped, both counted.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
// A generous timeout: on a busy 2-core CI machine the first actuator call can take seconds.
@AutoConfigureWebTestClient(timeout = "30s")
class ExactCacheRedisDownIT {

  private static final String REQUEST =
      "{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  @DynamicPropertySource
  static void redisNowhere(DynamicPropertyRegistry registry) throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    registry.add("spring.data.redis.host", () -> "127.0.0.1");
    registry.add("spring.data.redis.port", () -> closedPort);
  }

  @Autowired WebTestClient client;

  @Test
  void lookupsMissAndStoresAreDroppedWithoutFailingTheCaller() {
    client
        .post()
        .uri("/internal/cache/lookup")
        .header(
            ServiceTokens.HEADER,
            TestServiceTokens.token(ServiceTokens.ROUTER, ServiceTokens.CACHE, "acme"))
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            "{\"tenant\":\"acme\",\"route\":\"default\",\"model\":\"gpt-5-mini\",\"request\":"
                + REQUEST
                + "}")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .json("{\"result\":\"miss\"}", org.springframework.test.json.JsonCompareMode.STRICT);

    client
        .post()
        .uri("/internal/cache/store")
        .header(
            ServiceTokens.HEADER,
            TestServiceTokens.token(ServiceTokens.ROUTER, ServiceTokens.CACHE, "acme"))
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            "{\"tenant\":\"acme\",\"route\":\"default\",\"model\":\"gpt-5-mini\",\"request\":"
                + REQUEST
                + ",\"response\":{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"Hello\"},"
                + "\"finish_reason\":\"stop\"}]}}")
        .exchange()
        .expectStatus()
        .isEqualTo(503)
        .expectBody()
        .jsonPath("$.type")
        .isEqualTo("https://tokenwise.dev/problems/cache-unavailable");

    String prometheus = InternalApi.prometheus(client);
    assertThat(prometheus)
        .containsPattern(
            "tokenwise_cache_lookups_total\\{[^}]*kind=\"exact\"[^}]*result=\"error\"[^}]*} 1\\.0")
        .containsPattern(
            "tokenwise_cache_stores_total\\{[^}]*kind=\"exact\"[^}]*result=\"dropped\"[^}]*} 1\\.0")
        .containsPattern(
            "tokenwise_cache_lookups_total\\{[^}]*kind=\"semantic\"[^}]*result=\"miss\"[^}]*} 1\\.0");
  }

  @Test
  void theIndexWaitsForRedisAndInvalidationSaysTheCacheIsUnavailable() {
    client
        .get()
        .uri("/internal/cache/stats")
        .header(
            ServiceTokens.HEADER,
            TestServiceTokens.token(
                ServiceTokens.ROUTER, ServiceTokens.CACHE, ServiceTokens.ANY_TENANT))
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.semantic.rebuilt")
        .isEqualTo(false);
    client
        .post()
        .uri("/internal/cache/invalidate")
        .header(
            ServiceTokens.HEADER,
            TestServiceTokens.token(ServiceTokens.ROUTER, ServiceTokens.CACHE, "acme"))
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{\"tenant\":\"acme\"}")
        .exchange()
        .expectStatus()
        .isEqualTo(503)
        .expectBody()
        .jsonPath("$.type")
        .isEqualTo("https://tokenwise.dev/problems/cache-unavailable");
  }
}
