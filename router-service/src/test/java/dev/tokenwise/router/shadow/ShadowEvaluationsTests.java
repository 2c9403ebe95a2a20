package dev.tokenwise.router.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.testsupport.TestServiceTokens;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.router.deferral.DeferralProperties;
import dev.tokenwise.router.feedback.CostServiceProperties;
import dev.tokenwise.router.usage.UsageEvents;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The router's side of shadow evaluation against stub cost-service and batch-service: which
 * answered requests are sampled, and what a sampled one sends to each.
 */
class ShadowEvaluationsTests {

  private final JsonMapper json = JsonMapper.builder().build();
  private final List<JsonNode> registrations = new CopyOnWriteArrayList<>();
  private final List<JsonNode> deferred = new CopyOnWriteArrayList<>();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private HttpServer stub;
  private volatile int batchStatus = 202;

  private final UsageEvents.Request facts =
      new UsageEvents.Request(
          "req-42", "acme", "checkout", "user-1", "support", "gpt-5", null, null, 0L);
  private final JsonNode request =
      json.readTree(
          """
          {"model":"gpt-5-nano","stream":true,"stream_options":{"include_usage":true},\
          "messages":[{"role":"user","content":"When does my order ship?"}],"temperature":0.2}""");
  private final JsonNode completion =
      json.readTree(
          """
          {"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":\
          {"role":"assistant","content":"It ships in two days."},"finish_reason":"stop"}]}""");

  @BeforeEach
  void start() throws IOException {
    stub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    stub.createContext(
        "/api/quality/shadow-requests", exchange -> record(exchange, registrations, 201));
    stub.createContext("/internal/deferred", exchange -> record(exchange, deferred, batchStatus));
    stub.start();
  }

  @AfterEach
  void stop() {
    stub.stop(0);
  }

  private void record(HttpExchange exchange, List<JsonNode> into, int status) throws IOException {
    into.add(json.readTree(exchange.getRequestBody().readAllBytes()));
    byte[] body = "{\"id\":\"job-1\",\"status\":\"queued\"}".getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, body.length);
    try (var out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private ShadowEvaluations evaluations(double draw) {
    URI base = URI.create("http://127.0.0.1:" + stub.getAddress().getPort());
    return new ShadowEvaluations(
        new ShadowEvaluationProperties(true, 32, null),
        new CostServiceProperties(base, Duration.ofSeconds(2), Duration.ofSeconds(10)),
        new DeferralProperties(
            base, Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofDays(30)),
        registry,
        ObservationRegistry.NOOP,
        new ServiceTokens(TestServiceTokens.secret(), ServiceTokens.ROUTER, Clock.systemUTC()),
        () -> draw,
        null);
  }

  @Test
  void routedDownAndCacheAnsweredRequestsAreSampledAtTheRoutesRate() {
    ShadowEvaluations drawLow = evaluations(0.1);
    assertThat(
            drawLow
                .sample(
                    0.5,
                    "support",
                    "gpt-5",
                    facts,
                    request,
                    UsageEvent.Mode.SYNC,
                    "gpt-5-nano",
                    completion)
                .reason())
        .isEqualTo(ShadowEvaluations.Reason.ROUTED_DOWN);
    assertThat(
            drawLow
                .sample(
                    0.5,
                    "support",
                    "gpt-5",
                    facts,
                    request,
                    UsageEvent.Mode.CACHE_SEMANTIC,
                    "gpt-5",
                    completion)
                .reason())
        .isEqualTo(ShadowEvaluations.Reason.CACHE_SEMANTIC);
    // served by the reference model itself: nothing to compare
    assertThat(
            drawLow.sample(
                0.5, "support", "gpt-5", facts, request, UsageEvent.Mode.SYNC, "gpt-5", completion))
        .isNull();
    // a rate of 0 (the default) samples nothing
    assertThat(
            drawLow.sample(
                0,
                "support",
                "gpt-5",
                facts,
                request,
                UsageEvent.Mode.CACHE_EXACT,
                "gpt-5",
                completion))
        .isNull();
    // a draw above the rate is not sampled
    assertThat(
            evaluations(0.7)
                .sample(
                    0.5,
                    "support",
                    "gpt-5",
                    facts,
                    request,
                    UsageEvent.Mode.SYNC,
                    "gpt-5-nano",
                    completion))
        .isNull();
  }

  @Test
  void aSampledRequestIsReplayedThroughBatchServiceAndRegisteredWithCostService() {
    ShadowEvaluations evaluations = evaluations(0.0);
    ShadowEvaluations.Sample sample =
        evaluations.sample(
            1.0,
            "support",
            "gpt-5",
            facts,
            request,
            UsageEvent.Mode.SYNC,
            "gpt-5-nano",
            completion);

    assertThat(evaluations.submit(sample).block(Duration.ofSeconds(30))).isEqualTo("submitted");

    assertThat(registrations).hasSize(1);
    JsonNode registration = registrations.get(0);
    assertThat(registration.get("requestId").asString()).isEqualTo("req-42");
    assertThat(registration.get("tenant").asString()).isEqualTo("acme");
    assertThat(registration.get("route").asString()).isEqualTo("support");
    assertThat(registration.get("reason").asString()).isEqualTo("routed-down");
    assertThat(registration.get("servedModel").asString()).isEqualTo("gpt-5-nano");
    assertThat(registration.get("referenceModel").asString()).isEqualTo("gpt-5");
    assertThat(registration.get("servedAnswer").asString()).isEqualTo("It ships in two days.");
    // registered after batch-service accepted the replay, with its job id
    assertThat(registration.get("jobId").asString()).isEqualTo("job-1");
    String shadowId = registration.get("shadowId").asString();

    assertThat(deferred).hasSize(1);
    JsonNode replay = deferred.get(0);
    assertThat(replay.get("tenant").asString()).isEqualTo("acme");
    assertThat(replay.get("app").asString()).isEqualTo("checkout");
    assertThat(replay.get("route").asString()).isEqualTo("support");
    assertThat(replay.get("provider").asString()).isEqualTo("openai");
    assertThat(replay.get("model").asString()).isEqualTo("gpt-5");
    assertThat(replay.get("requestId").asString()).isEqualTo("req-42:shadow");
    assertThat(replay.get("webhookUrl").asString())
        .endsWith("/api/quality/shadow-results/" + shadowId);
    JsonNode body = replay.get("body");
    assertThat(body.get("model").asString()).isEqualTo("gpt-5");
    assertThat(body.has("stream")).isFalse();
    assertThat(body.has("stream_options")).isFalse();
    assertThat(body.get("messages").get(0).get("content").asString())
        .isEqualTo("When does my order ship?");
    assertThat(body.get("temperature").asDouble()).isEqualTo(0.2);
    assertThat(
            registry
                .get(ShadowEvaluations.SUBMISSIONS)
                .tag("outcome", "submitted")
                .tag("reason", "routed-down")
                .counter()
                .count())
        .isEqualTo(1.0);
  }

  @Test
  void aRefusedReplayIsCountedAsFailedNeverRegisteredAndNeverThrows() {
    batchStatus = 400;
    ShadowEvaluations evaluations = evaluations(0.0);
    ShadowEvaluations.Sample sample =
        evaluations.sample(
            1.0,
            "support",
            "gpt-5",
            facts,
            request,
            UsageEvent.Mode.CACHE_EXACT,
            "gpt-5",
            completion);

    assertThat(evaluations.submit(sample).block(Duration.ofSeconds(30))).isEqualTo("failed");
    assertThat(registrations).isEmpty();
    assertThat(
            registry
                .get(ShadowEvaluations.SUBMISSIONS)
                .tag("outcome", "failed")
                .tag("reason", "cache-exact")
                .counter()
                .count())
        .isEqualTo(1.0);
  }
}
