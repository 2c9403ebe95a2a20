package dev.tokenwise.cost.quality;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.quality.RoutingSample;
import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestServiceTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The router's training data: samples stored under the router's service token for their tenant,
 * joined with the feedback and shadow verdicts on their requests, read back by the retraining job;
 * bad samples are a 400 naming the field and store nothing; another caller or tenant is a 403.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers
class RoutingSampleIT {

  private static final String TENANT = "samples-it";
  private static final String ADMIN = "test-only-admin-token";

  @LocalServerPort int port;
  @Autowired JsonMapper json;
  @Autowired JdbcTemplate jdbc;

  private final HttpClient http = HttpClient.newHttpClient();
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final String route = "learned-" + run;

  @Test
  void samplesJoinTheirVerdictsAndAreReadBackOldestFirst() {
    float[] embedding = {0.6f, -0.8f, 0f};
    assertThat(sample("r1-" + run, 0, false, 1.0, embedding).statusCode()).isEqualTo(201);
    assertThat(sample("r2-" + run, 1, true, 0.05, embedding).statusCode()).isEqualTo(201);
    assertThat(sample("r3-" + run, 0, false, 1.0, embedding).statusCode()).isEqualTo(201);
    // a retried POST keeps the first sample
    HttpResponse<String> again = sample("r1-" + run, 1, false, 1.0, embedding);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(json.readTree(again.body()).get("status").asString()).isEqualTo("duplicate");

    assertThat(feedback("r1-" + run, "bad").statusCode()).isIn(200, 202);
    assertThat(feedback("r2-" + run, "good").statusCode()).isIn(200, 202);
    HttpResponse<String> shadow =
        post(
            "/api/quality/shadow",
            "{\"requestId\":\"r1-%s\",\"route\":\"%s\",\"verdict\":\"good\",\"tenant\":\"%s\"}"
                .formatted(run, route, TENANT),
            "Authorization",
            "Bearer " + ADMIN);
    assertThat(shadow.statusCode()).as(shadow.body()).isEqualTo(200);

    HttpResponse<String> read = verdicts("route=" + route, ServiceTokens.ROUTER);
    assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
    JsonNode rows = json.readTree(read.body());
    // r3 has no verdict yet; r1 has two
    assertThat(rows).hasSize(3);
    JsonNode first = rows.get(0);
    assertThat(first.get("requestId").asString()).isEqualTo("r1-" + run);
    assertThat(first.get("source").asString()).isEqualTo("feedback");
    assertThat(first.get("bad").asBoolean()).isTrue();
    assertThat(first.get("servedTier").asInt()).isZero();
    assertThat(first.get("routerVersion").asString()).isEqualTo("shipped");
    assertThat(RoutingSample.decode(first.get("embedding").asString())).containsExactly(embedding);
    assertThat(first.get("features").get(1).asDouble()).isEqualTo(2.5);
    JsonNode explored = rows.get(1);
    assertThat(explored.get("requestId").asString()).isEqualTo("r2-" + run);
    assertThat(explored.get("explored").asBoolean()).isTrue();
    assertThat(explored.get("propensity").asDouble()).isEqualTo(0.05);
    assertThat(rows.get(2).get("source").asString()).isEqualTo("shadow");
    assertThat(rows.get(2).get("bad").asBoolean()).isFalse();

    assertThat(json.readTree(verdicts("route=" + route + "&limit=1", ServiceTokens.ROUTER).body()))
        .singleElement()
        .satisfies(row -> assertThat(row.get("source").asString()).isEqualTo("shadow"));
  }

  @Test
  void badSamplesAreRefusedNamingTheFieldAndStoreNothing() {
    String id = "bad-" + run;
    assertField(
        "{\"requestId\":\"%s\",\"tenant\":\"%s\",\"route\":\"r\",\"routerVersion\":\"shipped\",\"servedTier\":2,\"propensity\":1,\"embedding\":\"AAAAAA==\",\"features\":[]}"
            .formatted(id, TENANT),
        "servedTier");
    assertField(
        "{\"requestId\":\"%s\",\"tenant\":\"%s\",\"route\":\"r\",\"routerVersion\":\"shipped\",\"servedTier\":0,\"explored\":false,\"propensity\":1,\"embedding\":\"AAA\",\"features\":[]}"
            .formatted(id, TENANT),
        "embedding");
    assertField(
        "{\"requestId\":\"%s\",\"tenant\":\"%s\",\"route\":\"r\",\"routerVersion\":\"shipped\",\"servedTier\":0,\"explored\":false,\"propensity\":0,\"embedding\":\"AAAAAA==\",\"features\":[]}"
            .formatted(id, TENANT),
        "propensity");
    assertField(
        "{\"requestId\":\"%s\",\"tenant\":\"%s\",\"route\":\"r\",\"servedTier\":0,\"explored\":false,\"propensity\":1,\"embedding\":\"AAAAAA==\",\"features\":[]}"
            .formatted(id, TENANT),
        "routerVersion");
    HttpResponse<String> malformed =
        post(
            "/api/quality/routing-samples",
            "{\"requestId\":\"%s\",\"tenant\":\"%s\",\"servedTier\":\"cheap\"}"
                .formatted(id, TENANT),
            ServiceTokens.HEADER,
            TestServiceTokens.token(ServiceTokens.ROUTER, ServiceTokens.COST, TENANT));
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(malformed.body()).contains("not a routing sample");
    assertThat(verdicts("route=", ServiceTokens.ROUTER).statusCode()).isEqualTo(400);
    assertThat(verdicts("route=r&limit=0", ServiceTokens.ROUTER).statusCode()).isEqualTo(400);
    assertThat(verdicts("route=r&since=yesterday", ServiceTokens.ROUTER).statusCode())
        .isEqualTo(400);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM cost.routing_sample WHERE request_id = ?", Long.class, id))
        .isZero();
  }

  @Test
  void onlyTheRouterMayWriteAndReadAndOnlyForTheTenantItNames() {
    String body = sampleBody("auth-" + run, 0, false, 1.0, new float[] {1f});
    HttpResponse<String> batch =
        post(
            "/api/quality/routing-samples",
            body,
            ServiceTokens.HEADER,
            TestServiceTokens.token(ServiceTokens.BATCH, ServiceTokens.COST, TENANT));
    assertThat(batch.statusCode()).isEqualTo(403);
    HttpResponse<String> otherTenant =
        post(
            "/api/quality/routing-samples",
            body,
            ServiceTokens.HEADER,
            TestServiceTokens.token(ServiceTokens.ROUTER, ServiceTokens.COST, "someone-else"));
    assertThat(otherTenant.statusCode()).isEqualTo(403);
    HttpResponse<String> none = post("/api/quality/routing-samples", body, "X-Nothing", "1");
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(verdicts("route=r", ServiceTokens.BATCH).statusCode()).isEqualTo(403);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM cost.routing_sample WHERE request_id = ?",
                Long.class,
                "auth-" + run))
        .isZero();
  }

  private void assertField(String body, String field) {
    HttpResponse<String> response =
        post(
            "/api/quality/routing-samples",
            body,
            ServiceTokens.HEADER,
            TestServiceTokens.token(ServiceTokens.ROUTER, ServiceTokens.COST, TENANT));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(json.readTree(response.body()).path("field").asString(""))
        .as(response.body())
        .isEqualTo(field);
  }

  private String sampleBody(
      String requestId, int tier, boolean explored, double propensity, float[] embedding) {
    return json.writeValueAsString(
        new RoutingSample(
            requestId,
            TENANT,
            route,
            "shipped",
            tier,
            explored,
            propensity,
            RoutingSample.encode(embedding),
            new double[] {1.0, 2.5},
            null));
  }

  private HttpResponse<String> sample(
      String requestId, int tier, boolean explored, double propensity, float[] embedding) {
    return post(
        "/api/quality/routing-samples",
        sampleBody(requestId, tier, explored, propensity, embedding),
        ServiceTokens.HEADER,
        TestServiceTokens.token(ServiceTokens.ROUTER, ServiceTokens.COST, TENANT));
  }

  private HttpResponse<String> feedback(String requestId, String verdict) {
    return post(
        "/api/feedback",
        "{\"requestId\":\"%s\",\"verdict\":\"%s\",\"tenant\":\"%s\"}"
            .formatted(requestId, verdict, TENANT),
        ServiceTokens.HEADER,
        TestServiceTokens.token(ServiceTokens.ROUTER, ServiceTokens.COST, TENANT));
  }

  private HttpResponse<String> verdicts(String query, String caller) {
    return send(
        HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/api/quality/routing-verdicts?" + query))
            .header(
                ServiceTokens.HEADER,
                TestServiceTokens.token(caller, ServiceTokens.COST, ServiceTokens.ANY_TENANT))
            .GET()
            .build());
  }

  private HttpResponse<String> post(String path, String body, String header, String value) {
    return send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .header("Content-Type", "application/json")
            .header(header, value)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
