package dev.tokenwise.cache.semantic;

import static dev.tokenwise.cache.InternalApi.answer;
import static dev.tokenwise.cache.InternalApi.chat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.tokenwise.cache.InternalApi;
import dev.tokenwise.common.testsupport.RealServers;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A route whose {@code maxFalseHitRate} is per lookup ({@code bound.rate-of: lookups}), through the
 * API against a real Redis and the bundled MiniLM model: the lookups it serves are counted, and a
 * wrong hit weighs by the share of lookups its level answers. Verdicts that keep a route at its
 * start per hit (one wrong in twenty) widen it when that level answers few of its lookups.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "tokenwise.cache.exact.lookup-timeout=5s",
      "tokenwise.cache.exact.store-timeout=5s",
      "tokenwise.cache.semantic.lookup-timeout=10s",
      "tokenwise.cache.semantic.store-timeout=10s",
      "tokenwise.cache.semantic.routes.per-lookup.max-false-hit-rate=0.01",
      "tokenwise.cache.semantic.bound.rate-of=lookups"
    })
@AutoConfigureWebTestClient(timeout = "30s")
@RealServers(postgres = false)
class ErrorBoundPerLookupIT {

  @Autowired WebTestClient client;
  @Autowired SemanticIndexes indexes;

  @Test
  void aWrongHitWeighsByTheShareOfLookupsItsLevelAnswers() {
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(indexes::isRebuilt);
    post(
            "/store",
            """
            {"tenant":"t","route":"per-lookup","model":"gpt-5-mini","request":%s,"response":%s}
            """
                .formatted(chat("How do I reset my password?"), answer("Click Forgot.")))
        .expectStatus()
        .isCreated();
    // 150 lookups of other questions: misses, their nearest entry far below any threshold.
    for (int i = 0; i < 150; i++) {
      Hit miss =
          post(
                  "/lookup",
                  """
                  {"tenant":"t","route":"per-lookup","model":"gpt-5-mini","request":%s}
                  """
                      .formatted(chat("Which river flows through city number " + i + "?")))
              .expectStatus()
              .isOk()
              .expectBody(Hit.class)
              .returnResult()
              .getResponseBody();
      assertThat(miss.result()).isEqualTo("miss");
    }

    // Twenty verdicts at 0.995, one wrong: per hit the upper bound (about 22%) is over 1%; per
    // lookup, at a level that answered none of the 150 lookups, it is within it.
    Double learned = null;
    for (int i = 0; i < 20; i++) {
      learned =
          post(
                  "/shadow",
                  """
                  {"tenant":"t","route":"per-lookup","model":"gpt-5-mini","similarity":0.995,
                   "agreed":%s}
                  """
                      .formatted(i != 7))
              .expectStatus()
              .isAccepted()
              .expectBody(Shadow.class)
              .returnResult()
              .getResponseBody()
              .learnedThreshold();
      if (i < 19) {
        assertThat(learned).isEqualTo(0.99);
      }
    }
    assertThat(learned).isEqualTo(0.985);

    // Published beside the per-hit estimate: its upper bound per checked hit, and per lookup (that
    // bound times the share of lookups 0.985 answers, none of the 150 here).
    String metrics =
        client
            .get()
            .uri("/actuator/prometheus")
            .exchange()
            .expectBody(String.class)
            .returnResult()
            .getResponseBody();
    assertThat(metrics)
        .containsPattern(
            "tokenwise_cache_semantic_false_hit_upper_bound\\{[^}]*route=\"per-lookup\"[^}]*}"
                + " 0\\.[1-9]")
        .containsPattern(
            "tokenwise_cache_semantic_false_hit_lookup_upper_bound\\{[^}]*route=\"per-lookup\"[^}]*}"
                + " 0\\.0");
  }

  private WebTestClient.ResponseSpec post(String path, String body) {
    return InternalApi.post(client, path, body);
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Hit(String result) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Shadow(Double learnedThreshold) {}
}
