package dev.tokenwise.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenwise.common.pricing.CostBreakdown;
import dev.tokenwise.common.pricing.CostCalculator;
import dev.tokenwise.common.pricing.PriceCatalogs;
import dev.tokenwise.common.usage.UsageEvent;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The suite as a user runs it: the launcher's {@link Suite} on free ports, real Redis and
 * PostgreSQL, the simulator as the provider, and requests over HTTP to the router.
 */
class EndToEndIT {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String CHAT_ENDPOINT = "POST /v1/chat/completions";
  private static final int MAX_BODY_BYTES = 4 * 1024 * 1024;

  private static final Instant SUITE_STARTED = Instant.now();

  private static Suite suite;
  private static HttpClient http;

  @BeforeAll
  static void startSuite() throws Exception {
    suite =
        new Suite(
            TestSuites.simulatorOnly("e2e")
                // The cache fails open after a short timeout (500 ms by default); on a loaded CI
                // machine a lookup can take longer, and this test is about hits, not about load.
                .withProperty(Service.ROUTER, "tokenwise.router.cache.timeout", "10s")
                .withProgress(line -> System.out.println("[suite] " + line)));
    suite.start();
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    warmUp();
  }

  /**
   * One request through every service before the tests. On a cold suite the router's first cache
   * lookup can outlast its short timeout and be answered {@code bypass}, as the cache fails open;
   * the tests are about a warm suite. Its usage event is awaited so that the summaries the tests
   * compare start from a settled state.
   */
  private static void warmUp() throws Exception {
    HttpResponse<String> response =
        chat(demoKey(), chatRequest("Warm up. (" + UUID.randomUUID() + ")"));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(EndToEndIT::usageSummary, s -> count(s, "requests") >= 1);
  }

  @AfterAll
  static void stopSuiteLeavingNothingBehind() {
    if (suite == null) {
      return;
    }
    // The child JVMs and redis-server are our descendants; postgres detaches, so probe its port.
    List<ProcessHandle> started = ProcessHandle.current().descendants().toList();
    suite.stop();

    assertThat(started).as("processes left after stop()").noneMatch(ProcessHandle::isAlive);
    for (Service service : Service.values()) {
      assertThat(answers(suite.url(service).getPort())).as(service + " still answers").isFalse();
    }
    assertThat(answers(suite.redisPort())).as("Redis still answers").isFalse();
    assertThat(answers(suite.postgresPort())).as("PostgreSQL still answers").isFalse();
  }

  private static boolean answers(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("localhost", port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void aRepeatedRequestIsAnsweredFromTheCacheWithoutAProviderCall() throws Exception {
    awaitBackgroundCacheStores();
    JsonNode before = usageSummary();
    long providerCallsBefore = providerChatCalls();
    long cacheEntriesBefore = exactCacheEntries();
    String body = chatRequest("Name three rivers in Europe. (" + UUID.randomUUID() + ")");

    HttpResponse<String> first = chat(demoKey(), body);

    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    assertThat(first.headers().firstValue("Tokenwise-Cache")).hasValue("miss");
    JsonNode answer = JSON.readTree(first.body());
    assertThat(answer.path("object").asString()).isEqualTo("chat.completion");
    String content = answer.path("choices").path(0).path("message").path("content").asString();
    assertThat(content).isNotBlank();
    assertThat(providerChatCalls()).isEqualTo(providerCallsBefore + 1);
    // The router stores the answer in the background, after answering.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(EndToEndIT::exactCacheEntries, entries -> entries == cacheEntriesBefore + 1);

    HttpResponse<String> second = chat(demoKey(), body);

    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    assertThat(second.headers().firstValue("Tokenwise-Cache")).hasValue("hit-exact");
    assertThat(second.headers().firstValue("Tokenwise-Cost-USD"))
        .hasValueSatisfying(cost -> assertThat(new BigDecimal(cost)).isZero());
    JsonNode cached = JSON.readTree(second.body());
    assertThat(cached.path("choices").path(0).path("message").path("content").asString())
        .isEqualTo(content);
    assertThat(providerChatCalls())
        .as("no provider call for a cache hit")
        .isEqualTo(providerCallsBefore + 1);

    JsonNode after =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                EndToEndIT::usageSummary,
                s -> count(s, "requests") >= count(before, "requests") + 2);
    assertThat(count(after, "requests")).isEqualTo(count(before, "requests") + 2);
    JsonNode usage = answer.path("usage");
    assertThat(count(after, "inputTokens") - count(before, "inputTokens"))
        .isEqualTo(2 * usage.path("prompt_tokens").asLong());
    assertThat(count(after, "outputTokens") - count(before, "outputTokens"))
        .isEqualTo(2 * usage.path("completion_tokens").asLong());

    // Expected money from common's catalog and calculator, applied to the usage the answer
    // reported.
    CostBreakdown missCost = price(usageEvent(UsageEvent.Mode.SYNC, answer));
    CostBreakdown hitCost = price(usageEvent(UsageEvent.Mode.CACHE_EXACT, answer));
    assertThat(missCost.actual()).isPositive();
    assertThat(hitCost.baseline())
        .as("a hit's baseline is the full price")
        .isEqualByComparingTo(missCost.baseline());
    assertThat(first.headers().firstValue("Tokenwise-Cost-USD"))
        .hasValueSatisfying(
            cost -> assertThat(new BigDecimal(cost)).isEqualByComparingTo(missCost.actual()));
    assertThat(added(before, after, "costUsd"))
        .as("the hit costs nothing: the total is the miss's cost")
        .isEqualByComparingTo(missCost.actual());
    assertThat(added(before, after, "baselineUsd"))
        .isEqualByComparingTo(missCost.baseline().add(hitCost.baseline()));
    assertThat(added(before, after, "savingsUsd"))
        .as("the hit saved its whole baseline")
        .isEqualByComparingTo(
            missCost.baseline().subtract(missCost.actual()).add(hitCost.baseline()));
  }

  private static UsageEvent usageEvent(UsageEvent.Mode mode, JsonNode answer) {
    JsonNode usage = answer.path("usage");
    return new UsageEvent(
        UsageEvent.SCHEMA_VERSION,
        UUID.randomUUID(),
        Instant.now(),
        null,
        "demo",
        "demo-app",
        null,
        null,
        "default",
        "gpt-5-mini",
        answer.path("model").asString(),
        "openai",
        mode,
        usage.path("prompt_tokens").asLong(),
        usage.path("prompt_tokens_details").path("cached_tokens").asLong(0),
        null,
        usage.path("completion_tokens").asLong(),
        usage.path("completion_tokens_details").path("reasoning_tokens").asLong(0),
        null,
        null,
        0,
        UsageEvent.Status.OK,
        "stop");
  }

  private static CostBreakdown price(UsageEvent event) {
    PriceCatalogs catalogs = PriceCatalogs.bundled();
    return CostCalculator.price(event, catalogs.forEvent(event).orElseThrow());
  }

  /** How much a money field of the summary grew. */
  private static BigDecimal added(JsonNode before, JsonNode after, String field) {
    return new BigDecimal(after.path(field).asString())
        .subtract(new BigDecimal(before.path(field).asString()));
  }

  private static long count(JsonNode summary, String field) {
    return summary.path(field).asLong();
  }

  @Test
  void modelRoutingAnswersOutOfTheBox() throws Exception {
    for (String alias : List.of("tokenwise/auto", "tokenwise/fast", "tokenwise/smart")) {
      String body =
          JSON.writeValueAsString(
              Map.of(
                  "model",
                  alias,
                  "messages",
                  List.of(
                      Map.of("role", "user", "content", "Say hi. (" + UUID.randomUUID() + ")"))));

      HttpResponse<String> response = chat(demoKey(), body);

      assertThat(response.statusCode()).as(alias + ": " + response.body()).isEqualTo(200);
      assertThat(response.headers().firstValue("Tokenwise-Route")).hasValue("auto");
      assertThat(response.headers().firstValue("Tokenwise-Model").orElseThrow())
          .as(alias)
          .isIn("gpt-5-nano", "gpt-5");
      assertThat(response.headers().firstValue("Tokenwise-Tier").orElseThrow())
          .as(alias)
          .startsWith(
              switch (alias) {
                case "tokenwise/fast" -> "0 (alias-fast)";
                case "tokenwise/smart" -> "1 (alias-smart)";
                default -> "";
              });
    }
  }

  @Test
  void badInputGetsAnOpenAiErrorAndChangesNothing() throws Exception {
    awaitBackgroundCacheStores();
    JsonNode before = usageSummary();
    long providerCallsBefore = providerChatCalls();
    long cacheEntriesBefore = exactCacheEntries();

    assertError(chat(demoKey(), "{\"model\": \"gpt-5-mini\", \"messages\": ["), 400, null);
    assertError(
        chat(demoKey(), "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), 400, "model");
    assertError(chat(demoKey(), "{\"model\":\"gpt-5-mini\"}"), 400, "messages");
    assertError(chat(demoKey(), "{\"model\":\"gpt-5-mini\",\"messages\":\"hi\"}"), 400, "messages");
    assertError(
        chat(
            demoKey(),
            "{\"model\":\"gpt-5-mini\",\"temperature\":\"warm\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
        400,
        "temperature");
    assertError(chat("tw-demo-not-a-key", chatRequest("hello")), 401, null);
    assertError(chat(demoKey(), oversizeRequest()), 413, null);

    assertThat(providerChatCalls())
        .as("no provider call for bad input")
        .isEqualTo(providerCallsBefore);
    assertThat(exactCacheEntries())
        .as("nothing cached for bad input")
        .isEqualTo(cacheEntriesBefore);

    // A good request afterwards: once its event is counted, any event from the bad ones would be.
    HttpResponse<String> good =
        chat(demoKey(), chatRequest("Say yes. (" + UUID.randomUUID() + ")"));
    assertThat(good.statusCode()).as(good.body()).isEqualTo(200);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(EndToEndIT::usageSummary, s -> count(s, "requests") > count(before, "requests"));
    assertThat(count(usageSummary(), "requests"))
        .as("usage events: only the good request's")
        .isEqualTo(count(before, "requests") + 1);
  }

  private static void assertError(HttpResponse<String> response, int status, String field) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    JsonNode error = JSON.readTree(response.body()).path("error");
    assertThat(error.isObject()).as("OpenAI error envelope: " + response.body()).isTrue();
    assertThat(error.path("message").asString()).isNotBlank();
    assertThat(error.path("type").asString()).isNotBlank();
    assertThat(error.has("param")).as("param key present").isTrue();
    assertThat(error.has("code")).as("code key present").isTrue();
    if (field != null) {
      assertThat(error.path("message").asString()).contains(field);
      assertThat(error.path("param").asString()).isEqualTo(field);
    }
  }

  private static String demoKey() {
    return suite.demoTenants().get(0).virtualKey();
  }

  private static String chatRequest(String prompt) {
    ObjectNode request = JSON.createObjectNode();
    request.put("model", "gpt-5-mini");
    request.putArray("messages").addObject().put("role", "user").put("content", prompt);
    return JSON.writeValueAsString(request);
  }

  private static String oversizeRequest() {
    return chatRequest("a".repeat(MAX_BODY_BYTES + 1024));
  }

  private static HttpResponse<String> chat(String virtualKey, String body)
      throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(suite.routerUrl().resolve("/v1/chat/completions"))
            .timeout(Duration.ofSeconds(60))
            .header("Authorization", "Bearer " + virtualKey)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static long providerChatCalls() throws IOException, InterruptedException {
    JsonNode stats = getJson(suite.url(Service.PROVIDER_SIMULATOR).resolve("/simulator/stats"));
    return stats.path("endpoints").path(CHAT_ENDPOINT).asLong(0);
  }

  /**
   * All usage so far. cost-service reports whole hours (it reads hourly rollups), so each test
   * compares the summary before and after its own requests; the tests run one after another.
   */
  private static JsonNode usageSummary() throws IOException, InterruptedException {
    Instant from = SUITE_STARTED.minus(Duration.ofHours(1));
    Instant to = Instant.now().plus(Duration.ofHours(1));
    return getJson(
        suite.url(Service.COST).resolve("/api/usage/summary?from=" + from + "&to=" + to),
        "Bearer " + suite.adminToken());
  }

  /**
   * Answers given by earlier tests are stored in the background; a test that counts cache entries
   * lets those stores land first, or one landing later would be counted as its own.
   */
  private static void awaitBackgroundCacheStores() {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(EndToEndIT::routerCacheStoresInFlight, inFlight -> inFlight == 0);
  }

  /** The router's background cache stores not yet answered by cache-service. */
  private static long routerCacheStoresInFlight() throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(suite.routerUrl().resolve("/actuator/prometheus"))
                .timeout(Duration.ofSeconds(10))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    Matcher gauge =
        Pattern.compile(
                "^tokenwise_router_cache_stores_in_flight(?:\\{[^}]*\\})? (\\S+)$",
                Pattern.MULTILINE)
            .matcher(response.body());
    assertThat(gauge.find()).as("tokenwise_router_cache_stores_in_flight exported").isTrue();
    return (long) Double.parseDouble(gauge.group(1));
  }

  private static long exactCacheEntries() {
    try (Jedis redis = new Jedis("localhost", suite.redisPort())) {
      return redis.keys("tokenwise:cache:exact:*").size();
    }
  }

  private static JsonNode getJson(URI uri) throws IOException, InterruptedException {
    return getJson(uri, null);
  }

  private static JsonNode getJson(URI uri, String authorization)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET();
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(uri + " -> " + response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }
}
