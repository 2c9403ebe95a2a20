package dev.tokenwise.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tokenwise.common.quality.RouteAdvice;
import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestServers;
import dev.tokenwise.common.usage.UsageStream;
import dev.tokenwise.router.route.RouteTable;
import dev.tokenwise.router.routing.QualityTightening;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Routes changing while the router runs: a route file reloaded without a restart (an invalid
 * version keeps the routes in force and shows in metrics), cost-service's quality advice read from
 * Redis moving a borderline prompt to the strong tier and back, and {@code /v1/messages} planned
 * like chat completions (tier, output cap, prompt-cache breakpoints and key, decision headers,
 * usage-event fields).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers(postgres = false)
class RouteControlIT {

  private static final String KEY = "tw-route-control-key";
  private static final Upstream upstream = new Upstream();
  private static final Path routeFile;

  static {
    try {
      routeFile = Files.createTempDirectory("tokenwise-routes").resolve("routes.yaml");
      Files.writeString(routeFile, liveRoute("gpt-5-nano"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("tokenwise.router.tenants[0].id", () -> "acme");
    registry.add(
        "tokenwise.router.tenants[0].key-hashes[0]", () -> VirtualKeyAuthenticator.hash(KEY));
    registry.add("tokenwise.router.providers.openai.base-url", upstream::baseUrl);
    registry.add("tokenwise.router.providers.openai.api-key", () -> "sk-test");
    registry.add("tokenwise.router.providers.anthropic.base-url", upstream::baseUrl);
    registry.add("tokenwise.router.providers.anthropic.api-key", () -> "sk-ant-test");
    registry.add("tokenwise.router.cache.enabled", () -> "false");
    registry.add("tokenwise.router.route-file.path", routeFile::toString);
    registry.add("tokenwise.router.route-file.check-interval", () -> "200ms");
    registry.add("tokenwise.router.quality.poll-interval", () -> "200ms");
    // cost-service's advice comes from the stand-in
    registry.add("tokenwise.router.cost.base-url", upstream::baseUrl);
    registry.add("tokenwise.router.quality.step", () -> "0.2");
    registry.add("tokenwise.router.quality.max-boost", () -> "0.2");
    // "Say hi." scores 0.14 with the heuristic: below 0.25, above 0.25 − 0.2
    registry.add("tokenwise.router.routes.quality.tiers[0]", () -> "gpt-5-nano");
    registry.add("tokenwise.router.routes.quality.tiers[1]", () -> "gpt-5");
    registry.add("tokenwise.router.routes.quality.classifier.threshold", () -> "0.25");
    registry.add("tokenwise.router.routes.claude.match.models[0]", () -> "tokenwise/auto");
    registry.add("tokenwise.router.routes.claude.tiers[0]", () -> "claude-sonnet-4-5");
    registry.add("tokenwise.router.routes.claude.tiers[1]", () -> "claude-opus-4-5");
    registry.add("tokenwise.router.routes.claude.classifier.threshold", () -> "0.9");
    registry.add("tokenwise.router.routes.claude.output.max-tokens", () -> "300");
    registry.add("tokenwise.router.routes.claude.prompt-cache.min-reuses-to-write", () -> "0.5");
    registry.add("tokenwise.router.routes.openai.tiers[0]", () -> "gpt-5-nano");
    registry.add("tokenwise.router.routes.openai.tiers[1]", () -> "gpt-5");
  }

  @LocalServerPort int port;
  @Autowired ReactiveStringRedisTemplate redis;
  @Autowired MeterRegistry meters;
  @Autowired JsonMapper json;
  WebTestClient client;

  @BeforeEach
  void setUp() {
    TestServers.redis().start();
    TestServers.redis().flushAll();
    upstream.calls.clear();
    upstream.advice = "[]";
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

  private static String liveRoute(String cheap) {
    return """
        routes:
          live:
            tiers: [%s, gpt-5]
            classifier:
              type: none
            output:
              default-max-tokens: 64
        """
        .formatted(cheap);
  }

  @Test
  void anEditedRouteFileAppliesWithoutARestartAndAnInvalidOneKeepsTheRoutes() throws Exception {
    assertThat(chatModel("live")).isEqualTo("gpt-5-nano");

    Files.writeString(routeFile, liveRoute("gpt-5-mini"));
    await().atMost(Duration.ofSeconds(60)).until(() -> chatModel("live").equals("gpt-5-mini"));

    double errors = reloads("error");
    Files.writeString(routeFile, "routes:\n  live:\n    tiers: [gpt-5-nano\n");
    await().atMost(Duration.ofSeconds(60)).until(() -> reloads("error") > errors);
    assertThat(failing()).isEqualTo(1.0);
    assertThat(chatModel("live")).isEqualTo("gpt-5-mini");

    double invalid = reloads("error");
    Files.writeString(
        routeFile, liveRoute("gpt-5-nano").replace("type: none", "type: clairvoyant"));
    await().atMost(Duration.ofSeconds(60)).until(() -> reloads("error") > invalid);
    assertThat(chatModel("live")).isEqualTo("gpt-5-mini");

    Files.writeString(routeFile, liveRoute("gpt-5-nano"));
    await().atMost(Duration.ofSeconds(60)).until(() -> chatModel("live").equals("gpt-5-nano"));
    assertThat(failing()).isZero();
  }

  @Test
  void qualityAdviceInRedisTightensARouteAndLoosensIt() {
    assertThat(chatModel("quality")).isEqualTo("gpt-5-nano");

    advise(true, "regression rate 0.0600 is over the budget 0.0200 (3 of 50)");
    await().atMost(Duration.ofSeconds(60)).until(() -> chatModel("quality").equals("gpt-5"));
    var tier = post("quality").expectStatus().isOk().returnResult(String.class);
    assertThat(tier.getResponseHeaders().getFirst("Tokenwise-Tier"))
        .startsWith("1 (heuristic+tightened");
    assertThat(tightening("quality")).isEqualTo(0.2);

    advise(false, "regression rate 0.0000 is within the budget 0.0200");
    await().atMost(Duration.ofSeconds(60)).until(() -> chatModel("quality").equals("gpt-5-nano"));
    assertThat(tightening("quality")).isZero();
  }

  @Test
  void messagesArePlannedLikeChatCompletions() throws Exception {
    String system =
        "You are the archive assistant. " + "Keep every answer short and kind. ".repeat(250);
    String body =
        json.writeValueAsString(
            json.createObjectNode()
                .put("model", "tokenwise/auto")
                .put("max_tokens", 5000)
                .put("system", system)
                .set(
                    "messages",
                    json.createArrayNode()
                        .add(json.createObjectNode().put("role", "user").put("content", "Hi."))));
    messages(body, null).expectStatus().isOk();
    HttpHeaders headers =
        messages(body, null)
            .expectStatus()
            .isOk()
            .expectBody()
            .jsonPath("$.type")
            .isEqualTo("message")
            .returnResult()
            .getResponseHeaders();
    assertThat(headers.getFirst("Tokenwise-Route")).isEqualTo("claude");
    assertThat(headers.getFirst("Tokenwise-Model")).isEqualTo("claude-sonnet-4-5");
    assertThat(headers.getFirst("Tokenwise-Tier")).startsWith("0 (heuristic");
    assertThat(headers.getFirst("Tokenwise-Output-Cap")).isEqualTo("300 (clamped)");
    assertThat(headers.getFirst("Tokenwise-Prompt-Cache")).startsWith("breakpoints=");
    assertThat(headers.getFirst("Tokenwise-Cost-USD")).isNotBlank();
    JsonNode sent = json.readTree(upstream.calls.get(1).body());
    assertThat(upstream.calls.get(1).path()).isEqualTo("/v1/messages");
    assertThat(sent.path("model").asString()).isEqualTo("claude-sonnet-4-5");
    assertThat(sent.path("max_tokens").asLong()).isEqualTo(300);
    assertThat(sent.toString()).contains("cache_control");

    List<JsonNode> events = awaitEvents(2);
    JsonNode event = events.get(1);
    assertThat(event.path("route").asString()).isEqualTo("claude");
    assertThat(event.path("requestedModel").asString()).isEqualTo("claude-opus-4-5");
    assertThat(event.path("servedModel").asString()).isEqualTo("claude-sonnet-4-5");
    assertThat(event.path("requestedMaxTokens").asLong()).isEqualTo(5000);
    assertThat(event.path("appliedMaxTokens").asLong()).isEqualTo(300);

    upstream.calls.clear();
    messages(body.replace("tokenwise/auto", "tokenwise/fast"), "openai")
        .expectStatus()
        .isOk()
        .expectHeader()
        .valueEquals("Tokenwise-Model", "gpt-5-nano")
        .expectBody()
        .jsonPath("$.content[0].text")
        .isEqualTo("Noted.");
    JsonNode translated = json.readTree(upstream.calls.get(0).body());
    assertThat(upstream.calls.get(0).path()).isEqualTo("/v1/chat/completions");
    assertThat(translated.path("model").asString()).isEqualTo("gpt-5-nano");
    assertThat(translated.path("prompt_cache_key").asString()).startsWith("tw-");
  }

  private String chatModel(String route) {
    return post(route)
        .expectStatus()
        .isOk()
        .returnResult(String.class)
        .getResponseHeaders()
        .getFirst("Tokenwise-Model");
  }

  private WebTestClient.ResponseSpec post(String route) {
    return client
        .post()
        .uri("/v1/chat/completions")
        .header("Authorization", "Bearer " + KEY)
        .header("Tokenwise-Route", route)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            "{\"model\":\"tokenwise/auto\",\"messages\":[{\"role\":\"user\",\"content\":\"Say"
                + " hi.\"}]}")
        .exchange();
  }

  private WebTestClient.ResponseSpec messages(String body, String route) {
    var spec =
        client
            .post()
            .uri("/v1/messages")
            .header("x-api-key", KEY)
            .header("Authorization", "Bearer " + KEY)
            .header("anthropic-version", "2023-06-01")
            .contentType(MediaType.APPLICATION_JSON);
    if (route != null) {
      spec = spec.header("Tokenwise-Route", route);
    }
    return spec.bodyValue(body).exchange();
  }

  private void advise(boolean tighten, String reason) {
    RouteAdvice advice =
        new RouteAdvice(
            "quality",
            tighten,
            tighten ? 0.06 : 0.0,
            0.02,
            50,
            tighten ? 3 : 0,
            Duration.ofHours(24),
            reason,
            java.time.Instant.now());
    upstream.advice = "[" + json.writeValueAsString(advice) + "]";
  }

  private double reloads(String outcome) {
    Counter counter = meters.find(RouteTable.RELOADS_METRIC).tag("outcome", outcome).counter();
    return counter == null ? 0 : counter.count();
  }

  private double failing() {
    return meters.get(RouteTable.FAILING_METRIC).gauge().value();
  }

  private double tightening(String route) {
    Gauge gauge = meters.find(QualityTightening.METRIC).tag("route", route).gauge();
    return gauge == null ? 0 : gauge.value();
  }

  private List<JsonNode> awaitEvents(int count) {
    return await()
        .atMost(Duration.ofSeconds(60))
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

  /** An OpenAI- and Anthropic-compatible provider answering "Noted." with the model it was sent. */
  static final class Upstream {
    record Call(String path, String body) {}

    final HttpServer server;
    final JsonMapper json = JsonMapper.builder().build();
    final List<Call> calls = new CopyOnWriteArrayList<>();

    /** cost-service's current advice, as {@code GET /api/quality/routes} answers it. */
    volatile String advice = "[]";

    Upstream() {
      try {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      server.setExecutor(Executors.newCachedThreadPool());
      server.createContext("/v1/chat/completions", this::chat);
      server.createContext("/v1/messages", this::messages);
      server.createContext("/api/quality/routes", this::advice);
      server.start();
    }

    String baseUrl() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** cost-service's {@code GET /api/quality/routes}. */
    private void advice(HttpExchange exchange) throws IOException {
      exchange.getRequestBody().readAllBytes();
      byte[] bytes = advice.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    }

    private void chat(HttpExchange exchange) throws IOException {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      calls.add(new Call("/v1/chat/completions", body));
      ObjectNode answer = json.createObjectNode();
      answer.put("id", "chatcmpl-r").put("object", "chat.completion").put("created", 1764200000);
      answer.put("model", json.readTree(body).path("model").asString());
      ObjectNode choice = answer.putArray("choices").addObject();
      choice.put("index", 0).put("finish_reason", "stop");
      choice.putObject("message").put("role", "assistant").put("content", "Noted.");
      answer
          .putObject("usage")
          .put("prompt_tokens", 20)
          .put("completion_tokens", 2)
          .put("total_tokens", 22);
      respond(exchange, answer.toString());
    }

    private void messages(HttpExchange exchange) throws IOException {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      calls.add(new Call("/v1/messages", body));
      ObjectNode answer = json.createObjectNode();
      answer.put("id", "msg_r").put("type", "message").put("role", "assistant");
      answer.put("model", json.readTree(body).path("model").asString());
      answer.putArray("content").addObject().put("type", "text").put("text", "Noted.");
      answer.put("stop_reason", "end_turn").putNull("stop_sequence");
      answer
          .putObject("usage")
          .put("input_tokens", 20)
          .put("output_tokens", 2)
          .put("cache_creation_input_tokens", 0)
          .put("cache_read_input_tokens", 0);
      respond(exchange, answer.toString());
    }

    private static void respond(HttpExchange exchange, String body) throws IOException {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    }
  }
}
