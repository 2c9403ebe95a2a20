package dev.tokenwise.cost.quality;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestServiceTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Shadow evaluation end to end on cost-service's side, with the default judge (final answers where
 * both state one, else MiniLM embedding similarity, as for these answers): the router registers a
 * sampled request with its served answer, batch-service's signed webhook delivers the reference
 * model's answer, a verdict is recorded, and a route pushed over its regression budget by shadow
 * verdicts flips its advice. The replay's own usage event (request id ending {@code :shadow}) is
 * spend, not a client request.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "tokenwise.cost.quality.min-evaluated=2",
      "tokenwise.cost.quality.routes.shadow-faq.regression-budget=0.4",
      "tokenwise.cost.quality.refresh-interval=1h",
      "tokenwise.cost.quality.shadow.webhook-secret=" + ShadowEvaluationIT.SECRET
    })
@RealServers
class ShadowEvaluationIT {

  /** The report credential the tests' configuration sets ({@code tokenwise.cost.report-token}). */
  private static final String READER = "Bearer test-only-report-token";

  static final String SECRET = "shadow-it-secret";
  private static final String ROUTE = "shadow-faq";
  private static final String TENANT = "shadow-it";

  @LocalServerPort int port;
  @Autowired JsonMapper json;
  @Autowired StringRedisTemplate redis;
  @Autowired JdbcTemplate jdbc;

  private final HttpClient http = HttpClient.newHttpClient();
  private final String run = UUID.randomUUID().toString().substring(0, 8);

  @Test
  void signedReplayResultsBecomeVerdictsAndFlipTheRoutesAdvice() {
    String similarShadow = register("req-a", "The capital of France is Paris.", "job-a-" + run);
    HttpResponse<String> good =
        deliver(similarShadow, "job-a-" + run, "succeeded", "Paris is the capital of France.");
    assertThat(good.statusCode()).as(good.body()).isEqualTo(200);
    JsonNode first = json.readTree(good.body());
    assertThat(first.get("status").asString()).isEqualTo("judged");
    assertThat(first.get("verdict").asString()).isEqualTo("good");
    assertThat(first.get("similarity").asDouble()).isGreaterThan(0.85);
    assertThat(first.get("judge").asString()).contains("embedding-similarity");
    assertThat(first.at("/advice/tighten").asBoolean()).isFalse();

    String differentShadow = register("req-b", "Your order ships in 2 days.", "job-b-" + run);
    HttpResponse<String> bad =
        deliver(
            differentShadow,
            "job-b-" + run,
            "succeeded",
            "Photosynthesis turns light, water and carbon dioxide into sugar.");
    assertThat(bad.statusCode()).as(bad.body()).isEqualTo(200);
    JsonNode second = json.readTree(bad.body());
    assertThat(second.get("verdict").asString()).isEqualTo("bad");
    // 1 bad of 2 evaluated = 0.5 > budget 0.4, with the minimum of 2 evaluated: tighten.
    assertThat(second.at("/advice/tighten").asBoolean()).isTrue();
    JsonNode published = advice(ROUTE);
    assertThat(published.get("tighten").asBoolean()).isTrue();
    assertThat(published.get("regressionRate").asDouble()).isEqualTo(0.5);

    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM cost.quality_verdict WHERE route = ? AND source = 'shadow'",
                Long.class,
                ROUTE))
        .isEqualTo(2);
  }

  @Test
  void redeliveryIsIdempotentAndForgedOrMisdirectedDeliveriesAreRefused() {
    String shadow = register("req-c", "Refunds take five business days.");
    String job = "job-c-" + run;
    assertThat(deliver(shadow, job, "succeeded", "Refunds take 5 business days.").statusCode())
        .isEqualTo(200);
    HttpResponse<String> again = deliver(shadow, job, "succeeded", "whatever");
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(json.readTree(again.body()).get("status").asString()).isEqualTo("duplicate");
    // another job delivered to an answered shadow
    assertThat(deliver(shadow, "job-other-" + run, "succeeded", "x").statusCode()).isEqualTo(409);

    String fresh = register("req-d", "Open 9 to 5.", "job-d-" + run);
    String body = jobJson("job-d-" + run, "succeeded", ROUTE, "gpt-5", "Open nine to five.");
    long now = Instant.now().getEpochSecond();
    // wrong secret
    HttpResponse<String> forged =
        post(
            "/api/quality/shadow-results/" + fresh,
            body,
            "job-d-" + run,
            now,
            ShadowEvaluationController.sign("not-the-secret", "job-d-" + run, now, body));
    assertThat(forged.statusCode()).isEqualTo(401);
    assertThat(json.readTree(forged.body()).get("type").asString())
        .isEqualTo("https://tokenwise.dev/problems/invalid-webhook-signature");
    // a genuine signature that is too old (a captured delivery replayed later)
    long old = now - 3600;
    assertThat(
            post(
                    "/api/quality/shadow-results/" + fresh,
                    body,
                    "job-d-" + run,
                    old,
                    ShadowEvaluationController.sign(SECRET, "job-d-" + run, old, body))
                .statusCode())
        .isEqualTo(401);
    // an authentic delivery of another job, replayed to this shadow's path
    String otherRoute = webhookJson("job-e-" + run, "succeeded", "x");
    assertThat(
            post(
                    "/api/quality/shadow-results/" + fresh,
                    otherRoute,
                    "job-e-" + run,
                    now,
                    ShadowEvaluationController.sign(SECRET, "job-e-" + run, now, otherRoute))
                .statusCode())
        .isEqualTo(409);
    // unknown shadow id
    assertThat(deliver(UUID.randomUUID().toString(), "job-f-" + run, "succeeded", "x").statusCode())
        .isEqualTo(404);
    // a failed replay records no verdict
    HttpResponse<String> failed = deliver(fresh, "job-d-" + run, "failed", null);
    assertThat(json.readTree(failed.body()).get("status").asString()).isEqualTo("failed");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM cost.quality_verdict WHERE request_id = ?",
                Long.class,
                requestId("req-d")))
        .isZero();
  }

  @Test
  void registrationIsValidated() {
    HttpResponse<String> response =
        post(
            "/api/quality/shadow-requests",
            """
            {"shadowId":"%s","requestId":"r","tenant":"t","route":"x","reason":"because",\
            "referenceModel":"gpt-5","servedAnswer":"a"}"""
                .formatted(UUID.randomUUID()));
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json.readTree(response.body()).get("field").asString()).isEqualTo("reason");
    HttpResponse<String> noId =
        post(
            "/api/quality/shadow-requests",
            """
            {"shadowId":"nope","requestId":"r","tenant":"t","route":"x","reason":"routed-down",\
            "referenceModel":"gpt-5","servedAnswer":"a"}""");
    assertThat(json.readTree(noId.body()).get("field").asString()).isEqualTo("shadowId");
  }

  @Test
  void theReplaysUsageIsSpendButNotAClientRequest() {
    String day = "2026-09-14";
    String body =
        "["
            + usageEvent(requestId("req-u"), day + "T10:00:00Z", "sync", "gpt-5-mini")
            + ","
            + usageEvent(requestId("req-u") + ":shadow", day + "T10:05:00Z", "batch", "gpt-5")
            + "]";
    HttpResponse<String> stored = post("/api/events", body);
    assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);
    JsonNode summary =
        json.readTree(
            get("/api/usage/summary?from=" + day + "T00:00:00Z&to=" + day + "T23:00:00Z").body());
    assertThat(summary.get("requests").asLong()).isEqualTo(1);
    assertThat(
            jdbc.queryForObject(
                "SELECT requests FROM cost.usage_shadow_hour WHERE tenant = ? AND model = 'gpt-5'"
                    + " AND mode = 'batch'",
                Long.class,
                TENANT + "-" + run))
        .isEqualTo(1);
  }

  private String usageEvent(String requestId, String at, String mode, String model) {
    return """
        {"schemaVersion":1,"eventId":"%s","occurredAt":"%s","requestId":"%s","tenant":"%s",\
        "route":"%s","requestedModel":"%s","servedModel":"%s","provider":"openai","mode":"%s",\
        "inputTokens":1000,"cachedInputTokens":0,"outputTokens":100,"reasoningTokens":0,\
        "latencyMs":200,"status":"ok","finishReason":"stop"}"""
        .formatted(UUID.randomUUID(), at, requestId, TENANT + "-" + run, ROUTE, model, model, mode);
  }

  private String requestId(String name) {
    return name + "-" + run;
  }

  private String register(String request, String servedAnswer) {
    return register(request, servedAnswer, null);
  }

  /** Registers as the router does, after batch-service accepted the replay as {@code job}. */
  private String register(String request, String servedAnswer, String job) {
    String shadowId = UUID.randomUUID().toString();
    HttpResponse<String> response =
        post(
            "/api/quality/shadow-requests",
            """
            {"shadowId":"%s","requestId":"%s","tenant":"%s","route":"%s","reason":"routed-down",\
            "servedModel":"gpt-5-nano","referenceModel":"gpt-5","servedAnswer":"%s"%s}"""
                .formatted(
                    shadowId,
                    requestId(request),
                    TENANT,
                    ROUTE,
                    servedAnswer,
                    job == null ? "" : ",\"jobId\":\"" + job + "\""));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return shadowId;
  }

  private HttpResponse<String> deliver(String shadowId, String job, String status, String answer) {
    String body = webhookJson(job, status, answer);
    long now = Instant.now().getEpochSecond();
    return post(
        "/api/quality/shadow-results/" + shadowId,
        body,
        job,
        now,
        ShadowEvaluationController.sign(SECRET, job, now, body));
  }

  /**
   * What batch-service's webhook delivers (WebhookDeliverer): id, object, status, result, error.
   */
  private static String webhookJson(String id, String status, String answer) {
    String result =
        answer == null
            ? "null"
            : """
            {"id":"chatcmpl-1","object":"chat.completion","model":"gpt-5-2025-08-07","choices":\
            [{"index":0,"message":{"role":"assistant","content":"%s"},"finish_reason":"stop"}],\
            "usage":{"prompt_tokens":10,"completion_tokens":8,"total_tokens":18}}"""
                .formatted(answer);
    return """
        {"id":"%s","object":"tokenwise.job","status":"%s","result":%s,"error":%s}"""
        .formatted(id, status, result, answer == null ? "{\"message\":\"expired\"}" : "null");
  }

  /** batch-service's job view (GET /v1/jobs/{id}) for a replay in OpenAI format. */
  private static String jobJson(
      String id, String status, String route, String model, String answer) {
    String result =
        answer == null
            ? "null"
            : """
            {"id":"chatcmpl-1","object":"chat.completion","model":"%s","choices":[{"index":0,\
            "message":{"role":"assistant","content":"%s"},"finish_reason":"stop"}],\
            "usage":{"prompt_tokens":10,"completion_tokens":8,"total_tokens":18}}"""
                .formatted(model, answer);
    return """
        {"id":"%s","object":"tokenwise.job","status":"%s","route":"%s","provider":"openai",\
        "model":"%s","clientFormat":"openai","attempts":1,"answeredBy":"batch","result":%s,\
        "error":null}"""
        .formatted(id, status, route, model, result);
  }

  /** The route's advice as the router reads it: {@code GET /api/quality/routes}. */
  private JsonNode advice(String route) {
    for (JsonNode advice : json.readTree(get("/api/quality/routes").body())) {
      if (route.equals(advice.path("route").asString())) {
        return advice;
      }
    }
    throw new AssertionError("no advice for route " + route);
  }

  private HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).header("Authorization", READER).GET().build());
  }

  private HttpResponse<String> post(String path, String body) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header(
                ServiceTokens.HEADER,
                TestServiceTokens.forBody(ServiceTokens.ROUTER, ServiceTokens.COST, body))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  private HttpResponse<String> post(
      String path, String body, String webhookId, long timestamp, String signature) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .header(ShadowEvaluationController.WEBHOOK_ID, webhookId)
            .header(ShadowEvaluationController.WEBHOOK_TIMESTAMP, Long.toString(timestamp))
            .header(ShadowEvaluationController.WEBHOOK_SIGNATURE, signature)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private URI uri(String path) {
    return URI.create("http://localhost:" + port + path);
  }
}
