package dev.tokenwise.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tokenwise.common.quality.RoutingSample;
import dev.tokenwise.common.quality.RoutingVerdict;
import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestServers;
import dev.tokenwise.router.routing.PromptFeatures;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The router's side of self-training, against real Redis, the simulator, and a stand-in for
 * cost-service that serves a learned route's verdicts (a planted rule: the cheap tier fails the
 * prompts on one side of a direction in embedding space) and records the routing samples it is
 * sent. A retraining fits a candidate, checks it on the held-back verdicts and publishes it; the
 * router routes with it at once and names it in {@code Tokenwise-Router-Version}; the admin API
 * lists the versions and rolls back to the configured model and forward again.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers(postgres = false)
class SelfTrainingIT {

  private static final String ADMIN = "self-training-admin-token";
  private static final String KEY = "tw-self-training-key";
  private static final String ROUTE = "learn";
  private static final SimulatorProcess simulator = SimulatorProcess.shared();
  private static final CostStandIn cost = new CostStandIn();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("tokenwise.router.admin.token", () -> ADMIN);
    registry.add("tokenwise.router.tenants[0].id", () -> "acme");
    registry.add(
        "tokenwise.router.tenants[0].key-hashes[0]", () -> VirtualKeyAuthenticator.hash(KEY));
    registry.add("tokenwise.router.providers.openai.base-url", simulator::baseUrl);
    registry.add("tokenwise.router.providers.openai.api-key", () -> "sk-openai-test");
    registry.add("tokenwise.router.cache.enabled", () -> "false");
    registry.add("tokenwise.router.cost.base-url", cost::baseUrl);
    registry.add("tokenwise.router.routes." + ROUTE + ".tiers[0]", () -> "gpt-5-nano");
    registry.add("tokenwise.router.routes." + ROUTE + ".tiers[1]", () -> "gpt-5");
    registry.add("tokenwise.router.routes." + ROUTE + ".classifier.type", () -> "learned");
    registry.add("tokenwise.router.routes.plain.tiers[0]", () -> "gpt-5-nano");
    registry.add("tokenwise.router.routes.plain.tiers[1]", () -> "gpt-5");
    registry.add("tokenwise.router.routes.plain.classifier.type", () -> "heuristic");
    registry.add("tokenwise.router.learning.sample-rate", () -> "1");
    registry.add("tokenwise.router.learning.exploration", () -> "0");
    registry.add("tokenwise.router.learning.retrain-interval", () -> "1h");
    registry.add("tokenwise.router.learning.poll-interval", () -> "200ms");
    registry.add("tokenwise.router.learning.held-out-share", () -> "0.3");
    registry.add("tokenwise.router.learning.min-held-out", () -> "30");
    registry.add("tokenwise.router.learning.min-both-known", () -> "30");
    registry.add("tokenwise.router.budgets.redis-timeout", () -> "15s");
    registry.add("tokenwise.router.usage.publish-timeout", () -> "15s");
  }

  @LocalServerPort int port;
  @Autowired JsonMapper json;

  WebTestClient client;

  @BeforeEach
  void setUp() {
    TestServers.redis().flushAll();
    client =
        WebTestClient.bindToServer()
            .baseUrl("http://localhost:" + port)
            .responseTimeout(Duration.ofSeconds(60))
            .build();
  }

  @AfterAll
  static void stopStandIn() {
    cost.close();
  }

  @Test
  void aRetrainedVersionIsPublishedUsedNamedAndRolledBack() {
    // Before any version: the shipped model chooses, and the request's routing sample is sent.
    EntityExchangeResult<byte[]> first = ask("What is the capital of France?");
    assertThat(first.getResponseHeaders().getFirst("Tokenwise-Router-Version"))
        .isEqualTo("shipped");
    String requestId = first.getResponseHeaders().getFirst("Tokenwise-Request-Id");
    RoutingSample sample =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> cost.sample(requestId, json), s -> s != null);
    assertThat(sample.tenant()).isEqualTo("acme");
    assertThat(sample.route()).isEqualTo(ROUTE);
    assertThat(sample.routerVersion()).isEqualTo("shipped");
    assertThat(sample.explored()).isFalse();
    assertThat(sample.propensity()).isEqualTo(1.0);
    assertThat(RoutingSample.decode(sample.embedding())).hasSize(384);
    assertThat(sample.features()).hasSize(PromptFeatures.NAMES.size());
    assertThat(sample.prompt()).as("the route keeps no prompts").isNull();

    // Retrain now: the candidate learns the planted rule and beats the shipped model.
    cost.verdicts = planted(400, new Random(7), json);
    JsonNode retrained = admin("POST", "/admin/routes/" + ROUTE + "/retrain", ADMIN, 200);
    assertThat(retrained.path("outcome").asString())
        .as(retrained.toString())
        .isEqualTo("published");
    String version = retrained.path("published").asString();
    assertThat(version).isEqualTo(ROUTE + "-v1");
    assertThat(retrained.at("/decision/candidate").asDouble())
        .isGreaterThan(retrained.at("/decision/current").asDouble());

    JsonNode listed = admin("GET", "/admin/routes/" + ROUTE + "/router-versions", ADMIN, 200);
    assertThat(listed.path("active").asString()).isEqualTo(version);
    assertThat(listed.path("configured").asString()).isEqualTo("shipped");
    assertThat(listed.path("versions")).hasSize(1);
    assertThat(listed.at("/versions/0/parent").asString()).isEqualTo("shipped");
    assertThat(listed.at("/versions/0/trainingVerdicts").asInt()).isEqualTo(280);

    // and keeps routing with it, poll after poll
    // (every answer over more than five 200 ms polls of the active version names it)
    await()
        .during(Duration.ofMillis(1200))
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> version.equals(routerVersion("What is 2 + 2?")));

    // Roll back to the configured model, then forward again.
    admin("POST", "/admin/routes/" + ROUTE + "/router-versions/configured/activate", ADMIN, 200);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "shipped".equals(routerVersion("What is 3 + 3?")));
    admin(
        "POST", "/admin/routes/" + ROUTE + "/router-versions/" + version + "/activate", ADMIN, 200);
    assertThat(ask("What is 4 + 4?").getResponseHeaders().getFirst("Tokenwise-Router-Version"))
        .isEqualTo(version);

    // A candidate no better than the version in use is not published.
    JsonNode again = admin("POST", "/admin/routes/" + ROUTE + "/retrain", ADMIN, 200);
    assertThat(again.path("outcome").asString()).as(again.toString()).isEqualTo("kept");
    assertThat(
            admin("GET", "/admin/routes/" + ROUTE + "/router-versions", ADMIN, 200)
                .path("versions"))
        .hasSize(1);
  }

  @Test
  void badCallsAreRefusedAndChangeNothing() {
    admin("POST", "/admin/routes/" + ROUTE + "/router-versions/learn-v9/activate", ADMIN, 404);
    admin("GET", "/admin/routes/nowhere/router-versions", ADMIN, 404);
    JsonNode notLearned = admin("GET", "/admin/routes/plain/router-versions", ADMIN, 400);
    assertThat(notLearned.path("type").asString()).endsWith("/not-a-learned-route");
    assertThat(notLearned.path("title").asString()).contains("'plain' has no learned classifier");
    admin("GET", "/admin/routes/" + ROUTE + "/router-versions", null, 401);
    admin("POST", "/admin/routes/" + ROUTE + "/retrain", "wrong-token", 401);
    // too few verdicts: nothing is published
    cost.verdicts = planted(20, new Random(3), json);
    JsonNode few = admin("POST", "/admin/routes/" + ROUTE + "/retrain", ADMIN, 200);
    assertThat(few.path("outcome").asString()).isEqualTo("too-few");
    assertThat(
            admin("GET", "/admin/routes/" + ROUTE + "/router-versions", ADMIN, 200)
                .path("versions"))
        .isEmpty();
  }

  private String routerVersion(String question) {
    return ask(question).getResponseHeaders().getFirst("Tokenwise-Router-Version");
  }

  private EntityExchangeResult<byte[]> ask(String question) {
    return client
        .post()
        .uri("/v1/chat/completions")
        .header("Authorization", "Bearer " + KEY)
        .header("Tokenwise-Route", ROUTE)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(
            "{\"model\":\"tokenwise/auto\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + question
                + "\"}]}")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody()
        .returnResult();
  }

  private JsonNode admin(String method, String uri, String token, int status) {
    WebTestClient.RequestBodySpec spec =
        client.method(org.springframework.http.HttpMethod.valueOf(method)).uri(uri);
    if (token != null) {
      spec.header("Authorization", "Bearer " + token);
    }
    byte[] body =
        spec.exchange()
            .expectStatus()
            .isEqualTo(status)
            .expectBody()
            .returnResult()
            .getResponseBody();
    return body == null ? json.createObjectNode() : json.readTree(body);
  }

  /**
   * Shadow verdicts on cheap answers under a planted rule: the cheap answer is bad exactly when the
   * prompt's embedding lies on the positive side of one direction.
   */
  static String planted(int n, Random random, JsonMapper json) {
    float[] direction = unit(random, 384);
    List<RoutingVerdict> verdicts = new ArrayList<>();
    Instant start = Instant.now().minus(Duration.ofHours(1));
    for (int i = 0; i < n; i++) {
      float[] embedding = unit(random, 384);
      double side = 0;
      for (int d = 0; d < 384; d++) {
        side += embedding[d] * direction[d];
      }
      verdicts.add(
          new RoutingVerdict(
              "req-" + i,
              "acme",
              ROUTE,
              "shipped",
              0,
              false,
              1.0,
              RoutingSample.encode(embedding),
              new double[PromptFeatures.NAMES.size()],
              "shadow",
              side > 0.02,
              start.plusSeconds(i)));
    }
    return json.writeValueAsString(verdicts);
  }

  private static float[] unit(Random random, int dimensions) {
    float[] v = new float[dimensions];
    double norm = 0;
    for (int i = 0; i < dimensions; i++) {
      v[i] = (float) random.nextGaussian();
      norm += v[i] * v[i];
    }
    for (int i = 0; i < dimensions; i++) {
      v[i] /= (float) Math.sqrt(norm);
    }
    return v;
  }

  /** cost-service's routing-verdict and routing-sample endpoints, and empty route advice. */
  static final class CostStandIn implements AutoCloseable {

    private final HttpServer server;
    final List<String> samples = new CopyOnWriteArrayList<>();
    volatile String verdicts = "[]";

    CostStandIn() {
      try {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      server.createContext("/", this::handle);
      server.start();
    }

    String baseUrl() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    RoutingSample sample(String requestId, JsonMapper json) {
      for (String body : samples) {
        RoutingSample sample = json.readValue(body, RoutingSample.class);
        if (requestId.equals(sample.requestId())) {
          return sample;
        }
      }
      return null;
    }

    private void handle(HttpExchange exchange) throws IOException {
      String path = exchange.getRequestURI().getPath();
      byte[] request = exchange.getRequestBody().readAllBytes();
      String answer = "[]";
      int status = 200;
      if (path.equals("/api/quality/routing-samples")
          && exchange.getRequestMethod().equals("GET")) {
        answer = "[]";
      } else if (path.equals("/api/quality/routing-samples")) {
        samples.add(new String(request, StandardCharsets.UTF_8));
        status = 201;
        answer = "{\"status\":\"stored\"}";
      } else if (path.equals("/api/quality/routing-verdicts")) {
        answer = verdicts;
      } else if (!path.equals("/api/quality/routes")) {
        answer = "{}";
      }
      byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
