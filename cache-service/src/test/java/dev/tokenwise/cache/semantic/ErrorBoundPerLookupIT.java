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
 * A route whose {@code maxFalseHitRate} is per lookup ({@code false-hit-rate-of: lookups}), through
 * the API against a real Redis and the bundled MiniLM model: the lookups it serves are counted, and
 * a wrong hit weighs by the share of lookups its level answers. The same lookups and verdicts keep
 * a route bounded per hit (the default) at its start: one wrong in twenty is over 1% of its hits.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "tokenwise.cache.exact.lookup-timeout=5s",
      "tokenwise.cache.exact.store-timeout=5s",
      "tokenwise.cache.semantic.lookup-timeout=10s",
      "tokenwise.cache.semantic.store-timeout=10s",
      "tokenwise.cache.semantic.routes.per-lookup.max-false-hit-rate=0.01",
      "tokenwise.cache.semantic.routes.per-lookup.false-hit-rate-of=lookups",
      "tokenwise.cache.semantic.routes.per-hit.max-false-hit-rate=0.01"
    })
@AutoConfigureWebTestClient(timeout = "30s")
@RealServers(postgres = false)
class ErrorBoundPerLookupIT {

  @Autowired WebTestClient client;
  @Autowired SemanticIndexes indexes;

  @Test
  void aWrongHitWeighsByTheShareOfLookupsItsLevelAnswers() {
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(indexes::isRebuilt);
    assertThat(learnAfterManyMisses("per-hit", null)).isEqualTo(0.99);
    assertThat(learnAfterManyMisses("per-lookup", null)).isEqualTo(0.985);
    // A route bounded per hit in the configuration, per lookup in the router's policy.
    assertThat(learnAfterManyMisses("per-hit-2", "lookups")).isEqualTo(0.985);

    // Published beside the per-hit estimate: its upper bound per checked hit, and per lookup (that
    // bound times the share of lookups 0.985 answers, none of the 150 here).
    assertThat(InternalApi.prometheus(client))
        .containsPattern(
            "tokenwise_cache_semantic_false_hit_upper_bound\\{[^}]*route=\"per-lookup\"[^}]*}"
                + " 0\\.[1-9]")
        .containsPattern(
            "tokenwise_cache_semantic_false_hit_lookup_upper_bound"
                + "\\{[^}]*route=\"per-lookup\"[^}]*} 0\\.0")
        .doesNotContainPattern(
            "tokenwise_cache_semantic_false_hit_lookup_upper_bound\\{[^}]*route=\"per-hit\"");
  }

  /**
   * On {@code route}: one stored question, 150 lookups of others (misses, their nearest entry far
   * below any threshold), then twenty verdicts at 0.995, one wrong; returns the learned threshold
   * after them. {@code rateOf}, when not null, is sent as the request policy's {@code
   * falseHitRateOf} (with a 1% bound), as the router sends a route's.
   */
  private Double learnAfterManyMisses(String route, String rateOf) {
    String policy =
        rateOf == null
            ? ""
            : ",\"policy\":{\"maxFalseHitRate\":0.01,\"falseHitRateOf\":\"%s\"}".formatted(rateOf);
    post(
            "/store",
            """
            {"tenant":"t","route":"%s","model":"gpt-5-mini","request":%s,"response":%s%s}
            """
                .formatted(
                    route, chat("How do I reset my password?"), answer("Click Forgot."), policy))
        .expectStatus()
        .isCreated();
    for (int i = 0; i < 150; i++) {
      Hit miss =
          post(
                  "/lookup",
                  """
                  {"tenant":"t","route":"%s","model":"gpt-5-mini","request":%s%s}
                  """
                      .formatted(
                          route, chat("Which river flows through city number " + i + "?"), policy))
              .expectStatus()
              .isOk()
              .expectBody(Hit.class)
              .returnResult()
              .getResponseBody();
      assertThat(miss.result()).isEqualTo("miss");
    }
    // Per hit the upper bound of one wrong in twenty (about 22%) is over 1%; per lookup, at a level
    // that answered none of the 150 lookups, it is within it.
    Double learned = null;
    for (int i = 0; i < 20; i++) {
      learned =
          post(
                  "/shadow",
                  """
                  {"tenant":"t","route":"%s","model":"gpt-5-mini","similarity":0.995,
                   "agreed":%s}
                  """
                      .formatted(route, i != 7))
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
    return learned;
  }

  private WebTestClient.ResponseSpec post(String path, String body) {
    return InternalApi.post(client, path, body);
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Hit(String result) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Shadow(Double learnedThreshold) {}
}
