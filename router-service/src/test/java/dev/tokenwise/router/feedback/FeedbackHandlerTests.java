package dev.tokenwise.router.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.testsupport.TestServiceTokens;
import dev.tokenwise.router.cache.ServedSemanticHits;
import dev.tokenwise.router.cache.TestCacheProperties;
import dev.tokenwise.router.error.PublicApiErrorHandler;
import dev.tokenwise.router.tenant.TenantProperties;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
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
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.HandlerStrategies;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/feedback} against a stub cost-service: the verdict is forwarded with the key's
 * tenant (never the body's), cost-service's answers are relayed, bad bodies are OpenAI-shaped 400s
 * that never reach cost-service.
 */
class FeedbackHandlerTests {

  private final JsonMapper json = JsonMapper.builder().build();
  private final List<JsonNode> forwarded = new CopyOnWriteArrayList<>();
  private HttpServer costService;
  private WebTestClient client;

  @BeforeEach
  void start() throws IOException {
    costService = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    costService.createContext("/api/feedback", this::feedback);
    costService.start();
    CostServiceProperties properties =
        new CostServiceProperties(
            URI.create("http://127.0.0.1:" + costService.getAddress().getPort()),
            Duration.ofSeconds(2),
            Duration.ofSeconds(10));
    VirtualKeyAuthenticator authenticator =
        new VirtualKeyAuthenticator(
            new TenantProperties(
                List.of(
                    new TenantProperties.TenantEntry(
                        "acme", null, List.of(VirtualKeyAuthenticator.hash("tw-acme"))))));
    FeedbackHandler handler =
        new FeedbackHandler(
            authenticator,
            new CostFeedbackClient(
                properties,
                ObservationRegistry.NOOP,
                new ServiceTokens(
                    TestServiceTokens.secret(), ServiceTokens.ROUTER, Clock.systemUTC())),
            // no semantic hits to rate here (ChatCompletionsIT covers them, with Redis)
            new ServedSemanticHits(
                null, null, TestCacheProperties.unreachable(), json, new SimpleMeterRegistry()),
            json);
    client =
        WebTestClient.bindToRouterFunction(new FeedbackRoutes().feedbackRoute(handler))
            .handlerStrategies(
                HandlerStrategies.builder()
                    .exceptionHandler(new PublicApiErrorHandler(json))
                    .build())
            .configureClient()
            .responseTimeout(Duration.ofSeconds(30))
            .build();
  }

  @AfterEach
  void stop() {
    costService.stop(0);
  }

  /** Stub cost-service: "req-1" is stored, "req-new" not yet, "req-globex" is another tenant's. */
  private void feedback(HttpExchange exchange) throws IOException {
    JsonNode body = json.readTree(exchange.getRequestBody().readAllBytes());
    forwarded.add(body);
    String id = body.path("requestId").asString();
    switch (id) {
      case "req-1" ->
          respond(
              exchange,
              200,
              "{\"requestId\":\"req-1\",\"route\":\"default\",\"status\":\"recorded\"}");
      case "req-new" -> respond(exchange, 202, "{\"status\":\"pending\"}");
      default ->
          respond(
              exchange,
              404,
              "{\"type\":\"https://tokenwise.dev/problems/unknown-request\",\"status\":404}");
    }
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (var out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private WebTestClient.ResponseSpec post(String key, String body) {
    WebTestClient.RequestBodySpec spec =
        client.post().uri("/v1/feedback").contentType(MediaType.APPLICATION_JSON);
    if (key != null) {
      spec.header("Authorization", "Bearer " + key);
    }
    return spec.bodyValue(body).exchange();
  }

  @Test
  void verdictIsForwardedWithTheKeysTenantAndRecorded() {
    post(
            "tw-acme",
            """
            {"request_id":"req-1","verdict":"bad","comment":"wrong total","tenant":"globex"}""")
        .expectStatus()
        .isOk()
        .expectBody()
        .jsonPath("$.object")
        .isEqualTo("tokenwise.feedback")
        .jsonPath("$.request_id")
        .isEqualTo("req-1")
        .jsonPath("$.status")
        .isEqualTo("recorded");

    assertThat(forwarded).hasSize(1);
    JsonNode sent = forwarded.get(0);
    assertThat(sent.path("tenant").asString()).isEqualTo("acme");
    assertThat(sent.path("requestId").asString()).isEqualTo("req-1");
    assertThat(sent.path("verdict").asString()).isEqualTo("bad");
    assertThat(sent.path("comment").asString()).isEqualTo("wrong total");
  }

  @Test
  void aRequestNotStoredYetIsAcceptedAsPending() {
    post("tw-acme", "{\"requestId\":\"req-new\",\"verdict\":\"good\"}")
        .expectStatus()
        .isAccepted()
        .expectBody()
        .jsonPath("$.status")
        .isEqualTo("pending");
  }

  @Test
  void anotherTenantsRequestIsAnOpenAiShaped404() {
    post("tw-acme", "{\"request_id\":\"req-globex\",\"verdict\":\"good\"}")
        .expectStatus()
        .isNotFound()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("request_not_found")
        .jsonPath("$.error.param")
        .isEqualTo("request_id");
  }

  @Test
  void badBodiesAre400sNamingTheFieldAndAreNotForwarded() {
    assertBadRequest("{\"verdict\":\"good\"}", "request_id");
    assertBadRequest("{\"request_id\":42,\"verdict\":\"good\"}", "request_id");
    assertBadRequest("{\"request_id\":\"req-1\"}", "verdict");
    assertBadRequest("{\"request_id\":\"req-1\",\"verdict\":\"meh\"}", "verdict");
    assertBadRequest(
        "{\"request_id\":\"req-1\",\"verdict\":\"bad\",\"comment\":\"" + "x".repeat(2001) + "\"}",
        "comment");
    post("tw-acme", "not json")
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.type")
        .isEqualTo("invalid_request_error");
    post("tw-acme", "[1]").expectStatus().isBadRequest();
    assertThat(forwarded).isEmpty();
  }

  @Test
  void withoutAValidKeyIs401() {
    post(null, "{\"request_id\":\"req-1\",\"verdict\":\"good\"}")
        .expectStatus()
        .isUnauthorized()
        .expectBody()
        .jsonPath("$.error.code")
        .isEqualTo("invalid_api_key");
    post("tw-nobody", "{\"request_id\":\"req-1\",\"verdict\":\"good\"}")
        .expectStatus()
        .isUnauthorized();
    assertThat(forwarded).isEmpty();
  }

  private void assertBadRequest(String body, String param) {
    post("tw-acme", body)
        .expectStatus()
        .isBadRequest()
        .expectBody()
        .jsonPath("$.error.param")
        .isEqualTo(param)
        .jsonPath("$.error.type")
        .isEqualTo("invalid_request_error");
  }
}
