package dev.tokenwise.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestServers;
import dev.tokenwise.common.usage.UsageStream;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Every tactic on every path: {@code /v1/chat/completions}, {@code /v1/messages} and {@code
 * /v1/responses}, whole and streamed, for an OpenAI and a Claude model, through the one request
 * pipeline — against the real provider simulator, with a stub cache-service whose hits are known
 * questions ({@link StubUpstream}).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers(postgres = false)
class ProtocolMatrixIT {

  private static final String KEY = "tw-matrix-key";
  private static final SimulatorProcess simulator = SimulatorProcess.shared();
  private static final StubUpstream cache = new StubUpstream();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("tokenwise.router.tenants[0].id", () -> "acme");
    registry.add(
        "tokenwise.router.tenants[0].key-hashes[0]", () -> VirtualKeyAuthenticator.hash(KEY));
    registry.add("tokenwise.router.providers.openai.base-url", simulator::baseUrl);
    registry.add("tokenwise.router.providers.openai.api-key", () -> "sk-openai-test");
    registry.add("tokenwise.router.providers.anthropic.base-url", simulator::baseUrl);
    registry.add("tokenwise.router.providers.anthropic.api-key", () -> "sk-ant-test");
    registry.add("tokenwise.router.cache.base-url", cache::baseUrl);
    registry.add("tokenwise.router.cache.timeout", () -> "2s");
    // a route whose Anthropic breakpoints are written with the 1-hour TTL whatever the reuse
    registry.add("tokenwise.router.routes.hour.prompt-cache.ttl", () -> "1h");
    registry.add("tokenwise.router.routes.hour.cache.enabled", () -> "false");
    // a route with a JSON schema
    registry.add(
        "tokenwise.router.routes.schema.json-schema",
        () ->
            "{\"type\":\"object\",\"properties\":{\"answer\":{\"type\":\"string\"}},"
                + "\"required\":[\"answer\"]}");
    registry.add("tokenwise.router.routes.schema.cache.enabled", () -> "false");
    // a route with an output cap, prompt-cache shaping and its own fallback chain
    registry.add("tokenwise.router.routes.tactics.output.max-tokens", () -> "64");
    registry.add("tokenwise.router.routes.tactics.prompt-cache.ttl", () -> "5m");
    registry.add("tokenwise.router.routes.tactics.fallbacks[0]", () -> "claude-haiku-4-5");
    registry.add("tokenwise.router.routes.tactics.fallbacks[1]", () -> "gpt-5-mini");
    registry.add("tokenwise.router.routes.tactics.cache.enabled", () -> "false");
    // the fallback cases fail a model on purpose: its breaker must not open for the other cases
    registry.add("tokenwise.router.resilience.sliding-window", () -> "1000");
    registry.add("tokenwise.router.resilience.initial-backoff", () -> "10ms");
  }

  enum Protocol {
    CHAT("/v1/chat/completions"),
    MESSAGES("/v1/messages"),
    RESPONSES("/v1/responses");

    final String path;

    Protocol(String path) {
      this.path = path;
    }
  }

  @LocalServerPort int port;
  @Autowired ReactiveStringRedisTemplate redis;
  @Autowired JsonMapper json;
  WebTestClient client;

  @BeforeEach
  void setUp() {
    TestServers.redis().start();
    TestServers.redis().flushAll();
    cache.reset();
    simulator.reset();
    client =
        WebTestClient.bindToServer()
            .baseUrl("http://localhost:" + port)
            .responseTimeout(Duration.ofSeconds(60))
            .build();
  }

  @AfterAll
  static void stop() {
    cache.close();
  }

  static List<Arguments> matrix() {
    List<Arguments> cases = new ArrayList<>();
    for (Protocol protocol : Protocol.values()) {
      for (boolean stream : new boolean[] {false, true}) {
        for (String model : List.of("gpt-5-mini", "claude-haiku-4-5")) {
          cases.add(Arguments.of(protocol, stream, model));
        }
      }
    }
    return cases;
  }

  @ParameterizedTest(name = "{0} stream={1} {2}")
  @MethodSource("matrix")
  void aMissIsAnsweredInTheClientsShapeStoredAndCountedOnce(
      Protocol protocol, boolean stream, String model) {
    String question = "What is a token bucket, case " + UUID.randomUUID() + "?";
    Answer answer = send(protocol, model, question, stream, null);
    assertThat(answer.headers().getFirst("Tokenwise-Model")).isEqualTo(model);
    assertThat(answer.headers().getFirst("Tokenwise-Cache")).isEqualTo("miss");
    assertThat(answer.text()).startsWith("You asked: \"" + question + "\"");

    JsonNode event = awaitEvent(answer.requestId());
    assertThat(event.get("mode").asString()).isEqualTo(stream ? "stream" : "sync");
    assertThat(event.get("status").asString()).isEqualTo("ok");
    assertThat(event.get("servedModel").asString()).isEqualTo(model);
    assertThat(event.get("provider").asString()).isEqualTo(provider(model));
    assertThat(event.get("inputTokens").asLong()).isPositive();
    assertThat(event.get("outputTokens").asLong()).isPositive();

    // the same question, whatever the protocol, is looked up and stored as one chat request
    JsonNode lookup = json.readTree(cache.cacheLookups.get(0).body());
    assertThat(lookup.at("/request/messages/0/content").asString()).isEqualTo(question);
    assertThat(lookup.at("/model").asString()).isEqualTo(model);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(cache.cacheStores).hasSize(1));
    JsonNode stored = json.readTree(cache.cacheStores.get(0).body());
    assertThat(stored.at("/response/object").asString()).isEqualTo("chat.completion");
    assertThat(stored.at("/response/choices/0/message/content").asString())
        .isEqualTo(answer.text());
  }

  @ParameterizedTest(name = "{0} stream={1} {2}")
  @MethodSource("matrix")
  void anExactHitNamesTheModelAndProviderOfTheStoredAnswer(
      Protocol protocol, boolean stream, String model) {
    Answer answer = send(protocol, model, StubUpstream.CACHED_QUESTION, stream, null);
    assertThat(answer.headers().getFirst("Tokenwise-Cache")).isEqualTo("hit-exact");
    assertThat(answer.text()).isEqualTo("Hello from the cache.");

    JsonNode event = awaitEvent(answer.requestId());
    assertThat(event.get("mode").asString()).isEqualTo("cache-exact");
    assertThat(event.get("servedModel").asString()).isEqualTo(model);
    assertThat(event.get("provider").asString()).isEqualTo(provider(model));
    assertThat(event.get("outputTokens").asLong()).isEqualTo(4);
    assertThat(simulatorCalls()).isZero();
  }

  @ParameterizedTest(name = "{0} stream={1} {2}")
  @MethodSource("matrix")
  void aSemanticHitIsAnsweredInTheClientsShape(Protocol protocol, boolean stream, String model) {
    Answer answer = send(protocol, model, StubUpstream.SEMANTIC_QUESTION, stream, null);
    assertThat(answer.headers().getFirst("Tokenwise-Cache")).isEqualTo("hit-semantic");
    assertThat(answer.text()).isEqualTo("The capital of France is Paris.");
    JsonNode event = awaitEvent(answer.requestId());
    assertThat(event.get("mode").asString()).isEqualTo("cache-semantic");
    assertThat(event.get("servedModel").asString()).isEqualTo(model);
    assertThat(event.get("provider").asString()).isEqualTo(provider(model));
  }

  @ParameterizedTest(name = "{0} stream={1} {2}")
  @MethodSource("matrix")
  void aSchemaRouteAnswersJsonThatMatchesIt(Protocol protocol, boolean stream, String model) {
    Answer answer = send(protocol, model, "Answer in JSON: what is 2+2?", stream, "schema");
    assertThat(json.readTree(answer.text()).path("answer").isString())
        .as("answer %s", answer.text())
        .isTrue();
    JsonNode event = awaitEvent(answer.requestId());
    assertThat(event.get("status").asString()).isEqualTo("ok");
  }

  @ParameterizedTest(name = "{0} stream={1} {2}")
  @MethodSource("matrix")
  void theRoutesCapAndPromptCacheShapingReachTheProvider(
      Protocol protocol, boolean stream, String model) {
    String question = "Summarise the archive, case " + UUID.randomUUID() + ".";
    Answer answer = send(protocol, model, question, stream, "tactics", LONG_SYSTEM);
    assertThat(answer.headers().getFirst("Tokenwise-Output-Cap")).isEqualTo("64 (clamped)");
    JsonNode sent = lastProviderRequest(model);
    if (model.startsWith("claude")) {
      assertThat(sent.path("max_tokens").asLong()).isEqualTo(64);
      assertThat(sent.toString()).contains("cache_control");
      assertThat(answer.headers().getFirst("Tokenwise-Prompt-Cache")).startsWith("breakpoints=");
    } else {
      assertThat(sent.path("max_completion_tokens").asLong()).isEqualTo(64);
      assertThat(sent.path("prompt_cache_key").asString()).startsWith("tw-");
    }
    JsonNode event = awaitEvent(answer.requestId());
    assertThat(event.get("requestedMaxTokens").asLong()).isEqualTo(300);
    assertThat(event.get("appliedMaxTokens").asLong()).isEqualTo(64);
  }

  @ParameterizedTest(name = "{0} stream={1} {2}")
  @MethodSource("matrix")
  void aFailingModelFallsBackAlongTheRoutesChain(Protocol protocol, boolean stream, String model) {
    String fallback = model.startsWith("claude") ? "gpt-5-mini" : "claude-haiku-4-5";
    // every attempt at the served model fails (three per model)
    simulator.queueFaults("500", 3, model);
    String question = "Is anyone there, case " + UUID.randomUUID() + "?";
    Answer answer = send(protocol, model, question, stream, "tactics", null);
    assertThat(answer.headers().getFirst("Tokenwise-Model")).isEqualTo(fallback);
    assertThat(answer.text()).startsWith("You asked: \"" + question + "\"");
    JsonNode event = awaitEvent(answer.requestId());
    assertThat(event.get("status").asString()).isEqualTo("ok");
    assertThat(event.get("servedModel").asString()).isEqualTo(fallback);
    assertThat(event.get("provider").asString()).isEqualTo(provider(fallback));
  }

  @Test
  void aOneHourCacheWriteOnChatCompletionsIsPricedAtTwiceTheInputPrice() {
    ObjectNode body = json.createObjectNode().put("model", "claude-haiku-4-5");
    // a prefix of its own (letters: the lint treats ids as volatile and places no breakpoint),
    // since the simulator's prompt cache outlives its reset, and a read is no write
    body.putArray("messages")
        .add(
            json.createObjectNode()
                .put("role", "system")
                .put("content", "Archive " + letters() + ". " + LONG_SYSTEM))
        .add(json.createObjectNode().put("role", "user").put("content", "Hi."));
    EntityExchangeResult<byte[]> result =
        client
            .post()
            .uri("/v1/chat/completions")
            .header(HttpHeaders.AUTHORIZATION, "Bearer " + KEY)
            .header("Tokenwise-Route", "hour")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(json.writeValueAsBytes(body))
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody()
            .returnResult();
    JsonNode event = awaitEvent(result.getResponseHeaders().getFirst("Tokenwise-Request-Id"));
    long write1h = event.at("/cacheWriteTokens/ttl1h").asLong();
    long write5m = event.at("/cacheWriteTokens/ttl5m").asLong();
    assertThat(write1h).as("the 1-hour write, kept from Anthropic's own usage").isPositive();
    assertThat(write5m).isZero();
    long input = event.get("inputTokens").asLong();
    long cached = event.get("cachedInputTokens").asLong();
    long output = event.get("outputTokens").asLong();
    // Claude Haiku 4.5: input $1, 1-hour write $2 (2x input), read $0.10, output $5 per million
    BigDecimal expected =
        BigDecimal.valueOf(input - write1h - cached)
            .add(BigDecimal.valueOf(write1h).multiply(BigDecimal.valueOf(2)))
            .add(BigDecimal.valueOf(cached).multiply(new BigDecimal("0.10")))
            .add(BigDecimal.valueOf(output).multiply(BigDecimal.valueOf(5)))
            .movePointLeft(6);
    BigDecimal header = new BigDecimal(result.getResponseHeaders().getFirst("Tokenwise-Cost-USD"));
    assertThat(header.subtract(expected).abs()).isLessThan(new BigDecimal("0.000000001"));
  }

  // ---- helpers --------------------------------------------------------------------------

  /** The answer's text, however the protocol carries it, and the response headers. */
  record Answer(String text, HttpHeaders headers) {
    String requestId() {
      return headers.getFirst("Tokenwise-Request-Id");
    }
  }

  private static final String LONG_SYSTEM =
      "You are the archive assistant. " + "Keep every answer short and kind. ".repeat(900);

  private Answer send(
      Protocol protocol, String model, String question, boolean stream, String route) {
    return send(protocol, model, question, stream, route, null);
  }

  private Answer send(
      Protocol protocol,
      String model,
      String question,
      boolean stream,
      String route,
      String system) {
    ObjectNode body = json.createObjectNode().put("model", model);
    switch (protocol) {
      case CHAT -> {
        var messages = body.putArray("messages");
        if (system != null) {
          messages.addObject().put("role", "system").put("content", system);
        }
        messages.addObject().put("role", "user").put("content", question);
        body.put("max_completion_tokens", 300);
      }
      case MESSAGES -> {
        if (system != null) {
          body.put("system", system);
        }
        body.putArray("messages").addObject().put("role", "user").put("content", question);
        body.put("max_tokens", 300);
      }
      case RESPONSES -> {
        if (system != null) {
          body.put("instructions", system);
        }
        body.put("input", question);
        body.put("max_output_tokens", 300);
      }
    }
    if (stream) {
      body.put("stream", true);
    }
    WebTestClient.RequestBodySpec spec =
        client
            .post()
            .uri(protocol.path)
            .header(HttpHeaders.AUTHORIZATION, "Bearer " + KEY)
            .header("anthropic-version", "2023-06-01");
    if (route != null) {
      spec = spec.header("Tokenwise-Route", route);
    }
    EntityExchangeResult<byte[]> result =
        spec.contentType(MediaType.APPLICATION_JSON)
            .bodyValue(json.writeValueAsBytes(body))
            .exchange()
            .expectStatus()
            .isOk()
            .expectBody()
            .returnResult();
    String raw = new String(result.getResponseBody(), StandardCharsets.UTF_8);
    String text = stream ? streamedText(protocol, raw) : wholeText(protocol, json.readTree(raw));
    return new Answer(text, result.getResponseHeaders());
  }

  private static String wholeText(Protocol protocol, JsonNode body) {
    return switch (protocol) {
      case CHAT -> body.at("/choices/0/message/content").asString();
      case MESSAGES -> body.at("/content/0/text").asString();
      case RESPONSES -> {
        assertThat(body.path("object").asString()).isEqualTo("response");
        // incomplete when the answer was cut at a route's output cap
        assertThat(body.path("status").asString()).isIn("completed", "incomplete");
        assertThat(body.at("/usage/total_tokens").isNumber()).isTrue();
        yield body.at("/output/0/content/0/text").asString();
      }
    };
  }

  private String streamedText(Protocol protocol, String events) {
    StringBuilder text = new StringBuilder();
    List<String> types = new ArrayList<>();
    for (String event : events.split("\n\n")) {
      String data = null;
      for (String line : event.split("\n")) {
        if (line.startsWith("data:")) {
          data = line.substring(5).strip();
        }
      }
      if (data == null || data.equals("[DONE]")) {
        continue;
      }
      JsonNode chunk = json.readTree(data);
      assertThat(chunk.has("error")).as("stream error: %s", data).isFalse();
      switch (protocol) {
        case CHAT -> text.append(chunk.at("/choices/0/delta/content").asString(""));
        case MESSAGES -> {
          types.add(chunk.path("type").asString());
          if (chunk.path("type").asString().equals("content_block_delta")) {
            text.append(chunk.at("/delta/text").asString(""));
          }
        }
        case RESPONSES -> {
          types.add(chunk.path("type").asString());
          if (chunk.path("type").asString().equals("response.output_text.delta")) {
            text.append(chunk.path("delta").asString());
          }
        }
      }
    }
    if (protocol == Protocol.MESSAGES) {
      assertThat(types).startsWith("message_start").endsWith("message_stop");
    }
    if (protocol == Protocol.RESPONSES) {
      assertThat(types)
          .startsWith("response.created", "response.in_progress")
          .contains("response.output_text.done", "response.output_item.done");
      assertThat(types.get(types.size() - 1)).isIn("response.completed", "response.incomplete");
    }
    return text.toString();
  }

  private static String letters() {
    StringBuilder out = new StringBuilder();
    java.util.concurrent.ThreadLocalRandom random =
        java.util.concurrent.ThreadLocalRandom.current();
    for (int i = 0; i < 12; i++) {
      out.append((char) ('a' + random.nextInt(26)));
    }
    return out.toString();
  }

  private static String provider(String model) {
    return model.startsWith("claude") ? "anthropic" : "openai";
  }

  /** The body of the last request the simulator received for {@code model}. */
  private JsonNode lastProviderRequest(String model) {
    List<JsonNode> requests =
        simulator.requests(
            model.startsWith("claude") ? "POST /v1/messages" : "POST /v1/chat/completions");
    assertThat(requests).isNotEmpty();
    return requests.get(requests.size() - 1).path("body");
  }

  private long simulatorCalls() {
    return simulator.requests("POST /v1/messages").size()
        + simulator.requests("POST /v1/chat/completions").size();
  }

  private JsonNode awaitEvent(String requestId) {
    return await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                events().stream()
                    .filter(e -> e.path("requestId").asString("").equals(requestId))
                    .findFirst()
                    .orElse(null),
            e -> e != null);
  }

  private List<JsonNode> events() {
    List<MapRecord<String, Object, Object>> records =
        redis.opsForStream().range(UsageStream.KEY, Range.unbounded()).collectList().block();
    return records.stream()
        .map(r -> json.readTree((String) r.getValue().get(UsageStream.FIELD)))
        .toList();
  }
}
