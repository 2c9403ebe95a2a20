package dev.tokenwise.batch.flow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.batch.cache.CacheStores;
import dev.tokenwise.common.testsupport.RealServers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Deferred requests and cache-service (a stub over real HTTP; real PostgreSQL and Redis): what the
 * cache holds is answered from it before submission and never sent to the provider, batch answers
 * are stored for later identical requests, and a failing or hanging cache-service changes nothing
 * but the savings.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers
class CacheIT extends BatchTestSupport {

  static final StubCacheService cache;

  static {
    try {
      cache = new StubCacheService();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @DynamicPropertySource
  static void cacheProperties(DynamicPropertyRegistry registry) {
    registry.add("tokenwise.batch.cache.enabled", () -> "true");
    registry.add("tokenwise.batch.cache.base-url", cache::baseUrl);
    registry.add("tokenwise.batch.cache.timeout", () -> "500ms");
  }

  @Autowired CacheStores cacheStores;

  @AfterEach
  void resetCache() {
    cache.reset();
  }

  @Test
  void whatTheCacheHoldsIsAnsweredFromItAndNeverSubmitted() {
    ObjectNode cachedOpenAi = deferred("openai", "openai", "Already answered");
    cachedOpenAi.put("webhookUrl", provider.baseUrl() + "/hooks");
    // the router's cache policy for the route travels with the request and keys the lookup
    cachedOpenAi
        .putObject("cachePolicy")
        .put("semantic", true)
        .put("templateVersion", "tpl-1")
        .put("normalizeWhitespace", true);
    // the router's attribution travels too, into the usage events (hashes, as the router sends)
    String user = "ab".repeat(32);
    String conversation = "cd".repeat(32);
    cachedOpenAi.put("user", user).put("conversation", conversation);
    cache.put("acme", "default", "gpt-5-mini", cachedOpenAi.get("body"), completion("From cache"));
    ObjectNode cachedClaude = deferred("anthropic", "openai", "Also answered");
    cache.put(
        "acme",
        "default",
        "claude-sonnet-4-5",
        cachedClaude.get("body"),
        completion("Claude from cache"));
    String a = submit(cachedOpenAi);
    ObjectNode notYet = deferred("openai", "openai", "Not answered yet");
    notYet.put("user", user).put("conversation", conversation);
    String b = submit(notYet);
    String c = submit(cachedClaude);
    String d = submit(deferred("anthropic", "anthropic", "An Anthropic-format client"));

    assembler.runOnce(true);

    assertThat(job(a).path("status").asString()).isEqualTo("succeeded");
    assertThat(job(a).path("answeredBy").asString()).isEqualTo("cache");
    assertThat(job(a).at("/result/choices/0/message/content").asString()).isEqualTo("From cache");
    assertThat(job(c).path("answeredBy").asString()).isEqualTo("cache");
    assertThat(job(c).at("/result/choices/0/message/content").asString())
        .isEqualTo("Claude from cache");
    assertThat(job(b).path("status").asString()).isEqualTo("in_progress");
    assertThat(job(d).path("status").asString()).isEqualTo("in_progress");
    assertThat(provider.openAiBatchLines).hasSize(1);
    assertThat(provider.openAiBatchLines.get(0)).hasSize(1);
    assertThat(provider.anthropicBatchLines).hasSize(1);
    assertThat(provider.anthropicBatchLines.get(0)).hasSize(1);
    // the three OpenAI-format requests were asked for, as the router's sync path would key them
    assertThat(cache.lookups).hasSize(3);
    assertThat(cache.lookups)
        .allSatisfy(
            l -> {
              assertThat(l.path("tenant").asString()).isEqualTo("acme");
              assertThat(l.path("route").asString()).isEqualTo("default");
              assertThat(l.at("/policy/semantic").asBoolean(true)).isFalse();
              assertThat(l.at("/request/messages/0/content").isString()).isTrue();
            });
    JsonNode withPolicy =
        cache.lookups.stream()
            .filter(l -> l.at("/request/messages/0/content").asString().equals("Already answered"))
            .findFirst()
            .orElseThrow();
    assertThat(withPolicy.at("/policy/templateVersion").asString()).isEqualTo("tpl-1");
    assertThat(withPolicy.at("/policy/normalizeWhitespace").asBoolean()).isTrue();

    collector.runOnce(true);
    usage.publishPending();
    webhooks.deliverDue();

    List<JsonNode> events = usageEvents();
    assertThat(events).hasSize(4);
    assertThat(events)
        .filteredOn(e -> e.path("mode").asString().equals("cache-exact"))
        .hasSize(2)
        .allSatisfy(
            e -> {
              assertThat(e.path("inputTokens").asLong()).isEqualTo(11);
              assertThat(e.path("outputTokens").asLong()).isEqualTo(3);
            });
    assertThat(events).filteredOn(e -> e.path("mode").asString().equals("batch")).hasSize(2);
    assertThat(events)
        .filteredOn(e -> e.path("requestId").asString().equals(a))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.path("mode").asString()).isEqualTo("cache-exact");
              assertThat(e.path("endUser").asString()).isEqualTo(user);
              assertThat(e.path("conversationId").asString()).isEqualTo(conversation);
            });
    assertThat(events)
        .filteredOn(e -> e.path("requestId").asString().equals(b))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.path("mode").asString()).isEqualTo("batch");
              assertThat(e.path("endUser").asString()).isEqualTo(user);
              assertThat(e.path("conversationId").asString()).isEqualTo(conversation);
            });
    assertThat(events)
        .filteredOn(e -> !e.path("requestId").asString().equals(a))
        .filteredOn(e -> !e.path("requestId").asString().equals(b))
        .allSatisfy(e -> assertThat(e.has("conversationId")).isFalse());
    assertThat(provider.hooks).hasSize(1);
    assertThat(json.readTree(provider.hooks.get(0).body()).path("id").asString()).isEqualTo(a);
    assertThat(job(a).path("webhook").asString()).isEqualTo("delivered");
  }

  @Test
  void batchAnswersAreStoredSoALaterIdenticalRequestHits() {
    submit(deferred("openai", "openai", "Ask once"));
    submit(deferred("anthropic", "openai", "Ask Claude once"));
    submit(deferred("anthropic", "anthropic", "Anthropic client, not cached"));
    runAll();

    assertThat(cacheStores.storePending()).isEqualTo(2);
    assertThat(cache.stores).hasSize(2);
    JsonNode stored =
        cache.stores.stream()
            .filter(s -> s.path("model").asString().equals("gpt-5-mini"))
            .findFirst()
            .orElseThrow();
    assertThat(stored.path("tenant").asString()).isEqualTo("acme");
    assertThat(stored.path("route").asString()).isEqualTo("default");
    assertThat(stored.at("/request/messages/0/content").asString()).isEqualTo("Ask once");
    assertThat(stored.at("/response/object").asString()).isEqualTo("chat.completion");
    // keyed like the router's own stores: the snapshot that answered is the model version
    assertThat(stored.at("/policy/modelVersion").asString()).isEqualTo("gpt-5-mini-2025-08-07");
    JsonNode claude =
        cache.stores.stream()
            .filter(s -> s.path("model").asString().equals("claude-sonnet-4-5"))
            .findFirst()
            .orElseThrow();
    // the OpenAI request and answer the client sees, not the Anthropic ones the batch carried
    assertThat(claude.at("/request/messages/0/content").asString()).isEqualTo("Ask Claude once");
    assertThat(claude.at("/response/choices/0/message/content").asString())
        .isEqualTo("Answer to: Ask Claude once");
    assertThat(cacheStores.storePending()).isZero();

    String again = submit(deferred("openai", "openai", "Ask once"));
    assembler.runOnce(true);

    assertThat(job(again).path("answeredBy").asString()).isEqualTo("cache");
    assertThat(cache.lookups.get(cache.lookups.size() - 1).at("/policy/modelVersion").asString())
        .isEqualTo("gpt-5-mini-2025-08-07");
    assertThat(job(again).at("/result/choices/0/message/content").asString())
        .isEqualTo("Answer to: Ask once");
    assertThat(provider.openAiBatchLines).hasSize(1);
  }

  @Test
  void aFailingOrHangingCacheServiceIsBypassed() {
    cache.mode = StubCacheService.Mode.FAILING;
    String failing = submit(deferred("openai", "openai", "Cache is failing"));
    assembler.runOnce(true);
    assertThat(job(failing).path("status").asString()).isEqualTo("in_progress");

    cache.mode = StubCacheService.Mode.HANGING;
    String hanging = submit(deferred("openai", "openai", "Cache is hanging"));
    assembler.runOnce(true);
    assertThat(job(hanging).path("status").asString()).isEqualTo("in_progress");
    assertThat(provider.openAiBatchLines).hasSize(2);
    cache.release();

    cache.mode = StubCacheService.Mode.FAILING;
    collector.runOnce(true);
    assertThat(job(failing).path("status").asString()).isEqualTo("succeeded");
    // the answers wait while cache-service is down and are offered again once it is back
    assertThat(cacheStores.storePending()).isZero();
    cache.mode = StubCacheService.Mode.UP;
    assertThat(cacheStores.storePending()).isEqualTo(2);
  }

  @Test
  void aCachePolicyThatIsNotAnObjectIsRefused() {
    ObjectNode submission = deferred("openai", "openai", "Bad policy");
    submission.put("cachePolicy", "semantic");
    var answer =
        http()
            .post()
            .uri("/internal/deferred")
            .contentType(org.springframework.http.MediaType.APPLICATION_JSON)
            .body(submission.toString())
            .retrieve()
            .toEntity(String.class);
    assertThat(answer.getStatusCode().value()).isEqualTo(400);
    assertThat(json.readTree(answer.getBody()).path("field").asString()).isEqualTo("cachePolicy");
    assertThat(count("select count(*) from batch.deferred_request")).isZero();
  }

  private ObjectNode completion(String content) {
    ObjectNode completion = json.createObjectNode();
    completion.put("id", "chatcmpl-cached");
    completion.put("object", "chat.completion");
    completion.put("created", 1_764_000_000L);
    completion.put("model", "gpt-5-mini-2025-08-07");
    ObjectNode choice = completion.putArray("choices").addObject();
    choice.put("index", 0);
    choice.putObject("message").put("role", "assistant").put("content", content);
    choice.put("finish_reason", "stop");
    completion
        .putObject("usage")
        .put("prompt_tokens", 11)
        .put("completion_tokens", 3)
        .put("total_tokens", 14);
    return completion;
  }
}
