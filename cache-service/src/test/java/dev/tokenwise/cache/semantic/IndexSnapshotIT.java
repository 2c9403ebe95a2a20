package dev.tokenwise.cache.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.cache.CacheApplication;
import dev.tokenwise.cache.embedding.BatchingEmbedder;
import dev.tokenwise.cache.namespace.CacheNamespace;
import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestServiceTokens;
import dev.tokenwise.common.testsupport.TestStreamSignatures;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * Fast restart: a replica restores its indexes from the snapshot in Redis instead of rebuilding,
 * and a snapshot it cannot trust (corrupt, or older than the event stream remembers) is not used.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "tokenwise.cache.exact.lookup-timeout=5s",
      "tokenwise.cache.exact.store-timeout=5s",
      "tokenwise.cache.semantic.lookup-timeout=10s",
      "tokenwise.cache.semantic.store-timeout=10s",
      "tokenwise.cache.semantic.sync-interval=100ms",
      // no periodic snapshots: each test writes the one it needs
      "tokenwise.cache.semantic.snapshot-interval=1h"
    })
@AutoConfigureWebTestClient(timeout = "30s")
@RealServers(postgres = false)
class IndexSnapshotIT {

  private static final String QUESTION = "How do I descale a kettle?";
  private static final String PARAPHRASE = "How can I descale a kettle?";

  @Autowired WebTestClient client;
  @Autowired Environment environment;
  @Autowired ReactiveStringRedisTemplate strings;
  @Autowired SemanticEntries entries;
  @Autowired SemanticCacheProperties properties;
  @Autowired BatchingEmbedder embedder;
  @Autowired SemanticIndexes indexes;

  @Test
  void aRestartedServiceAnswersFromItsRestoredIndexWithoutRebuilding() {
    awaitRebuilt(indexes);
    String entryId = store(client, "restart", QUESTION);
    indexes.writeSnapshot().block(Duration.ofSeconds(30));

    try (ConfigurableApplicationContext restarted =
        anotherService(
            "--tokenwise.cache.semantic.lookup-timeout=10s",
            "--tokenwise.cache.exact.lookup-timeout=5s")) {
      SemanticIndexes restartedIndexes = restarted.getBean(SemanticIndexes.class);
      awaitRebuilt(restartedIndexes);
      WebTestClient other = clientOf(restarted);

      // No entry was read to build a graph: the index came from the snapshot.
      assertThat(restartedIndexes.isRestoredFromSnapshot()).isTrue();
      assertThat(restartedIndexes.rebuildScanned()).isZero();
      lookup(other, "restart", PARAPHRASE)
          .expectStatus()
          .isOk()
          .expectBody()
          .jsonPath("$.result")
          .isEqualTo("hit-semantic")
          .jsonPath("$.entryId")
          .isEqualTo(entryId);
    }
  }

  /**
   * A service stopped the usual way (SIGTERM, {@code context.close()}) writes its indexes' snapshot
   * on the way down, through a Redis connection that is still open.
   */
  @Test
  void aStoppingServiceWritesItsSnapshotBeforeItsRedisConnectionCloses() {
    String segment = new CacheNamespace("shutdown", "default", "gpt-5-mini").keySegment();
    ConfigurableApplicationContext stopping =
        anotherService(
            "--tokenwise.cache.semantic.store-timeout=10s",
            "--tokenwise.cache.semantic.snapshot-interval=1h");
    try {
      SemanticIndexes stoppingIndexes = stopping.getBean(SemanticIndexes.class);
      awaitRebuilt(stoppingIndexes);
      store(clientOf(stopping), "shutdown", QUESTION);
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  !stoppingIndexes
                      .search(segment, context(QUESTION), vector(QUESTION), 1)
                      .isEmpty());
      strings.delete(IndexSnapshots.MANIFEST).block();
    } finally {
      stopping.close();
    }

    IndexSnapshots.Snapshot written =
        new IndexSnapshots(entries.redis())
            .read(embedder.source().modelId(), embedder.source().dimension())
            .block(Duration.ofSeconds(30));
    assertThat(written).isNotNull();
    assertThat(written.blobs()).containsKey(segment);
  }

  @Test
  void aCorruptSnapshotIsNotUsedAndTheReplicaRebuilds() {
    awaitRebuilt(indexes);
    store(client, "corrupt", QUESTION);
    indexes.writeSnapshot().block(Duration.ofSeconds(30));
    String generation =
        strings.<String, String>opsForHash().get(IndexSnapshots.MANIFEST, "gen").block();
    String segment = new CacheNamespace("corrupt", "default", "gpt-5-mini").keySegment();
    byte[] stored =
        entries.redis().opsForValue().get(IndexSnapshots.blobKey(generation, segment)).block();
    stored[stored.length / 2] ^= 0x5a;
    entries.redis().opsForValue().set(IndexSnapshots.blobKey(generation, segment), stored).block();

    try (SemanticIndexes replica = replica()) {
      replica.syncOnce().block(Duration.ofSeconds(60));

      assertThat(replica.isRebuilt()).isTrue();
      assertThat(replica.isRestoredFromSnapshot()).isFalse();
      assertThat(replica.rebuildScanned()).isPositive();
      assertThat(replica.search(segment, context(QUESTION), vector(QUESTION), 1)).hasSize(1);
    }
  }

  @Test
  void aSnapshotOlderThanTheEventStreamRemembersIsNotUsed() {
    awaitRebuilt(indexes);
    store(client, "stale", QUESTION);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !"0-0".equals(lastEvent()));
    indexes.writeSnapshot().block(Duration.ofSeconds(30));
    // Events after the snapshot were trimmed away (a replica down for longer than the stream
    // keeps): whatever they said is unknown, so the snapshot cannot be caught up.
    strings.opsForStream().trim(SemanticIndexes.EVENTS, 0).block();
    store(client, "stale", "How do I clean a cast iron pan?");

    try (SemanticIndexes replica = replica()) {
      replica.syncOnce().block(Duration.ofSeconds(60));

      assertThat(replica.isRestoredFromSnapshot()).isFalse();
      assertThat(replica.rebuildScanned()).isPositive();
      String segment = new CacheNamespace("stale", "default", "gpt-5-mini").keySegment();
      String pan = "How do I clean a cast iron pan?";
      assertThat(replica.search(segment, context(pan), vector(pan), 1)).hasSize(1);
    }
  }

  /** A second cache-service on the test's Redis, with {@code settings} added to its arguments. */
  private ConfigurableApplicationContext anotherService(String... settings) {
    List<String> args = new java.util.ArrayList<>();
    args.add("--server.port=0");
    args.add("--spring.data.redis.host=" + environment.getProperty("spring.data.redis.host"));
    args.add("--spring.data.redis.port=" + environment.getProperty("spring.data.redis.port"));
    args.add("--tokenwise.cache.semantic.sync-interval=100ms");
    args.addAll(List.of(settings));
    return new SpringApplicationBuilder(CacheApplication.class).run(args.toArray(String[]::new));
  }

  private static WebTestClient clientOf(ConfigurableApplicationContext service) {
    return WebTestClient.bindToServer()
        .baseUrl("http://localhost:" + service.getEnvironment().getProperty("local.server.port"))
        .responseTimeout(Duration.ofSeconds(30))
        .build();
  }

  private String lastEvent() {
    return strings
        .opsForStream()
        .reverseRange(
            SemanticIndexes.EVENTS,
            org.springframework.data.domain.Range.unbounded(),
            org.springframework.data.redis.connection.Limit.limit().count(1))
        .next()
        .map(record -> record.getId().getValue())
        .defaultIfEmpty("0-0")
        .block();
  }

  private SemanticIndexes replica() {
    return new SemanticIndexes(
        strings,
        entries,
        properties,
        embedder.source().dimension(),
        new PairVerifier(null),
        TestStreamSignatures.as(ServiceTokens.CACHE),
        new IndexSnapshots(entries.redis()),
        embedder.source().modelId());
  }

  private static void awaitRebuilt(SemanticIndexes indexes) {
    Awaitility.await().atMost(Duration.ofSeconds(120)).until(indexes::isRebuilt);
  }

  private float[] vector(String question) {
    return embedder.embedAllNow(List.of(question)).get(0);
  }

  private String context(String question) {
    try {
      return ChatQuestion.of(
              JsonMapper.builder().build().readTree(chat(question)),
              "",
              "",
              embedder.source().modelId())
          .context();
    } catch (ChatQuestion.NotComparable e) {
      throw new AssertionError(e);
    }
  }

  private static String store(WebTestClient client, String tenant, String question) {
    byte[] body =
        client
            .post()
            .uri("/internal/cache/store")
            .header(
                ServiceTokens.HEADER,
                TestServiceTokens.token(ServiceTokens.ROUTER, ServiceTokens.CACHE, tenant))
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(
                """
                {"tenant":"%s","route":"default","model":"gpt-5-mini","request":%s,
                 "response":{"id":"c","object":"chat.completion","choices":[{"index":0,
                  "message":{"role":"assistant","content":"Vinegar."},"finish_reason":"stop"}]}}
                """
                    .formatted(tenant, chat(question)))
            .exchange()
            .expectStatus()
            .isCreated()
            .expectBody()
            .returnResult()
            .getResponseBody();
    return JsonMapper.builder().build().readTree(body).path("semanticEntryId").asString();
  }

  private static WebTestClient.ResponseSpec lookup(
      WebTestClient client, String tenant, String question) {
    return client
        .post()
        .uri("/internal/cache/lookup")
        .header(
            ServiceTokens.HEADER,
            TestServiceTokens.token(ServiceTokens.ROUTER, ServiceTokens.CACHE, tenant))
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            """
            {"tenant":"%s","route":"default","model":"gpt-5-mini","request":%s}
            """
                .formatted(tenant, chat(question)))
        .exchange();
  }

  private static String chat(String question) {
    return """
        {"model":"gpt-5-mini","messages":[{"role":"user","content":"%s"}]}
        """
        .formatted(question);
  }
}
