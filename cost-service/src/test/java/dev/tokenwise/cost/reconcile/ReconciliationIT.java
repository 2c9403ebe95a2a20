package dev.tokenwise.cost.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.SimulatorProcess;
import dev.tokenwise.common.testsupport.TestServiceTokens;
import dev.tokenwise.common.usage.UsageEvent;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A simulated day through the real provider simulator: requests answered by it are recorded in
 * cost-service as the router would record them, and reconciliation against the simulator's admin
 * usage and cost reports agrees within ±0.1% per provider and model; then each discrepancy the
 * simulator can inject (a dropped request, a price change, a duplicated batch line, a cache-write
 * tier) is detected on its own model and attributed to its cause.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers
class ReconciliationIT {

  private static SimulatorProcess simulator;

  @DynamicPropertySource
  static void simulator(DynamicPropertyRegistry registry) {
    simulator = SimulatorProcess.start(Map.of());
    registry.add("tokenwise.cost.reconciliation.openai.base-url", simulator::baseUrl);
    registry.add("tokenwise.cost.reconciliation.openai.admin-key", () -> "sk-admin-reconcile");
    registry.add("tokenwise.cost.reconciliation.anthropic.base-url", simulator::baseUrl);
    registry.add("tokenwise.cost.reconciliation.anthropic.admin-key", () -> "sk-ant-admin01-it");
  }

  @AfterAll
  static void stop() {
    if (simulator != null) {
      simulator.close();
    }
  }

  @LocalServerPort int port;
  @Autowired JsonMapper json;

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<UsageEvent> recorded = new ArrayList<>();

  @Test
  void aCleanDayAgreesAndEachInjectedDiscrepancyIsAttributed() throws Exception {
    simulator.reset();
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    String policy = "Fare rule: refunds within 24 hours, seats by class, bags by weight. ";

    // A clean day: OpenAI with prompt-cache reads, Anthropic with 5m and 1h cache writes and
    // reads, and an Anthropic batch.
    openAi("gpt-4.1-mini", policy.repeat(150) + "Which fare is cheapest?");
    openAi("gpt-4.1-mini", policy.repeat(150) + "Which fare is refundable?");
    openAi("gpt-4.1-mini", "Short question about seats");
    anthropic("claude-sonnet-4-5", policy.repeat(120), "1h", "What about bags?");
    anthropic("claude-sonnet-4-5", policy.repeat(120), "1h", "What about seats?");
    anthropic("claude-sonnet-4-5", "Other policy. ".repeat(400), "5m", "What about refunds?");
    anthropicBatch("claude-sonnet-4-5", "Why batch?", "Why wait?");
    post("/api/events", json.writeValueAsString(recorded));

    // Other test classes sharing this database record events for today too (on models this
    // simulator never served): only this test's models are asserted.
    List<String> cleanKeys =
        List.of(
            "openai/gpt-4.1-mini/standard",
            "anthropic/claude-sonnet-4-5/standard",
            "anthropic/claude-sonnet-4-5/batch");
    JsonNode clean = awaitRun(today, cleanKeys);
    assertThat(clean.path("providers").path("openai").path("enabled").asBoolean()).isTrue();
    for (String key : cleanKeys) {
      JsonNode row = rows(clean).get(key);
      assertThat(row.path("status").asString()).as(row.toString()).isEqualTo("ok");
      assertThat(row.path("costDrift").decimalValue().abs())
          .as(row.toString())
          .isLessThanOrEqualTo(new BigDecimal("0.001"));
      assertThat(row.path("tokenDrift").decimalValue().abs())
          .isLessThanOrEqualTo(new BigDecimal("0.001"));
    }
    assertThat(
            rows(clean)
                .get("openai/gpt-4.1-mini/standard")
                .path("recorded")
                .path("cachedInputTokens")
                .asLong())
        .isPositive();

    // Each discrepancy on a model of its own.
    recorded.clear();
    inject("{\"kind\":\"dropped-request\",\"provider\":\"openai\",\"model\":\"gpt-4o-mini\"}");
    inject(
        "{\"kind\":\"price-change\",\"provider\":\"anthropic\",\"model\":\"claude-haiku-4-5\","
            + "\"factor\":1.1}");
    inject(
        "{\"kind\":\"duplicated-batch-line\",\"provider\":\"anthropic\","
            + "\"model\":\"claude-opus-4-5\"}");
    inject(
        "{\"kind\":\"cache-write-tier\",\"provider\":\"anthropic\",\"model\":\"claude-opus-4-5\"}");
    openAi("gpt-4o-mini", "What is a fare class?");
    anthropic("claude-haiku-4-5", null, null, "What is a fare class?");
    anthropic("claude-opus-4-5", policy.repeat(350), "5m", "Which fares allow changes?");
    anthropicBatch("claude-opus-4-5", "Why batch?", "Why wait?");
    post("/api/events", json.writeValueAsString(recorded));

    JsonNode faulty =
        awaitRun(
            today,
            List.of(
                "openai/gpt-4o-mini/standard",
                "anthropic/claude-haiku-4-5/standard",
                "anthropic/claude-opus-4-5/standard",
                "anthropic/claude-opus-4-5/batch"));
    Map<String, JsonNode> rows = rows(faulty);
    assertThat(rows.get("openai/gpt-4.1-mini/standard").path("status").asString()).isEqualTo("ok");
    assertThat(rows.get("anthropic/claude-sonnet-4-5/standard").path("status").asString())
        .isEqualTo("ok");
    assertThat(rows.get("anthropic/claude-sonnet-4-5/batch").path("status").asString())
        .isEqualTo("ok");
    assertCause(rows.get("openai/gpt-4o-mini/standard"), "missing-events");
    assertThat(rows.get("openai/gpt-4o-mini/standard").path("reported").path("requests").asLong())
        .isEqualTo(2);
    assertCause(rows.get("anthropic/claude-haiku-4-5/standard"), "price-catalog");
    assertThat(rows.get("anthropic/claude-haiku-4-5/standard").path("costDrift").decimalValue())
        .isBetween(new BigDecimal("-0.0910"), new BigDecimal("-0.0908"));
    assertCause(rows.get("anthropic/claude-opus-4-5/standard"), "cache-write-tier");
    assertCause(rows.get("anthropic/claude-opus-4-5/batch"), "missing-events");

    // stored, and on the gauge
    JsonNode stored =
        json.readTree(get("/api/reconciliation?from=" + today + "&to=" + today).body());
    assertThat(rows(stored))
        .containsKeys(
            "openai/gpt-4.1-mini/standard",
            "openai/gpt-4o-mini/standard",
            "anthropic/claude-haiku-4-5/standard",
            "anthropic/claude-opus-4-5/batch");
    assertThat(get("/actuator/prometheus").body())
        .contains("tokenwise_cost_reconciliation_drift{")
        .contains("model=\"claude-haiku-4-5\"");
  }

  @Test
  void badRunsAreRefusedWithoutChangingAnything() throws Exception {
    HttpResponse<String> future =
        post("/api/reconciliation/runs?day=" + LocalDate.now(ZoneOffset.UTC).plusDays(2), "");
    assertThat(future.statusCode()).isEqualTo(400);
    assertThat(json.readTree(future.body()).path("type").asString())
        .isEqualTo("https://tokenwise.dev/problems/invalid-reconciliation");
    assertThat(post("/api/reconciliation/runs?provider=gemini", "").statusCode()).isEqualTo(400);
    assertThat(post("/api/reconciliation/runs?day=yesterday", "").statusCode()).isEqualTo(400);
    assertThat(get("/api/reconciliation?from=2026-02-01&to=2026-01-01").statusCode())
        .isEqualTo(400);
    assertThat(
            json.readTree(get("/api/reconciliation?from=2020-01-01&to=2020-01-02").body())
                .path("rows"))
        .isEmpty();
  }

  private static void assertCause(JsonNode row, String cause) {
    assertThat(row).as("row").isNotNull();
    assertThat(row.path("status").asString()).as(row.toString()).isEqualTo("drift");
    assertThat(row.path("cause").asString()).as(row.toString()).isEqualTo(cause);
  }

  private static Map<String, JsonNode> rows(JsonNode report) {
    Map<String, JsonNode> out = new HashMap<>();
    for (JsonNode row : report.path("rows")) {
      out.put(
          row.path("provider").asString()
              + "/"
              + row.path("model").asString()
              + "/"
              + row.path("tier").asString(),
          row);
    }
    return out;
  }

  /** Runs reconciliation for today once every recorded event has been ingested. */
  private JsonNode awaitRun(LocalDate day, List<String> expectedRows) throws Exception {
    long events = recorded.size();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              JsonNode report =
                  json.readTree(post("/api/reconciliation/runs?day=" + day, "").body());
              assertThat(rows(report)).containsKeys(expectedRows.toArray(String[]::new));
            });
    HttpResponse<String> run = post("/api/reconciliation/runs?day=" + day, "");
    assertThat(run.statusCode()).as(run.body()).isEqualTo(200);
    assertThat(events).isPositive();
    JsonNode report = json.readTree(run.body());
    for (JsonNode row : report.path("rows")) {
      System.out.printf(
          "[reconciliation] %s %s %s: %s %s cost drift %s, token drift %s (recorded %s USD,"
              + " reported %s USD)%n",
          row.path("provider").asString(),
          row.path("model").asString(),
          row.path("tier").asString(),
          row.path("status").asString(),
          row.path("cause").asString(""),
          row.path("costDrift").asString(),
          row.path("tokenDrift").asString(),
          row.path("recorded").path("costUsd").asString(),
          row.path("reported").path("costUsd").asString());
    }
    return report;
  }

  private void inject(String body) throws Exception {
    simulator.post("/simulator/billing/discrepancies", body);
  }

  private void openAi(String model, String prompt) throws Exception {
    ObjectNode body = json.createObjectNode().put("model", model);
    body.putArray("messages").addObject().put("role", "user").put("content", prompt);
    HttpResponse<String> response =
        send(
            simulator.baseUrl() + "/v1/chat/completions",
            body.toString(),
            "Authorization",
            "Bearer sk-inference");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode answer = json.readTree(response.body());
    JsonNode usage = answer.path("usage");
    recorded.add(
        event(
            "openai",
            model,
            answer.path("model").asString(),
            UsageEvent.Mode.SYNC,
            usage.path("prompt_tokens").asLong(),
            usage.path("prompt_tokens_details").path("cached_tokens").asLong(0),
            UsageEvent.CacheWriteTokens.NONE,
            usage.path("completion_tokens").asLong()));
  }

  private ObjectNode anthropicBody(String model, String system, String ttl, String question) {
    ObjectNode body = json.createObjectNode().put("model", model).put("max_tokens", 200);
    if (system != null) {
      ObjectNode block =
          body.putArray("system").addObject().put("type", "text").put("text", system);
      block.putObject("cache_control").put("type", "ephemeral").put("ttl", ttl);
    }
    body.putArray("messages").addObject().put("role", "user").put("content", question);
    return body;
  }

  private void anthropic(String model, String system, String ttl, String question)
      throws Exception {
    HttpResponse<String> response =
        send(
            simulator.baseUrl() + "/v1/messages",
            anthropicBody(model, system, ttl, question).toString(),
            "x-api-key",
            "sk-ant-inference",
            "anthropic-version",
            "2023-06-01");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode message = json.readTree(response.body());
    recorded.add(anthropicEvent(model, message, UsageEvent.Mode.SYNC));
  }

  private void anthropicBatch(String model, String... questions) throws Exception {
    ObjectNode batch = json.createObjectNode();
    var requests = batch.putArray("requests");
    for (int i = 0; i < questions.length; i++) {
      requests
          .addObject()
          .put("custom_id", "q-" + i)
          .set("params", anthropicBody(model, null, null, questions[i]));
    }
    String[] headers = {"x-api-key", "sk-ant-inference", "anthropic-version", "2023-06-01"};
    JsonNode created =
        json.readTree(
            send(simulator.baseUrl() + "/v1/messages/batches", batch.toString(), headers).body());
    String id = created.path("id").asString();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                json.readTree(
                        sendGet(simulator.baseUrl() + "/v1/messages/batches/" + id, headers).body())
                    .path("processing_status")
                    .asString()
                    .equals("ended"));
    String results =
        sendGet(simulator.baseUrl() + "/v1/messages/batches/" + id + "/results", headers).body();
    for (String line : results.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode result = json.readTree(line).path("result");
      assertThat(result.path("type").asString()).isEqualTo("succeeded");
      recorded.add(anthropicEvent(model, result.path("message"), UsageEvent.Mode.BATCH));
    }
  }

  private UsageEvent anthropicEvent(String model, JsonNode message, UsageEvent.Mode mode) {
    JsonNode usage = message.path("usage");
    long read = usage.path("cache_read_input_tokens").asLong(0);
    long write5m = usage.path("cache_creation").path("ephemeral_5m_input_tokens").asLong(0);
    long write1h = usage.path("cache_creation").path("ephemeral_1h_input_tokens").asLong(0);
    return event(
        "anthropic",
        model,
        message.path("model").asString(),
        mode,
        usage.path("input_tokens").asLong() + read + write5m + write1h,
        read,
        new UsageEvent.CacheWriteTokens(write5m, write1h),
        usage.path("output_tokens").asLong());
  }

  private static UsageEvent event(
      String provider,
      String requested,
      String served,
      UsageEvent.Mode mode,
      long input,
      long cached,
      UsageEvent.CacheWriteTokens writes,
      long output) {
    return new UsageEvent(
        UsageEvent.SCHEMA_VERSION,
        UUID.randomUUID(),
        Instant.now(),
        null,
        "reconcile-it",
        "it",
        null,
        null,
        "reconcile",
        requested,
        served,
        provider,
        mode,
        input,
        cached,
        writes,
        output,
        0,
        null,
        null,
        10,
        UsageEvent.Status.OK,
        "stop");
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .header("Authorization", "Bearer test-only-report-token")
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return send(
        "http://localhost:" + port + path,
        body,
        ServiceTokens.HEADER,
        TestServiceTokens.forBody(ServiceTokens.ROUTER, ServiceTokens.COST, body),
        "Authorization",
        "Bearer test-only-admin-token");
  }

  private HttpResponse<String> send(String url, String body, String... headers) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> sendGet(String url, String... headers) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).GET();
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
