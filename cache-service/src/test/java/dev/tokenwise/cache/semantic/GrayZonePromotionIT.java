package dev.tokenwise.cache.semantic;

import static dev.tokenwise.cache.InternalApi.answer;
import static dev.tokenwise.cache.InternalApi.chat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.tokenwise.cache.InternalApi;
import dev.tokenwise.cache.namespace.CacheNamespace;
import dev.tokenwise.common.testsupport.RealServers;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Gray-zone promotion through the API, against a real Redis and the bundled MiniLM model: a
 * paraphrase just below the threshold misses, is checked in the background, and then hits through
 * its alias — in its own namespace only — until a bad verdict removes the alias. A pair whose
 * checker died before deciding it is decided by another once its lease has run out.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "tokenwise.cache.exact.lookup-timeout=5s",
      "tokenwise.cache.exact.store-timeout=5s",
      "tokenwise.cache.semantic.lookup-timeout=10s",
      "tokenwise.cache.semantic.store-timeout=10s",
      "tokenwise.cache.semantic.sync-interval=100ms",
      // A route whose threshold no paraphrase reaches, with a wide gray zone below it and a
      // promotion threshold a paraphrase passes: what is tested is the path, not the calibration.
      "tokenwise.cache.semantic.routes.gray.threshold=0.995",
      "tokenwise.cache.semantic.routes.gray.gray-zone-width=0.2",
      "tokenwise.cache.semantic.routes.gray.promotion-threshold=0.6",
      "tokenwise.cache.semantic.promotion.poll-interval=100ms"
    })
@AutoConfigureWebTestClient(timeout = "30s")
@RealServers(postgres = false)
class GrayZonePromotionIT {

  private static final String STORED = "How do I reset my password?";
  private static final String PARAPHRASE = "How can I reset my password?";

  @Autowired WebTestClient client;
  @Autowired SemanticIndexes indexes;
  @Autowired SemanticEntries entries;
  @Autowired ReactiveStringRedisTemplate redis;

  @Test
  void aGrayZoneParaphraseMissesIsPromotedInTheBackgroundAndThenHitsInItsOwnNamespaceOnly() {
    awaitRebuilt();
    store("gray-acme", chat(STORED), answer("Click Forgot.")).expectStatus().isCreated();
    // The other tenant has the same question stored with its own answer: neither may see the
    // other's alias.
    store("gray-globex", chat("How do I change my avatar?"), answer("Settings."))
        .expectStatus()
        .isCreated();

    // Below the threshold, in the gray zone: a miss at once, the pair queued.
    assertThat(lookup("gray-acme", chat(PARAPHRASE)).result()).isEqualTo("miss");

    Hit promoted =
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> lookup("gray-acme", chat(PARAPHRASE)), hit -> hit.isHit());
    assertThat(promoted.result()).isEqualTo("hit-semantic");
    assertThat(promoted.entryId()).matches("[0-9a-f]{64}");
    assertThat(promoted.similarity()).isBetween(0.795, 0.995);
    assertThat(promoted.response().choices()[0].message().content()).isEqualTo("Click Forgot.");

    // The identical question from another tenant: nothing of acme's answers it.
    assertThat(lookup("gray-globex", chat(PARAPHRASE)).result()).isEqualTo("miss");
    // Nor does the alias cross a model or a conversation context.
    assertThat(lookupIn("gray-acme", "gpt-5", chat(PARAPHRASE)).result()).isEqualTo("miss");

    // Decided pairs leave the claimed set: nothing of acme's is left there.
    assertThat(
            redis.opsForZSet().range(Promotions.CLAIMED, Range.unbounded()).collectList().block())
        .noneMatch(claimed -> claimed.contains("gray-acme"));

    assertThat(prometheus())
        .containsPattern("tokenwise_cache_semantic_gray_zone_lookups_total(\\{[^}]*})? [1-9]")
        .containsPattern(
            "tokenwise_cache_semantic_promotions_total\\{[^}]*outcome=\"confirmed\"[^}]*} [1-9]")
        .containsPattern("tokenwise_cache_semantic_alias_hits_total(\\{[^}]*})? [1-9]");
  }

  @Test
  void aBadVerdictOnAnAliasHitRemovesTheAlias() {
    awaitRebuilt();
    store("gray-verdict", chat(STORED), answer("Click Forgot.")).expectStatus().isCreated();
    assertThat(lookup("gray-verdict", chat(PARAPHRASE)).result()).isEqualTo("miss");
    Hit promoted =
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> lookup("gray-verdict", chat(PARAPHRASE)), hit -> hit.isHit());

    post(
            "/shadow",
            """
            {"tenant":"gray-verdict","route":"gray","model":"gpt-5-mini","entryId":"%s",
             "similarity":%s,"agreed":false}
            """
                .formatted(promoted.entryId(), promoted.similarity()))
        .expectStatus()
        .isAccepted();

    assertThat(lookup("gray-verdict", chat(PARAPHRASE)).result()).isEqualTo("miss");
    // And the pair is remembered as rejected: asked again, it is not promoted again at once.
    Awaitility.await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !lookup("gray-verdict", chat(PARAPHRASE)).isHit());
    assertThat(prometheus())
        .containsPattern("tokenwise_cache_semantic_alias_removals_total(\\{[^}]*})? [1-9]");
    // The stored question itself still answers (exact): only the alias went.
    assertThat(lookup("gray-verdict", chat(STORED)).result()).isEqualTo("hit-exact");
  }

  @Test
  void aPairWhoseCheckerDiedBeforeDecidingItIsDecidedByAnotherOnceItsLeaseRunsOut() {
    awaitRebuilt();
    store("gray-lease", chat(STORED), answer("Click Forgot.")).expectStatus().isCreated();
    CacheNamespace namespace = new CacheNamespace("gray-lease", "gray", "gpt-5-mini");
    String entryKey =
        redis
            .scan(ScanOptions.scanOptions().match(SemanticEntries.key(namespace, "*")).build())
            .blockFirst(Duration.ofSeconds(5));
    SemanticEntries.Stored stored = entries.get(entryKey).block(Duration.ofSeconds(5));
    String candidateId = entryKey.substring(entryKey.lastIndexOf(':') + 1);
    String aliasId = "ab".repeat(32);
    String pair =
        new Promotions.Pair(namespace, aliasId, PARAPHRASE, stored.context(), candidateId, 0.9, 0.6)
            .toJson();

    // What a checker that died mid-check leaves: the pair taken once, its lease over, undecided.
    redis
        .opsForZSet()
        .add(Promotions.CLAIMED, pair, System.currentTimeMillis() - 1)
        .block(Duration.ofSeconds(5));
    redis.opsForHash().put(Promotions.ATTEMPTS, pair, "1").block(Duration.ofSeconds(5));

    // This replica's checker takes it again and confirms it; the pair then leaves the claimed set.
    String alias =
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> redis.opsForValue().get(Promotions.aliasKey(namespace, aliasId)).block(),
                value -> value != null);
    assertThat(alias).startsWith(candidateId + ":0.9");
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> redis.opsForZSet().score(Promotions.CLAIMED, pair).block() == null);
    assertThat(redis.opsForHash().get(Promotions.ATTEMPTS, pair).block()).isNull();
    assertThat(prometheus())
        .containsPattern(
            "tokenwise_cache_semantic_promotions_total\\{[^}]*outcome=\"retried\"[^}]*} [1-9]");
  }

  @Test
  void aPairTakenAsOftenAsAllowedWithoutADecisionIsAbandonedNotRetriedForEver() {
    awaitRebuilt();
    CacheNamespace namespace = new CacheNamespace("gray-abandoned", "gray", "gpt-5-mini");
    String aliasId = "cd".repeat(32);
    String pair =
        new Promotions.Pair(namespace, aliasId, "q", "", "0".repeat(32), 0.9, 0.6).toJson();
    redis
        .opsForZSet()
        .add(Promotions.CLAIMED, pair, System.currentTimeMillis() - 1)
        .block(Duration.ofSeconds(5));
    // Taken max-attempts (3) times already.
    redis.opsForHash().put(Promotions.ATTEMPTS, pair, "3").block(Duration.ofSeconds(5));

    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> redis.opsForZSet().score(Promotions.CLAIMED, pair).block() == null);
    assertThat(redis.opsForHash().get(Promotions.ATTEMPTS, pair).block()).isNull();
    assertThat(redis.hasKey(Promotions.aliasKey(namespace, aliasId)).block()).isFalse();
    assertThat(prometheus())
        .containsPattern(
            "tokenwise_cache_semantic_promotions_total\\{[^}]*outcome=\"abandoned\"[^}]*} [1-9]");
  }

  private void awaitRebuilt() {
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(indexes::isRebuilt);
  }

  private WebTestClient.ResponseSpec store(String tenant, String request, String response) {
    return post(
        "/store",
        """
        {"tenant":"%s","route":"gray","model":"gpt-5-mini","request":%s,"response":%s}
        """
            .formatted(tenant, request, response));
  }

  private Hit lookup(String tenant, String request) {
    return lookupIn(tenant, "gpt-5-mini", request);
  }

  private Hit lookupIn(String tenant, String model, String request) {
    return post(
            "/lookup",
            """
            {"tenant":"%s","route":"gray","model":"%s","request":%s}
            """
                .formatted(tenant, model, request))
        .expectStatus()
        .isOk()
        .expectBody(Hit.class)
        .returnResult()
        .getResponseBody();
  }

  private WebTestClient.ResponseSpec post(String path, String body) {
    return InternalApi.post(client, path, body);
  }

  private String prometheus() {
    return InternalApi.prometheus(client);
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Hit(String result, String entryId, Double similarity, Response response) {
    boolean isHit() {
      return result.startsWith("hit-");
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Response(Choice[] choices) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Choice(Message message) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Message(String content) {}
}
