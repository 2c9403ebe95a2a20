package dev.tokenwise.cache.semantic;

import static dev.tokenwise.cache.InternalApi.answer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.tokenwise.cache.InternalApi;
import dev.tokenwise.cache.embedding.BatchingEmbedder;
import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestServiceTokens;
import dev.tokenwise.common.testsupport.TestStreamSignatures;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/** The semantic cache through the API, against a real Redis and the bundled MiniLM model. */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      // Generous: a loaded 2-core CI machine; this test is about what answers, not how fast.
      "tokenwise.cache.exact.lookup-timeout=5s",
      "tokenwise.cache.exact.store-timeout=5s",
      "tokenwise.cache.semantic.lookup-timeout=10s",
      "tokenwise.cache.semantic.store-timeout=10s",
      "tokenwise.cache.semantic.sync-interval=100ms",
      "tokenwise.cache.semantic.sweep-interval=500ms",
      // A route of its own calibration; the others keep the shipped default.
      "tokenwise.cache.semantic.routes.lenient.threshold=0.9",
      // A route under a learned error bound; coarse steps so that a test can walk the ladder.
      "tokenwise.cache.semantic.routes.bounded.max-false-hit-rate=0.05",
      "tokenwise.cache.semantic.bound.start-threshold=0.99",
      "tokenwise.cache.semantic.bound.step=0.03",
      "tokenwise.cache.semantic.bound.verdicts-per-step=1"
    })
@AutoConfigureWebTestClient(timeout = "30s")
@RealServers(postgres = false)
class SemanticCacheIT {

  @Autowired WebTestClient client;
  @Autowired ReactiveStringRedisTemplate strings;
  @Autowired SemanticEntries entries;
  @Autowired SemanticCacheProperties properties;
  @Autowired BatchingEmbedder embedder;
  @Autowired SemanticIndexes indexes;

  @Test
  void aParaphraseIsAnsweredFromTheSemanticCache() {
    awaitRebuilt();
    String entryId =
        semanticId(
            store(
                "para",
                "lenient",
                chat("How do I reset my password?"),
                answer("Click Forgot."),
                ""));
    assertThat(entryId).matches("[0-9a-f]{32}");

    // A paraphrase, on a route calibrated to 0.9.
    lookup("para", "lenient", chat("How can I reset my password?"), "")
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.result")
        .isEqualTo("hit-semantic")
        .jsonPath("$.similarity")
        .value(Double.class, similarity -> assertThat(similarity).isBetween(0.9, 1.0))
        .jsonPath("$.entryId")
        .isEqualTo(entryId)
        .jsonPath("$.storedAt")
        .isNotEmpty()
        .jsonPath("$.shadow")
        .doesNotExist()
        .jsonPath("$.response.choices[0].message.content")
        .isEqualTo("Click Forgot.");
  }

  @Test
  void adversarialNearDuplicatesNeverCrossTenantsRoutesModelsOrContexts() {
    awaitRebuilt();
    List<String> questions =
        List.of(
            "What is the refund policy for enterprise customers?",
            "How do I rotate the API key of my account?",
            "Which regions does the service run in?");
    for (String question : questions) {
      store("victim", "default", chat(question), answer("victim-only: " + question), "")
          .expectStatus()
          .isCreated();
    }
    int crossings = 0;
    for (String question : questions) {
      // Same words and near-duplicates, from everywhere but the owner's namespace.
      for (String asked : List.of(question, question.replace("?", " please?"))) {
        crossings += isHit(lookupIn("attacker", "default", "gpt-5-mini", chat(asked), ""));
        crossings += isHit(lookupIn("victim2", "default", "gpt-5-mini", chat(asked), ""));
        crossings += isHit(lookupIn("victim", "other", "gpt-5-mini", chat(asked), ""));
        crossings += isHit(lookupIn("victim", "default", "gpt-5", chat(asked), ""));
        crossings += isHit(lookupIn("victim:default", "gpt-5-mini", "x", chat(asked), ""));
        crossings +=
            isHit(lookupIn("victim", "default", "gpt-5-mini", chat("Be terse.", asked), ""));
        crossings +=
            isHit(
                lookupIn(
                    "victim",
                    "default",
                    "gpt-5-mini",
                    chat(asked),
                    ",\"policy\":{\"templateVersion\":\"v2\"}"));
      }
    }
    assertThat(crossings).isZero();
    // The owner still gets its answers.
    lookup("victim", "default", chat(questions.get(1).replace("?", " please?")), "")
        .expectBody()
        .jsonPath("$.result")
        .isEqualTo("hit-semantic");
  }

  @Test
  void guardsRefuseQuestionsThatDifferInNumbersNegationOrEntities() {
    awaitRebuilt();
    store("guards", "default", chat("Is 17 a prime number?"), answer("Yes."), "");
    store("guards", "default", chat("Is coffee bad for your heart?"), answer("Mostly not."), "");
    store("guards", "default", chat("How do I install Python on Windows?"), answer("winget"), "");

    assertMiss(lookup("guards", "default", chat("Is 21 a prime number?"), ""));
    assertMiss(lookup("guards", "default", chat("Is coffee not bad for your heart?"), ""));
    assertMiss(lookup("guards", "default", chat("How do I install Python on Linux?"), ""));
    // Number words are numbers.
    lookup("guards", "default", chat("Is seventeen a prime number?"), "")
        .expectBody()
        .jsonPath("$.result")
        .isEqualTo("hit-semantic");
    lookup("guards", "default", chat("is 17 a prime number"), "")
        .expectBody()
        .jsonPath("$.result")
        .isEqualTo("hit-semantic");
  }

  @Test
  void theVerifierDecidesAmongCandidatesThatReachTheCosineThreshold() {
    awaitRebuilt();
    store("verify", "lenient", chat("How do I reset my password?"), answer("Click Forgot."), "");

    lookup(
            "verify",
            "lenient",
            chat("How can I reset my password?"),
            ",\"policy\":{\"verifyThreshold\":0.8}")
        .expectBody()
        .jsonPath("$.result")
        .isEqualTo("hit-semantic");
    // A setting no paraphrase reaches (only the very same question scores 1): refused, counted.
    assertMiss(
        lookup(
            "verify",
            "lenient",
            chat("How can I reset my password?"),
            ",\"policy\":{\"verifyThreshold\":0.999}"));
    assertThat(prometheus())
        .containsPattern(
            "tokenwise_cache_semantic_guard_refusals_total\\{[^}]*guard=\"verifier\"[^}]*}"
                + " [1-9]");
  }

  @Test
  void timeSensitiveToolAndHotRequestsBypassTheSemanticCache() {
    awaitRebuilt();
    lookup("bypass", "default", chat("What is the weather in Paris today?"), "")
        .expectBody()
        .jsonPath("$.result")
        .isEqualTo("miss")
        .jsonPath("$.semanticBypass")
        .isEqualTo("time-sensitive");
    lookup("bypass", "default", chat("Explain recursion").replace("0.2", "1.2"), "")
        .expectBody()
        .jsonPath("$.semanticBypass")
        .isEqualTo("temperature");
    lookup(
            "bypass",
            "default",
            chat("Explain recursion")
                .replace(
                    "\"temperature\"",
                    "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
                        + "\"temperature\""),
            "")
        .expectBody()
        .jsonPath("$.semanticBypass")
        .isEqualTo("tools");
    // no-cache: nothing is consulted; no-store also tells the router not to store.
    store("bypass", "default", chat("Explain recursion"), answer("See recursion."), "");
    lookup("bypass", "default", chat("Explain recursion"), ",\"cacheControl\":\"no-cache\"")
        .expectBody()
        .jsonPath("$.result")
        .isEqualTo("bypass")
        .jsonPath("$.store")
        .doesNotExist();
    lookup("bypass", "default", chat("Explain recursion"), ",\"cacheControl\":\"no-store\"")
        .expectBody()
        .jsonPath("$.result")
        .isEqualTo("bypass")
        .jsonPath("$.store")
        .isEqualTo(false);
    store(
            "bypass",
            "default",
            chat("Explain iteration"),
            answer("Loops."),
            ",\"cacheControl\":\"no-store\"")
        .expectStatus()
        .isEqualTo(422);
    // Time-sensitive answers are not stored semantically either.
    store("bypass", "default", chat("What is the latest Java release?"), answer("25"), "")
        .expectStatus()
        .isCreated()
        .expectBody()
        .jsonPath("$.semanticEntryId")
        .doesNotExist();
  }

  @Test
  void answersThatFailedTheirSchemaAreNotStored() {
    String request =
        """
        {"model":"gpt-5-mini","messages":[{"role":"user","content":"Where is the Louvre?"}],
         "response_format":{"type":"json_schema","json_schema":{"name":"place","schema":{
           "type":"object","required":["city"],"properties":{"city":{"type":"string"}}}}}}
        """;
    store("schema", "default", request, answer("{\\\"town\\\":\\\"Paris\\\"}"), "")
        .expectStatus()
        .isEqualTo(422)
        .expectBody()
        .jsonPath("$.detail")
        .value(String.class, detail -> assertThat(detail).contains("city"));
    store("schema", "default", request, answer("not json"), "").expectStatus().isEqualTo(422);
    store("schema", "default", request, answer("{\\\"city\\\":\\\"Paris\\\"}"), "")
        .expectStatus()
        .isCreated();
  }

  @Test
  void invalidationRemovesAnEntryANamespaceOrATenantEverywhere() {
    awaitRebuilt();
    String first =
        semanticId(store("inv", "default", chat("How do I bake bread?"), answer("Oven."), ""));
    store("inv", "default", chat("How do I brew tea?"), answer("Kettle."), "");
    store("inv", "support", chat("How do I brew coffee?"), answer("Filter."), "");

    invalidate(
            "{\"tenant\":\"inv\",\"route\":\"default\",\"model\":\"gpt-5-mini\",\"entryId\":\""
                + first
                + "\"}")
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.scope")
        .isEqualTo("entry")
        .jsonPath("$.invalidated")
        .isEqualTo(1);
    assertMiss(lookup("inv", "default", chat("how do I bake bread"), ""));
    lookup("inv", "default", chat("how do I brew tea"), "")
        .expectBody()
        .jsonPath("$.result")
        .isEqualTo("hit-semantic");

    invalidate("{\"tenant\":\"inv\",\"route\":\"default\",\"model\":\"gpt-5-mini\"}")
        .expectBody()
        .jsonPath("$.scope")
        .isEqualTo("namespace");
    assertMiss(lookup("inv", "default", chat("How do I brew tea?"), ""));
    lookup("inv", "support", chat("How do I brew coffee?"), "")
        .expectBody()
        .jsonPath("$.result")
        .isEqualTo("hit-exact");

    invalidate("{\"tenant\":\"inv\"}").expectBody().jsonPath("$.scope").isEqualTo("tenant");
    assertMiss(lookup("inv", "support", chat("How do I brew coffee?"), ""));

    invalidate("{\"route\":\"default\"}")
        .expectStatus()
        .isBadRequest()
        .expectHeader()
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .expectBody()
        .jsonPath("$.field")
        .isEqualTo("tenant");
  }

  @Test
  void aNewPromptTemplateOrModelVersionInvalidatesTheNamespace() {
    awaitRebuilt();
    String v1 = ",\"policy\":{\"templateVersion\":\"t1\",\"modelVersion\":\"m1\"}";
    String v2 = ",\"policy\":{\"templateVersion\":\"t2\",\"modelVersion\":\"m1\"}";
    store("versions", "default", chat("How do I plant tulips?"), answer("In autumn."), v1)
        .expectStatus()
        .isCreated();
    lookup("versions", "default", chat("how do I plant tulips"), v1)
        .expectBody()
        .jsonPath("$.result")
        .isEqualTo("hit-semantic");

    assertMiss(lookup("versions", "default", chat("how do I plant tulips"), v2));
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(
                        strings
                            .keys(SemanticEntries.KEY_PREFIX + "versions:*")
                            .collectList()
                            .block())
                    .isEmpty());
    assertMiss(lookup("versions", "default", chat("how do I plant tulips"), v1));
  }

  @Test
  void shadowSampledHitsAreFlaggedAndReportsFeedTheFalseHitEstimate() {
    awaitRebuilt();
    String shadowAll = ",\"policy\":{\"shadowRate\":1.0}";
    store("shadow", "lenient", chat("How do I export my invoices?"), answer("Billing page."), "");
    lookup(
            "shadow",
            "lenient",
            chat("How do I export my invoices?").replace("export", "Export"),
            shadowAll)
        .expectBody()
        .jsonPath("$.result")
        .isEqualTo("hit-semantic")
        .jsonPath("$.shadow")
        .isEqualTo(true);

    report("shadow", "lenient", true).expectStatus().isAccepted();
    report("shadow", "lenient", false)
        .expectStatus()
        .isAccepted()
        .expectBody()
        .jsonPath("$.falseHitEstimate")
        .isEqualTo(0.5);
    String prometheus = prometheus();
    assertThat(prometheus)
        .containsPattern(
            "tokenwise_cache_semantic_false_hit_estimate\\{[^}]*route=\"lenient\"[^}]*} 0\\.5")
        .containsPattern(
            "tokenwise_cache_lookups_total\\{[^}]*kind=\"semantic\"[^}]*result=\"hit\"")
        .contains("tokenwise_cache_semantic_index_entries")
        .contains("tokenwise_cache_semantic_guard_refusals_total");
  }

  @Test
  void aRouteUnderAnErrorBoundWidensOnGoodVerdictsAndTightensOnABadOne() {
    awaitRebuilt();
    strings
        .delete(ErrorBounds.stateKey("bounded"), ErrorBounds.stateKey("bounded") + ":verdicts")
        .block();
    store("learner", "bounded", chat("How do I reset my password?"), answer("Click Forgot."), "");
    String paraphrase = chat("How can I reset my password?");
    // A new route accepts only the strictest similarity: the paraphrase is not answered.
    assertMiss(lookup("learner", "bounded", paraphrase, ""));
    assertThat(prometheus())
        .containsPattern(
            "tokenwise_cache_semantic_learned_threshold\\{[^}]*route=\"bounded\"[^}]*} 0\\.99")
        .containsPattern(
            "tokenwise_cache_semantic_max_false_hit_rate\\{[^}]*route=\"bounded\"[^}]*} 0\\.05");

    // Agreeing verdicts on hits at the learned threshold (as the router's shadow re-asks report
    // them) widen it one step per 59 of them (no disagreement in 59: 95% upper bound under 5%).
    double learned = 0.99;
    boolean hit = false;
    for (int verdicts = 0; verdicts < 600 && !hit; verdicts++) {
      Double after =
          report("learner", "bounded", ",\"similarity\":" + learned, true)
              .expectStatus()
              .isAccepted()
              .expectBody(Shadow.class)
              .returnResult()
              .getResponseBody()
              .learnedThreshold();
      assertThat(after).isNotNull().isLessThanOrEqualTo(learned);
      if (after < learned) {
        assertThat(verdicts + 1).isGreaterThanOrEqualTo(59);
        learned = after;
        hit = isHit(lookup("learner", "bounded", paraphrase, "")) == 1;
      }
    }
    assertThat(hit).as("the paraphrase hits once the threshold has widened").isTrue();
    assertThat(learned).isLessThan(0.99);
    // Learned per route, answered per tenant: another tenant's same question does not hit.
    assertMiss(lookup("learner-2", "bounded", paraphrase, ""));

    Hit served =
        lookup("learner", "bounded", paraphrase, "")
            .expectStatus()
            .isOk()
            .expectBody(Hit.class)
            .returnResult()
            .getResponseBody();
    assertThat(served.result()).isEqualTo("hit-semantic");
    // The service remembers the hit's similarity, so the router's report needs only the entry.
    String remembered = ErrorBounds.PREFIX + "hit:learner:bounded:gpt-5-mini:" + served.entryId();
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> Boolean.TRUE.equals(strings.hasKey(remembered).block()));
    Double tightened =
        post(
                "/shadow",
                """
                {"tenant":"learner","route":"bounded","model":"gpt-5-mini","entryId":"%s",
                 "agreed":false}
                """
                    .formatted(served.entryId()))
            .expectStatus()
            .isAccepted()
            .expectBody(Shadow.class)
            .returnResult()
            .getResponseBody()
            .learnedThreshold();
    assertThat(tightened).isGreaterThan(served.similarity());
    assertMiss(lookup("learner", "bounded", paraphrase, ""));
    // Kept in Redis, where a restarted or another replica reads it, with the verdicts behind it.
    assertThat(
            strings
                .<String, String>opsForHash()
                .get(ErrorBounds.stateKey("bounded"), "threshold")
                .block())
        .isEqualTo(Double.toString(tightened));
    assertThat(strings.opsForList().size(ErrorBounds.stateKey("bounded") + ":verdicts").block())
        .isGreaterThanOrEqualTo(60);
    // A replica that starts now uses the learned threshold from its first lookup.
    ErrorBounds restarted =
        new ErrorBounds(
            strings,
            properties,
            new SemanticMetrics(
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), Set.of(), indexes));
    assertThat(restarted.threshold("bounded", properties.policyOf("bounded")).block())
        .isEqualTo(tightened);
  }

  @Test
  void theSemanticMetersDashboardsReadAreExportedBeforeAnyTraffic() {
    awaitRebuilt();
    // No test reports shadow verdicts on "default": its series exist from start, at zero.
    assertThat(prometheus())
        .containsPattern(
            "tokenwise_cache_semantic_false_hit_estimate\\{[^}]*route=\"default\"[^}]*} 0\\.0")
        .containsPattern(
            "tokenwise_cache_semantic_false_hit_upper_bound\\{[^}]*route=\"default\"[^}]*} 1\\.0")
        .containsPattern(
            "tokenwise_cache_semantic_shadow_reports_total\\{[^}]*outcome=\"agree\""
                + "[^}]*route=\"default\"[^}]*} 0\\.0")
        .containsPattern(
            "tokenwise_cache_semantic_shadow_reports_total\\{[^}]*outcome=\"disagree\""
                + "[^}]*route=\"default\"[^}]*} 0\\.0")
        .containsPattern("tokenwise_cache_semantic_index_entries\\{[^}]*} \\d")
        .containsPattern("tokenwise_cache_semantic_index_size_bytes\\{[^}]*} \\d")
        .containsPattern("tokenwise_cache_semantic_guard_refusals_total\\{[^}]*guard=\"numbers\"")
        .containsPattern(
            "tokenwise_cache_semantic_guard_refusals_total\\{[^}]*guard=\"question-word\"");
  }

  @Test
  void expiredEntriesNeverAnswer() {
    awaitRebuilt();
    store(
            "expiry",
            "default",
            chat("How do I tie a bowline knot?"),
            answer("Rabbit."),
            ",\"ttl\":\"PT1S\"")
        .expectStatus()
        .isCreated();
    Awaitility.await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(300))
        .untilAsserted(
            () ->
                assertMiss(lookup("expiry", "default", chat("How can I tie a bowline knot?"), "")));
  }

  @Test
  void anotherReplicaRebuildsFromRedisAndFollowsTheEventStream() {
    awaitRebuilt();
    store("replica", "default", chat("How do I grow basil indoors?"), answer("Sunny window."), "");
    try (SemanticIndexes replica =
        new SemanticIndexes(
            strings,
            entries,
            properties,
            embedder.source().dimension(),
            new PairVerifier(null),
            TestStreamSignatures.as(ServiceTokens.CACHE))) {
      replica.syncOnce().block(Duration.ofSeconds(30));
      assertThat(replica.isRebuilt()).isTrue();
      String segment =
          new dev.tokenwise.cache.namespace.CacheNamespace("replica", "default", "gpt-5-mini")
              .keySegment();
      float[] basil = embedder.embedAllNow(List.of("How do I grow basil indoors?")).get(0);
      assertThat(replica.search(segment, context("How do I grow basil indoors?"), basil, 1))
          .hasSize(1);

      // A store on "this" replica reaches the other one through the stream.
      store("replica", "default", chat("How do I grow mint indoors?"), answer("Pot it."), "");
      float[] mint = embedder.embedAllNow(List.of("How do I grow mint indoors?")).get(0);
      replica.syncOnce().block(Duration.ofSeconds(30));
      assertThat(replica.search(segment, context("How do I grow mint indoors?"), mint, 1))
          .hasSize(1);

      invalidate("{\"tenant\":\"replica\"}").expectStatus().isOk();
      replica.syncOnce().block(Duration.ofSeconds(30));
      assertThat(replica.search(segment, context("How do I grow mint indoors?"), mint, 1))
          .isEmpty();
    }
  }

  /**
   * Whoever holds the Redis password but not the deployment's secret cannot drop or fill another
   * replica's indexes through the event stream: each forged event is skipped and counted, and an
   * event cache-service signed is still followed.
   */
  @Test
  void forgedIndexEventsAreIgnoredAndCounted() {
    awaitRebuilt();
    String question = "How do I repot a fern without hurting it?";
    store("forged", "default", chat(question), answer("Gently, in spring."), "");
    try (SemanticIndexes replica =
        new SemanticIndexes(
            strings,
            entries,
            properties,
            embedder.source().dimension(),
            new PairVerifier(null),
            TestStreamSignatures.as(ServiceTokens.CACHE))) {
      replica.syncOnce().block(Duration.ofSeconds(30));
      String segment =
          new dev.tokenwise.cache.namespace.CacheNamespace("forged", "default", "gpt-5-mini")
              .keySegment();
      float[] fern = embedder.embedAllNow(List.of(question)).get(0);
      assertThat(replica.search(segment, context(question), fern, 1)).hasSize(1);
      long applied = replica.eventsApplied();
      int indexCount = replica.indexCount();

      java.util.Map<String, String> drop =
          java.util.Map.of("type", "drop", "tenant", "forged", "origin", "elsewhere");
      java.util.Map<String, String> changed =
          TestStreamSignatures.sign(
              ServiceTokens.CACHE,
              SemanticIndexes.EVENTS,
              java.util.Map.of("type", "drop", "tenant", "someone-else", "origin", "elsewhere"));
      changed.put("tenant", "forged");
      java.util.Map<String, String> put =
          java.util.Map.of(
              "type", "put",
              "ns", segment + "-planted",
              "id", "planted",
              "ctx", "",
              "exp", String.valueOf(System.currentTimeMillis() + 3_600_000),
              "vec",
                  java.util.Base64.getEncoder().encodeToString(SemanticEntries.vectorBytes(fern)),
              "origin", "elsewhere");
      List<java.util.Map<String, String>> forged =
          List.of(
              drop,
              new dev.tokenwise.common.security.StreamSignatures(
                      "another-deployment-secret-0123456789abcdef", ServiceTokens.CACHE)
                  .sign(SemanticIndexes.EVENTS, drop),
              TestStreamSignatures.sign(ServiceTokens.ROUTER, SemanticIndexes.EVENTS, drop),
              changed,
              put,
              TestStreamSignatures.sign(ServiceTokens.CACHE, "tokenwise:usage-events", drop));
      for (java.util.Map<String, String> event : forged) {
        strings.opsForStream().add(SemanticIndexes.EVENTS, event).block(Duration.ofSeconds(10));
      }
      replica.syncOnce().block(Duration.ofSeconds(30));

      assertThat(replica.eventsRefused()).isEqualTo(forged.size());
      assertThat(
              replica.eventsRefused(
                  dev.tokenwise.common.security.StreamSignatures.Outcome.PRODUCER_NOT_ALLOWED))
          .isEqualTo(1);
      assertThat(
              replica.eventsRefused(dev.tokenwise.common.security.StreamSignatures.Outcome.MISSING))
          .isEqualTo(2);
      assertThat(replica.eventsApplied()).isEqualTo(applied);
      assertThat(replica.indexCount()).isEqualTo(indexCount);
      assertThat(replica.search(segment, context(question), fern, 1)).hasSize(1);
      Awaitility.await()
          .atMost(Duration.ofSeconds(15))
          .until(() -> indexes.eventsRefused() >= forged.size());
      assertThat(indexes.search(segment, context(question), fern, 1)).hasSize(1);
      System.out.printf(
          "cache-service index event adversarial cases: %d, refused: %d%n",
          forged.size(), replica.eventsRefused());

      // the same drop, signed by cache-service, is followed
      strings
          .opsForStream()
          .add(
              SemanticIndexes.EVENTS,
              TestStreamSignatures.sign(ServiceTokens.CACHE, SemanticIndexes.EVENTS, drop))
          .block(Duration.ofSeconds(10));
      replica.syncOnce().block(Duration.ofSeconds(30));
      assertThat(replica.search(segment, context(question), fern, 1)).isEmpty();
    }
  }

  @Test
  void statsDescribeTheIndexesAndTheEmbeddingModel() {
    awaitRebuilt();
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
        .isEqualTo(true)
        .jsonPath("$.semantic.embedding.model")
        .isEqualTo("all-minilm-l6-v2-q")
        .jsonPath("$.semantic.embedding.dimension")
        .isEqualTo(384);
  }

  private String context(String question) {
    try {
      return ChatQuestion.of(
              tools.jackson.databind.json.JsonMapper.builder().build().readTree(chat(question)),
              "",
              "",
              embedder.source().modelId())
          .context();
    } catch (ChatQuestion.NotComparable e) {
      throw new AssertionError(e);
    }
  }

  private void awaitRebuilt() {
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(indexes::isRebuilt);
  }

  private static int isHit(WebTestClient.ResponseSpec response) {
    String body =
        response.expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
    return body.contains("\"hit-") ? 1 : 0;
  }

  private static void assertMiss(WebTestClient.ResponseSpec response) {
    response.expectStatus().isOk().expectBody().jsonPath("$.result").isEqualTo("miss");
  }

  private static String semanticId(WebTestClient.ResponseSpec stored) {
    return stored
        .expectStatus()
        .isCreated()
        .expectBody(Stored.class)
        .returnResult()
        .getResponseBody()
        .semanticEntryId();
  }

  private WebTestClient.ResponseSpec store(
      String tenant, String route, String request, String response, String extra) {
    return post(
        "/store",
        """
        {"tenant":"%s","route":"%s","model":"gpt-5-mini","request":%s,"response":%s%s}
        """
            .formatted(tenant, route, request, response, extra));
  }

  private WebTestClient.ResponseSpec lookup(
      String tenant, String route, String request, String extra) {
    return lookupIn(tenant, route, "gpt-5-mini", request, extra);
  }

  private WebTestClient.ResponseSpec lookupIn(
      String tenant, String route, String model, String request, String extra) {
    return post(
        "/lookup",
        """
        {"tenant":"%s","route":"%s","model":"%s","request":%s%s}
        """
            .formatted(tenant, route, model, request, extra));
  }

  private WebTestClient.ResponseSpec invalidate(String body) {
    return post("/invalidate", body);
  }

  private WebTestClient.ResponseSpec report(String tenant, String route, boolean agreed) {
    return report(tenant, route, "", agreed);
  }

  private WebTestClient.ResponseSpec report(
      String tenant, String route, String extra, boolean agreed) {
    return post(
        "/shadow",
        """
        {"tenant":"%s","route":"%s","model":"gpt-5-mini","agreed":%s%s}
        """
            .formatted(tenant, route, agreed, extra));
  }

  private WebTestClient.ResponseSpec post(String path, String body) {
    return InternalApi.post(client, path, body);
  }

  private String prometheus() {
    return InternalApi.prometheus(client);
  }

  private static String chat(String question) {
    return InternalApi.chat(question);
  }

  private static String chat(String system, String question) {
    return """
        {"model":"gpt-5-mini","messages":[{"role":"system","content":"%s"},
         {"role":"user","content":"%s"}]}
        """
        .formatted(system, question)
        .strip();
  }

  record Stored(String entryId, String semanticEntryId) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Shadow(Double falseHitEstimate, Double learnedThreshold) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Hit(String result, String entryId, double similarity) {}
}
