package dev.tokenwise.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tokenwise.common.pricing.CostCalculator;
import dev.tokenwise.common.pricing.PriceCatalog;
import dev.tokenwise.common.pricing.PriceCatalogs;
import dev.tokenwise.common.security.ServiceCaller;
import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestServers;
import dev.tokenwise.common.testsupport.TestServiceTokens;
import dev.tokenwise.common.tokens.TokenEstimator;
import dev.tokenwise.common.translate.NormalizedUsage;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.common.usage.UsageStream;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import dev.tokenwise.router.usage.UsageEvents;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The router's cost tactics end to end against a provider stand-in with OpenAI's automatic prefix
 * caching (whole-message prefixes, counted from 1,024 tokens in 128-token steps) and a
 * batch-service stand-in: routing by alias, output caps, schema repair, deferral, and the
 * prompt-cache fix measured in cached tokens and input cost.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers(postgres = false)
class CostTacticsIT {

  private static final String KEY = "tw-tactics-key";
  private static final String SCHEMA =
      "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
          + "\"required\":[\"city\"]}";
  private static final Upstream upstream = new Upstream();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("tokenwise.router.tenants[0].id", () -> "acme");
    registry.add(
        "tokenwise.router.tenants[0].key-hashes[0]", () -> VirtualKeyAuthenticator.hash(KEY));
    registry.add("tokenwise.router.providers.openai.base-url", upstream::baseUrl);
    registry.add("tokenwise.router.providers.openai.api-key", () -> "sk-test");
    registry.add("tokenwise.router.cache.enabled", () -> "false");
    registry.add("tokenwise.router.batch.base-url", upstream::baseUrl);
    registry.add("tokenwise.router.routes.auto.match.models[0]", () -> "tokenwise/auto");
    registry.add("tokenwise.router.routes.auto.match.models[1]", () -> "tokenwise/fast");
    registry.add("tokenwise.router.routes.auto.tiers[0]", () -> "gpt-5-nano");
    registry.add("tokenwise.router.routes.auto.tiers[1]", () -> "gpt-5");
    registry.add("tokenwise.router.routes.auto.output.default-max-tokens", () -> "200");
    registry.add("tokenwise.router.routes.auto.output.max-tokens", () -> "500");
    registry.add("tokenwise.router.routes.extract.json-schema", () -> SCHEMA);
    registry.add("tokenwise.router.routes.extract.json-schema-name", () -> "place");
    registry.add("tokenwise.router.routes.chat.prompt-cache.fix-order", () -> "true");
    registry.add("tokenwise.router.routes.later.mode", () -> "deferred");
    registry.add("tokenwise.router.routes.later.cache.template-version", () -> "later-v7");
    registry.add("tokenwise.router.routes.later.cache.normalize-whitespace", () -> "true");
  }

  @LocalServerPort int port;
  @Autowired ReactiveStringRedisTemplate redis;
  @Autowired JsonMapper json;
  WebTestClient client;

  @BeforeEach
  void setUp() {
    TestServers.redis().start();
    TestServers.redis().flushAll();
    upstream.reset();
    client =
        WebTestClient.bindToServer()
            .baseUrl("http://localhost:" + port)
            .responseTimeout(Duration.ofSeconds(30))
            .build();
  }

  @AfterAll
  static void stop() {
    upstream.server.stop(0);
  }

  /**
   * A multipart upload written out with a fixed boundary: the client's own multipart writer draws
   * its boundary from SecureRandom on an event loop, which BlockHound (rightly) refuses.
   */
  private static final String BOUNDARY = "tokenwise-test-boundary";

  private static String jsonlUpload() {
    return "--"
        + BOUNDARY
        + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--"
        + BOUNDARY
        + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"input.jsonl\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\n{\"custom_id\":\"a\"}\n\r\n--"
        + BOUNDARY
        + "--\r\n";
  }

  @Test
  void teamBatchFilesGoToBatchServiceForTheKeysTenantWithTheRoutersToken() {
    client
        .post()
        .uri("/v1/files")
        .contentType(MediaType.parseMediaType("multipart/form-data; boundary=" + BOUNDARY))
        .bodyValue(jsonlUpload())
        .exchange()
        .expectStatus()
        .isUnauthorized();
    assertThat(upstream.teamCalls).isEmpty();

    client
        .post()
        .uri("/v1/files")
        .header("Authorization", "Bearer " + KEY)
        .header("Tokenwise-Tenant", "someone-else")
        .contentType(MediaType.parseMediaType("multipart/form-data; boundary=" + BOUNDARY))
        .bodyValue(jsonlUpload())
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.id")
        .isEqualTo("file-1");

    assertThat(upstream.teamCalls).hasSize(1);
    Map<String, String> call = upstream.teamCalls.get(0);
    // the tenant is the key's, whatever the client claimed; the client's key stays at the router
    assertThat(call.get("tenant")).isEqualTo("acme");
    assertThat(call.get("authorization")).isEqualTo("null");
    assertThat(call.get("body")).contains("custom_id").contains("input.jsonl");
    ServiceCaller caller =
        new ServiceTokens(
                TestServiceTokens.secret(), ServiceTokens.BATCH, java.time.Clock.systemUTC())
            .verify(call.get("token"));
    assertThat(caller).isEqualTo(new ServiceCaller(ServiceTokens.ROUTER, "acme"));
  }

  @Test
  void anAliasIsRoutedToATierCappedAndMeasuredAgainstTheStrongTier() {
    post("{\"model\":\"tokenwise/auto\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi.\"}]}")
        .exchange()
        .expectStatus()
        .isOk()
        .expectHeader()
        .valueEquals("Tokenwise-Route", "auto")
        .expectHeader()
        .valueEquals("Tokenwise-Model", "gpt-5-nano")
        .expectHeader()
        .valueMatches("Tokenwise-Tier", "0 \\(heuristic 0\\.\\d+\\)")
        .expectHeader()
        .valueEquals("Tokenwise-Output-Cap", "200 (injected)");
    JsonNode sent = json.readTree(upstream.chatCalls.get(0));
    assertThat(sent.path("model").asString()).isEqualTo("gpt-5-nano");
    assertThat(sent.path("max_completion_tokens").asLong()).isEqualTo(200);
    JsonNode event = awaitEvents(1).get(0);
    assertThat(event.path("requestedModel").asString()).isEqualTo("gpt-5");
    assertThat(event.path("servedModel").asString()).isEqualTo("gpt-5-nano");
    assertThat(event.path("requestedMaxTokens").isNumber()).isFalse();
    assertThat(event.path("appliedMaxTokens").asLong()).isEqualTo(200);
  }

  @Test
  void aCapAboveTheRouteMaximumIsClamped() {
    post("{\"model\":\"tokenwise/fast\",\"max_tokens\":5000,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hi.\"}]}")
        .exchange()
        .expectStatus()
        .isOk()
        .expectHeader()
        .valueEquals("Tokenwise-Output-Cap", "500 (clamped)");
    JsonNode sent = json.readTree(upstream.chatCalls.get(0));
    assertThat(sent.has("max_tokens")).isFalse();
    assertThat(sent.path("max_completion_tokens").asLong()).isEqualTo(500);
    JsonNode event = awaitEvents(1).get(0);
    assertThat(event.path("requestedMaxTokens").asLong()).isEqualTo(5000);
    assertThat(event.path("appliedMaxTokens").asLong()).isEqualTo(500);
  }

  @Test
  void anInvalidStructuredAnswerGetsOneRepairAndItsTokensStayOnTheRoute() {
    post(
            "{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Where? answer-badly-once\"}]}",
            "extract")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.choices[0].message.content")
        .isEqualTo("{\"city\":\"Oslo\"}");
    assertThat(upstream.chatCalls).hasSize(2);
    JsonNode first = json.readTree(upstream.chatCalls.get(0));
    assertThat(first.at("/response_format/json_schema/name").asString()).isEqualTo("place");
    JsonNode repair = json.readTree(upstream.chatCalls.get(1));
    assertThat(repair.at("/messages/2/content").asString()).contains("JSON schema");
    JsonNode event = awaitEvents(1).get(0);
    assertThat(event.path("route").asString()).isEqualTo("extract");
    long single = json.readTree(upstream.answers.get(0)).at("/usage/prompt_tokens").asLong();
    assertThat(event.path("inputTokens").asLong()).isGreaterThan(single);
  }

  @Test
  void anAnswerInvalidTwiceIsAClear502() {
    post(
            "{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Where? answer-badly-always\"}]}",
            "extract")
        .exchange()
        .expectStatus()
        .isEqualTo(502)
        .expectBody()
        .jsonPath("$.error.message")
        .value(m -> assertThat((String) m).contains("JSON schema"));
    assertThat(upstream.chatCalls).hasSize(2);
  }

  @Test
  void aDeferredRequestIsHandedToBatchServiceAndItsJobReadBack() {
    var result =
        client
            .post()
            .uri("/v1/chat/completions")
            .header("Authorization", "Bearer " + KEY)
            .header("Tokenwise-Mode", "deferred")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(
                "{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"later\"}]}")
            .exchange()
            .expectStatus()
            .isAccepted()
            .expectHeader()
            .valueEquals("Location", "/v1/jobs/" + Upstream.JOB_ID)
            .expectBody()
            .jsonPath("$.id")
            .isEqualTo(Upstream.JOB_ID)
            .returnResult();
    assertThat(result.getStatus().value()).isEqualTo(202);
    assertThat(upstream.chatCalls).isEmpty();
    JsonNode submission = json.readTree(upstream.deferred.get(0));
    assertThat(submission.path("tenant").asString()).isEqualTo("acme");
    assertThat(submission.path("provider").asString()).isEqualTo("openai");
    assertThat(submission.at("/body/messages/0/content").asString()).isEqualTo("later");

    client
        .get()
        .uri("/v1/jobs/" + Upstream.JOB_ID)
        .header("Authorization", "Bearer " + KEY)
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.status")
        .isEqualTo("completed");
    client
        .get()
        .uri("/v1/jobs/00000000-0000-0000-0000-000000000000")
        .header("Authorization", "Bearer " + KEY)
        .exchange()
        .expectStatus()
        .isNotFound();
  }

  @Test
  void aDeferredRequestCarriesItsRoutesCachePolicyEndUserAndConversation() {
    client
        .post()
        .uri("/v1/chat/completions")
        .header("Authorization", "Bearer " + KEY)
        .header("Tokenwise-Route", "later")
        .header("Tokenwise-Conversation", "thread-7")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            "{\"model\":\"gpt-5-mini\",\"user\":\"erin\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"tonight\"}]}")
        .exchange()
        .expectStatus()
        .isAccepted();
    JsonNode submission = json.readTree(upstream.deferred.get(0));
    // the policy the router's own lookups send, so batch-service's lookups and stores key alike
    assertThat(submission.at("/cachePolicy/templateVersion").asString()).isEqualTo("later-v7");
    assertThat(submission.at("/cachePolicy/normalizeWhitespace").asBoolean(false)).isTrue();
    assertThat(submission.at("/cachePolicy/semantic").isBoolean()).isTrue();
    assertThat(submission.path("user").asString()).hasSize(64).doesNotContain("erin");
    assertThat(submission.path("conversation").asString()).hasSize(64).doesNotContain("thread-7");
  }

  /**
   * The acceptance test: a 50-turn conversation with a 3,000-token system prompt sent the
   * naive way (system after the first user message, a fresh timestamp in it) reaches through
   * Tokenwise a cache-read share of at least 80% of input tokens and an input cost at least 70%
   * below the same conversation sent straight to the provider, both priced by common's
   * CostCalculator from the provider's usage.
   */
  @Test
  void aNaiveConversationIsShapedIntoCacheReads() throws Exception {
    String rules = systemPrompt();
    HttpClient direct = HttpClient.newHttpClient();
    List<NormalizedUsage> directUsage = new ArrayList<>();
    String lint = null;
    for (int turn = 0; turn < 50; turn++) {
      String body = naiveTurn(rules, turn);
      lint =
          post(body, "chat")
              .exchange()
              .expectStatus()
              .isOk()
              .returnResult(String.class)
              .getResponseHeaders()
              .getFirst("Tokenwise-Prompt-Lint");
    }
    upstream.prefixes.clear();
    for (int turn = 0; turn < 50; turn++) {
      HttpResponse<String> reply =
          direct.send(
              HttpRequest.newBuilder(URI.create(upstream.baseUrl() + "/v1/chat/completions"))
                  .POST(HttpRequest.BodyPublishers.ofString(naiveTurn(rules, turn)))
                  .header("Content-Type", "application/json")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      directUsage.add(UsageEvents.openAiUsage(json, json.readTree(reply.body()).get("usage")));
    }
    assertThat(lint).contains("user-before-system@messages[1]").contains("volatile-system");

    List<JsonNode> events = awaitEvents(50);
    long input = events.stream().mapToLong(e -> e.path("inputTokens").asLong()).sum();
    long cached = events.stream().mapToLong(e -> e.path("cachedInputTokens").asLong()).sum();
    assertThat((double) cached / input).isGreaterThanOrEqualTo(0.80);

    PriceCatalog catalog = PriceCatalogs.bundled().current();
    BigDecimal through = BigDecimal.ZERO;
    for (JsonNode e : events) {
      through =
          through.add(
              inputCost(
                  new NormalizedUsage(
                      e.path("inputTokens").asLong(),
                      e.path("cachedInputTokens").asLong(),
                      0,
                      0,
                      0,
                      0),
                  catalog));
    }
    BigDecimal straight = BigDecimal.ZERO;
    for (NormalizedUsage u : directUsage) {
      straight = straight.add(inputCost(u, catalog));
    }
    assertThat(through.doubleValue()).isLessThanOrEqualTo(straight.doubleValue() * 0.30);
  }

  private static BigDecimal inputCost(NormalizedUsage usage, PriceCatalog catalog) {
    NormalizedUsage inputOnly =
        new NormalizedUsage(usage.inputTokens(), usage.cachedInputTokens(), 0, 0, 0, 0);
    UsageEvent event =
        UsageEvents.answered(
            new UsageEvents.Request(
                "req", "acme", null, null, "chat", "gpt-5-mini", null, null, System.nanoTime()),
            "gpt-5-mini",
            "openai",
            UsageEvent.Mode.SYNC,
            inputOnly,
            UsageEvent.Status.OK,
            "stop");
    return CostCalculator.price(event, catalog).actual();
  }

  private static String systemPrompt() {
    StringBuilder rules = new StringBuilder("You are the support assistant of Acme Travel.\n");
    int i = 0;
    while (TokenEstimator.shared().countText("gpt-5-mini", rules.toString()) < 3000) {
      rules
          .append("Rule ")
          .append(++i)
          .append(": answer politely about bookings, refunds and seats.\n");
    }
    return rules.toString();
  }

  /** Turn n the naive way: first user message, then the system prompt stamped with the time. */
  private String naiveTurn(String rules, int turn) {
    ObjectNode body = json.createObjectNode();
    body.put("model", "gpt-5-mini");
    ArrayNode messages = body.putArray("messages");
    messages.addObject().put("role", "user").put("content", "Question 0 about my booking?");
    messages
        .addObject()
        .put("role", "system")
        .put(
            "content",
            rules
                + "Current time: "
                + Instant.parse("2026-11-27T03:00:00Z").plusSeconds(turn * 17L));
    for (int i = 0; i < turn; i++) {
      messages
          .addObject()
          .put("role", "assistant")
          .put("content", "Answer " + i + " about the booking.");
      messages
          .addObject()
          .put("role", "user")
          .put("content", "Question " + (i + 1) + " about my booking?");
    }
    return body.toString();
  }

  private WebTestClient.RequestHeadersSpec<?> post(String body) {
    return post(body, null);
  }

  private WebTestClient.RequestHeadersSpec<?> post(String body, String route) {
    var spec =
        client
            .post()
            .uri("/v1/chat/completions")
            .header("Authorization", "Bearer " + KEY)
            .contentType(MediaType.APPLICATION_JSON);
    if (route != null) {
      spec = spec.header("Tokenwise-Route", route);
    }
    return spec.bodyValue(body);
  }

  private List<JsonNode> awaitEvents(int count) {
    return await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                redis
                    .opsForStream()
                    .range(UsageStream.KEY, Range.unbounded())
                    .collectList()
                    .block()
                    .stream()
                    .map(r -> json.readTree((String) r.getValue().get(UsageStream.FIELD)))
                    .toList(),
            list -> list.size() >= count);
  }

  /** OpenAI-compatible provider with prefix caching, plus batch-service's intake and jobs. */
  static final class Upstream {
    static final String JOB_ID = "6f1c1f9e-9a57-4c1e-9d6a-2f6d3c1b9a10";
    final HttpServer server;
    final JsonMapper json = JsonMapper.builder().build();
    final List<String> chatCalls = new CopyOnWriteArrayList<>();
    final List<String> answers = new CopyOnWriteArrayList<>();
    final List<String> deferred = new CopyOnWriteArrayList<>();
    final List<Map<String, String>> teamCalls = new CopyOnWriteArrayList<>();
    final Map<String, Long> prefixes = new ConcurrentHashMap<>();

    Upstream() {
      try {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      server.setExecutor(Executors.newCachedThreadPool());
      server.createContext("/v1/chat/completions", this::chat);
      server.createContext("/internal/deferred", this::defer);
      server.createContext("/v1/jobs/", this::job);
      server.createContext("/v1/files", this::files);
      server.start();
    }

    String baseUrl() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void reset() {
      chatCalls.clear();
      answers.clear();
      deferred.clear();
      teamCalls.clear();
      prefixes.clear();
    }

    private void chat(HttpExchange exchange) throws IOException {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      chatCalls.add(body);
      JsonNode request = json.readTree(body);
      String model = request.path("model").asString();
      // Whole-message prefixes stand in for OpenAI's token blocks: cached = the longest prefix
      // seen before, counted from 1,024 tokens in 128-token steps.
      long total = 0;
      long matched = 0;
      StringBuilder prefix = new StringBuilder();
      List<String> seen = new ArrayList<>();
      List<Long> lengths = new ArrayList<>();
      for (JsonNode message : request.path("messages")) {
        prefix.append(message.toString());
        total += TokenEstimator.shared().countText(model, message.path("content").asString("")) + 3;
        String key = model + "\u0000" + prefix;
        if (prefixes.containsKey(key)) {
          matched = total;
        }
        seen.add(key);
        lengths.add(total);
      }
      for (int i = 0; i < seen.size(); i++) {
        prefixes.put(seen.get(i), lengths.get(i));
      }
      long cached = matched < 1024 ? 0 : 1024 + (matched - 1024) / 128 * 128;
      String last =
          request
              .path("messages")
              .get(request.path("messages").size() - 1)
              .path("content")
              .asString("");
      String content = "Noted.";
      if (request.has("response_format")) {
        boolean repairing = last.contains("JSON schema");
        boolean bad =
            last.contains("answer-badly-always")
                || (last.contains("answer-badly-once") && !repairing)
                || (repairing && body.contains("answer-badly-always"));
        content = bad ? "Oslo, I think." : "{\"city\":\"Oslo\"}";
      }
      ObjectNode answer = json.createObjectNode();
      answer.put("id", "chatcmpl-t").put("object", "chat.completion").put("created", 1764200000);
      answer.put("model", model);
      ObjectNode choice = answer.putArray("choices").addObject();
      choice.put("index", 0).put("finish_reason", "stop");
      choice.putObject("message").put("role", "assistant").put("content", content);
      ObjectNode usage = answer.putObject("usage");
      usage.put("prompt_tokens", total).put("completion_tokens", 5).put("total_tokens", total + 5);
      usage.putObject("prompt_tokens_details").put("cached_tokens", cached);
      answers.add(answer.toString());
      respond(exchange, 200, answer.toString());
    }

    private void defer(HttpExchange exchange) throws IOException {
      deferred.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      exchange.getResponseHeaders().add("Location", "/v1/jobs/" + JOB_ID);
      respond(
          exchange,
          202,
          "{\"id\":\""
              + JOB_ID
              + "\",\"status\":\"queued\",\"statusUrl\":\"/v1/jobs/"
              + JOB_ID
              + "\"}");
    }

    /** batch-service's Files API: records what the router forwarded. */
    private void files(HttpExchange exchange) throws IOException {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      Map<String, String> call = new java.util.HashMap<>();
      call.put("path", exchange.getRequestURI().toString());
      call.put("tenant", String.valueOf(exchange.getRequestHeaders().getFirst("Tokenwise-Tenant")));
      call.put(
          "token", String.valueOf(exchange.getRequestHeaders().getFirst(ServiceTokens.HEADER)));
      call.put(
          "authorization", String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
      call.put("body", body);
      teamCalls.add(call);
      respond(exchange, 200, "{\"id\":\"file-1\",\"object\":\"file\",\"purpose\":\"batch\"}");
    }

    private void job(HttpExchange exchange) throws IOException {
      respond(
          exchange,
          200,
          "{\"id\":\"" + JOB_ID + "\",\"object\":\"tokenwise.job\",\"status\":\"completed\"}");
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    }
  }
}
