package dev.tokenwise.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenwise.common.security.ServiceTokens;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Issue 5, "Visible on one machine": the suite as the launcher starts it, with the router's default
 * configuration (the default route asks for the semantic cache), the real cache-service with its
 * bundled MiniLM model, and the simulator as the provider. A paraphrase is answered from cache for
 * the tenant that asked first and for no other; a changed number, or the client's {@code
 * Cache-Control: no-store}, is not; a streamed request answered from cache is a well-formed event
 * stream; a route with a shadow rate has its semantic hits checked against the model; a route with
 * a gray zone, configured on the router only, has its near misses queued for promotion.
 */
class SemanticCacheIT {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String CHAT_ENDPOINT = "POST /v1/chat/completions";

  /** Each question's pairs were checked against MiniLM and cache-service's guards. */
  private static final String QUESTION =
      "What is the recommended daily water intake for an adult who weighs 70 kilograms?";

  /** Cosine 0.98 to {@link #QUESTION}; no guard objects. */
  private static final String PARAPHRASE =
      "What is the recommended daily water intake of an adult weighing 70 kilograms?";

  /** Cosine 0.98 to {@link #QUESTION}, no guard objects; asked streamed. */
  private static final String STREAMED_PARAPHRASE =
      "What's the recommended daily water intake for adults who weigh 70 kilograms?";

  /** Cosine 0.97 to {@link #QUESTION}, above the threshold; the numbers guard refuses it. */
  private static final String OTHER_NUMBER =
      "What is the recommended daily water intake for an adult who weighs 80 kilograms?";

  /** A route of its own, named by header, whose every semantic hit is shadow-checked. */
  private static final String SHADOWED_ROUTE = "shadowed";

  /**
   * A route of its own whose policy, configured on the router only, puts {@link #PARAPHRASE}
   * (cosine 0.98) below its threshold (0.99) but inside its gray zone (0.05 wide): a miss, queued
   * for promotion. cache-service configures nothing for it, so what it does comes from the router.
   */
  private static final String GRAY_ROUTE = "gray";

  /** The suite's service secret, so this test can ask cache-service directly as the router. */
  private static final String SERVICE_SECRET = ChildSettings.newServiceSecret();

  private static Suite suite;
  private static HttpClient http;

  @BeforeAll
  static void startSuite() throws Exception {
    suite =
        new Suite(
            TestSuites.simulatorOnly("semantic", SERVICE_SECRET)
                // The cache fails open after short timeouts; on a loaded machine an embedding can
                // take longer, and this test is about hits, not about load.
                .withProperty(Service.ROUTER, "tokenwise.router.cache.timeout", "20s")
                .withProperty(Service.ROUTER, "tokenwise.router.cache.store-timeout", "30s")
                .withProperty(Service.CACHE, "tokenwise.cache.semantic.lookup-timeout", "15s")
                .withProperty(Service.CACHE, "tokenwise.cache.semantic.store-timeout", "20s")
                .withProperty(
                    Service.ROUTER,
                    "tokenwise.router.routes." + SHADOWED_ROUTE + ".cache.shadow-rate",
                    "1")
                .withProperty(
                    Service.ROUTER,
                    "tokenwise.router.routes." + GRAY_ROUTE + ".cache.threshold",
                    "0.99")
                .withProperty(
                    Service.ROUTER,
                    "tokenwise.router.routes." + GRAY_ROUTE + ".cache.gray-zone-width",
                    "0.05")
                .withProgress(line -> System.out.println("[suite] " + line)));
    suite.start();
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    // One request first: it loads the embedding model and teaches the router the model's snapshot.
    HttpResponse<String> warm = chat(demoKey(), request("Warm up. (" + UUID.randomUUID() + ")"));
    assertThat(warm.statusCode()).as(warm.body()).isEqualTo(200);
  }

  @AfterAll
  static void stopSuite() {
    if (suite != null) {
      suite.stop();
    }
  }

  @Test
  void aParaphraseIsAnsweredFromCacheForItsTenantOnly() throws Exception {
    HttpResponse<String> first = askAndAwaitStored(demoKey(), "demo", QUESTION, null, PARAPHRASE);
    String answer = content(first);

    long providerCalls = providerChatCalls();
    HttpResponse<String> paraphrase = chat(demoKey(), request(PARAPHRASE));

    assertThat(paraphrase.statusCode()).as(paraphrase.body()).isEqualTo(200);
    assertThat(paraphrase.headers().firstValue("Tokenwise-Cache")).hasValue("hit-semantic");
    assertThat(content(paraphrase)).isEqualTo(answer);
    assertThat(providerChatCalls()).as("a semantic hit calls no provider").isEqualTo(providerCalls);

    // The other demo tenant asks the same paraphrase: its namespace is its own.
    HttpResponse<String> otherTenant = chat(demoBKey(), request(PARAPHRASE));

    assertThat(otherTenant.statusCode()).as(otherTenant.body()).isEqualTo(200);
    assertThat(otherTenant.headers().firstValue("Tokenwise-Cache")).hasValue("miss");
    assertThat(providerChatCalls()).isEqualTo(providerCalls + 1);
  }

  @Test
  void aQuestionThatDiffersInANumberIsNotAnsweredFromCache() throws Exception {
    askAndAwaitStored(demoKey(), "demo", QUESTION, null, PARAPHRASE);
    double refusalsBefore = guardRefusals("numbers");
    long providerCalls = providerChatCalls();

    HttpResponse<String> response = chat(demoKey(), request(OTHER_NUMBER));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("Tokenwise-Cache")).hasValue("miss");
    assertThat(providerChatCalls()).isEqualTo(providerCalls + 1);
    assertThat(guardRefusals("numbers"))
        .as("similar enough to hit: the numbers guard refused it")
        .isGreaterThan(refusalsBefore);
  }

  @Test
  void aStreamedRequestAnsweredFromCacheIsAWellFormedEventStream() throws Exception {
    HttpResponse<String> first =
        askAndAwaitStored(demoKey(), "demo", QUESTION, null, STREAMED_PARAPHRASE);
    String answer = content(first);
    ObjectNode streamed = (ObjectNode) JSON.readTree(request(STREAMED_PARAPHRASE));
    streamed.put("stream", true);
    streamed.putObject("stream_options").put("include_usage", true);
    long providerCalls = providerChatCalls();

    HttpResponse<String> response = chat(demoKey(), JSON.writeValueAsString(streamed));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("Tokenwise-Cache")).hasValue("hit-semantic");
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
    assertThat(providerChatCalls()).isEqualTo(providerCalls);
    String sse = response.body();
    assertThat(sse).endsWith("data: [DONE]\n\n");
    StringBuilder text = new StringBuilder();
    String finishReason = null;
    JsonNode usage = null;
    String[] events = sse.split("\n\n");
    for (int i = 0; i < events.length - 1; i++) {
      assertThat(events[i]).startsWith("data: ");
      JsonNode chunk = JSON.readTree(events[i].substring("data: ".length()));
      assertThat(chunk.path("object").asString()).isEqualTo("chat.completion.chunk");
      for (JsonNode choice : chunk.path("choices")) {
        text.append(choice.path("delta").path("content").asString(""));
        if (choice.path("finish_reason").isString()) {
          finishReason = choice.path("finish_reason").asString();
        }
      }
      if (chunk.path("usage").isObject()) {
        usage = chunk.path("usage");
      }
    }
    assertThat(text).hasToString(answer);
    assertThat(finishReason).isEqualTo("stop");
    assertThat(usage).as("the usage chunk the client asked for").isNotNull();
    assertThat(usage.path("completion_tokens").asLong()).isPositive();
  }

  @Test
  void noStoreFromTheClientBypassesTheCache() throws Exception {
    String question = "How do I tie a bowline knot? (" + UUID.randomUUID() + ")";
    long providerCalls = providerChatCalls();

    HttpResponse<String> first = chat(demoKey(), request(question), "no-store");

    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    assertThat(first.headers().firstValue("Tokenwise-Cache")).hasValue("bypass");
    assertThat(providerChatCalls()).isEqualTo(providerCalls + 1);

    // Nothing was stored: the same question again is a miss that reaches the provider.
    HttpResponse<String> again = chat(demoKey(), request(question));

    assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
    assertThat(again.headers().firstValue("Tokenwise-Cache")).hasValue("miss");
    assertThat(providerChatCalls()).isEqualTo(providerCalls + 2);
  }

  @Test
  void aRouteWithAShadowRateHasItsSemanticHitsCheckedAgainstTheModel() throws Exception {
    askAndAwaitStored(demoKey(), "demo", QUESTION, SHADOWED_ROUTE, PARAPHRASE);
    double reportsBefore = shadowReports();
    long providerCalls = providerChatCalls();

    HttpResponse<String> paraphrase = chat(demoKey(), request(PARAPHRASE), null, SHADOWED_ROUTE);

    assertThat(paraphrase.statusCode()).as(paraphrase.body()).isEqualTo(200);
    assertThat(paraphrase.headers().firstValue("Tokenwise-Route")).hasValue(SHADOWED_ROUTE);
    assertThat(paraphrase.headers().firstValue("Tokenwise-Cache")).hasValue("hit-semantic");
    // After the answer, in the background: the model is asked too and cache-service told.
    await()
        .atMost(Duration.ofSeconds(120))
        .untilAsserted(
            () -> {
              assertThat(providerChatCalls()).isEqualTo(providerCalls + 1);
              assertThat(shadowReports()).isGreaterThan(reportsBefore);
            });
  }

  /**
   * The router sends the route's {@code grayZoneWidth} (and {@code threshold}) as the policy: the
   * paraphrase misses, counted as a gray-zone lookup, and its pair is offered to the promotion
   * queue. Without the width in the policy cache-service's default (0, off) would apply and neither
   * counter would move.
   */
  @Test
  void aRouteWithAGrayZoneHasItsNearMissesQueuedForPromotion() throws Exception {
    askAndAwaitStored(demoKey(), "demo", QUESTION, GRAY_ROUTE, PARAPHRASE);
    double grayZoneBefore = grayZoneLookups();
    double offeredBefore = promotionsOffered();

    HttpResponse<String> paraphrase = chat(demoKey(), request(PARAPHRASE), null, GRAY_ROUTE);

    assertThat(paraphrase.statusCode()).as(paraphrase.body()).isEqualTo(200);
    assertThat(paraphrase.headers().firstValue("Tokenwise-Route")).hasValue(GRAY_ROUTE);
    assertThat(paraphrase.headers().firstValue("Tokenwise-Cache")).hasValue("miss");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(grayZoneLookups()).isGreaterThan(grayZoneBefore);
              assertThat(promotionsOffered()).isGreaterThan(offeredBefore);
            });
  }

  /**
   * Asks {@code question} (a hit when an earlier test asked it already), then waits until
   * cache-service finds its answer for {@code probe} in the semantic index: the router stores in
   * the background after answering, and the index follows Redis a moment later. The wait asks
   * cache-service directly, with the policy the router sends, so that it calls no provider.
   */
  private static HttpResponse<String> askAndAwaitStored(
      String key, String tenant, String question, String route, String probe) throws Exception {
    HttpResponse<String> response = chat(key, request(question), null, route);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("Tokenwise-Cache").orElse(""))
        .isIn("miss", "hit-exact");
    ObjectNode lookup = JSON.createObjectNode();
    lookup.put("tenant", tenant);
    lookup.put("route", route == null ? "default" : route);
    lookup.put("model", "gpt-5-mini");
    lookup.set("request", JSON.readTree(request(probe)));
    lookup
        .putObject("policy")
        .put("semantic", true)
        .put("modelVersion", JSON.readTree(response.body()).path("model").asString());
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> postJson(cache("/internal/cache/lookup"), lookup).path("result").asString(""),
            "hit-semantic"::equals);
    return response;
  }

  private static JsonNode postJson(URI uri, JsonNode body)
      throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header(
                    ServiceTokens.HEADER,
                    new ServiceTokens(SERVICE_SECRET, ServiceTokens.ROUTER, Clock.systemUTC())
                        .mint(ServiceTokens.CACHE, body.path("tenant").asString()))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(uri + " -> " + response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private static String content(HttpResponse<String> response) {
    return JSON.readTree(response.body()).at("/choices/0/message/content").asString();
  }

  private static String demoKey() {
    return suite.demoTenants().get(0).virtualKey();
  }

  private static String demoBKey() {
    assertThat(suite.demoTenants().get(1).id()).isEqualTo("demo-b");
    return suite.demoTenants().get(1).virtualKey();
  }

  private static String request(String prompt) {
    ObjectNode request = JSON.createObjectNode();
    request.put("model", "gpt-5-mini");
    request.putArray("messages").addObject().put("role", "user").put("content", prompt);
    return JSON.writeValueAsString(request);
  }

  private static HttpResponse<String> chat(String key, String body)
      throws IOException, InterruptedException {
    return chat(key, body, null, null);
  }

  private static HttpResponse<String> chat(String key, String body, String cacheControl)
      throws IOException, InterruptedException {
    return chat(key, body, cacheControl, null);
  }

  private static HttpResponse<String> chat(
      String key, String body, String cacheControl, String route)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(suite.routerUrl().resolve("/v1/chat/completions"))
            .timeout(Duration.ofSeconds(90))
            .header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (cacheControl != null) {
      request.header("Cache-Control", cacheControl);
    }
    if (route != null) {
      request.header("Tokenwise-Route", route);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static long providerChatCalls() throws IOException, InterruptedException {
    JsonNode stats = getJson(suite.url(Service.PROVIDER_SIMULATOR).resolve("/simulator/stats"));
    return stats.path("endpoints").path(CHAT_ENDPOINT).asLong(0);
  }

  private static double guardRefusals(String guard) throws IOException, InterruptedException {
    return sum(
        prometheus(Service.CACHE),
        "tokenwise_cache_semantic_guard_refusals_total",
        "guard=\"" + guard + "\"");
  }

  private static double grayZoneLookups() throws IOException, InterruptedException {
    return sum(prometheus(Service.CACHE), "tokenwise_cache_semantic_gray_zone_lookups_total", "");
  }

  /** Gray-zone pairs offered to the promotion queue, whatever became of them. */
  private static double promotionsOffered() throws IOException, InterruptedException {
    String scrape = prometheus(Service.CACHE);
    String metric = "tokenwise_cache_semantic_promotions_total";
    return sum(scrape, metric, "outcome=\"queued\"")
        + sum(scrape, metric, "outcome=\"known\"")
        + sum(scrape, metric, "outcome=\"dropped\"");
  }

  private static double shadowReports() throws IOException, InterruptedException {
    return sum(prometheus(Service.CACHE), "tokenwise_cache_semantic_shadow_reports_total", "");
  }

  /** The sum of a Prometheus counter's series whose labels contain {@code labels}. */
  private static double sum(String scrape, String metric, String labels) {
    Matcher series =
        Pattern.compile("^" + metric + "(?:\\{([^}]*)\\})? (\\S+)$", Pattern.MULTILINE)
            .matcher(scrape);
    List<Double> values = new ArrayList<>();
    while (series.find()) {
      if (series.group(1) == null ? labels.isEmpty() : series.group(1).contains(labels)) {
        values.add(Double.parseDouble(series.group(2)));
      }
    }
    return values.stream().mapToDouble(Double::doubleValue).sum();
  }

  private static String prometheus(Service service) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(suite.url(service).resolve("/actuator/prometheus"))
                .timeout(Duration.ofSeconds(10))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  private static URI cache(String path) {
    return suite.url(Service.CACHE).resolve(path);
  }

  private static JsonNode getJson(URI uri) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(uri + " -> " + response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }
}
