package dev.tokenwise.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.tokenwise.common.testsupport.RealServers;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The experiments report over two experiments whose figures are worked out by hand below. Events
 * are posted to {@code POST /api/events}, verdicts to {@code POST /api/feedback}, under their own
 * tenant, day and experiment names so other ITs sharing the database do not show.
 *
 * <p>Prices (USD per million tokens, catalog 2026-02-17): GPT-5 mini 0.25 in / 2 out; GPT-5 nano
 * 0.05 in / 0.40 out. Amounts in µ$ (1e-6 USD).
 *
 * <pre>
 * experiment "diff": 40 requests per arm, request i (0..39) with 1000 + 10i input and 200 output
 *   control   gpt-5-mini: (1000 + 10i) x 0.25 + 400, total 26000 + 2.5 x 780 = 27950, 698.75 each;
 *             2 bad of 40 evaluated (5%); plus one failed request (no answer, no usage)
 *   treatment gpt-5-nano: (1000 + 10i) x 0.05 + 80,  total  5200 + 0.5 x 780 =  5590, 139.75 each;
 *             20 bad of 40 evaluated (50%)
 *   input 1195 and output 200 tokens per request in both; treatment costs 80% less
 * experiment "same": arms a and b, 20 requests each with the same tokens on gpt-5-mini,
 *   4 bad of 20 in each: no difference at all
 * </pre>
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      // Per-arm gauges over a window reaching back to this test's day.
      "tokenwise.cost.metrics.gauge-window=3650d",
      "tokenwise.cost.metrics.gauge-refresh=500ms",
      "tokenwise.cost.quality.refresh-interval=1h"
    })
@RealServers
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExperimentsIT {

  /** The report credential the tests' configuration sets ({@code tokenwise.cost.report-token}). */
  private static final String READER = CostHttp.READER;

  private static final String TENANT = "experiments-it";
  private static final String DAY = "2026-08-03";
  private static final String WINDOW = "from=2026-08-03T00:00:00Z&to=2026-08-04T00:00:00Z";

  @LocalServerPort int port;
  @Autowired JsonMapper json;
  @Autowired JdbcTemplate jdbc;

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final String diff = "diff-" + run;
  private final String same = "same-" + run;

  @BeforeAll
  void storeTheEventsAndVerdicts() {
    List<String> events = new ArrayList<>();
    Map<String, String> verdicts = new LinkedHashMap<>();
    for (int i = 0; i < 40; i++) {
      long input = 1000 + 10L * i;
      String control = "diff-control-" + i;
      String treatment = "diff-treatment-" + i;
      events.add(event(control, diff, "control", "gpt-5-mini", input, 200, "ok", null));
      events.add(event(treatment, diff, "treatment", "gpt-5-nano", input, 200, "ok", null));
      verdicts.put(control, i < 2 ? "bad" : "good");
      verdicts.put(treatment, i % 2 == 0 ? "bad" : "good");
    }
    events.add(event("diff-control-failed", diff, "control", "gpt-5-mini", 0, 0, "error", null));
    for (int i = 0; i < 20; i++) {
      long input = 500 + 25L * i;
      for (String arm : List.of("a", "b")) {
        String name = "same-" + arm + "-" + i;
        events.add(event(name, same, arm, "gpt-5-mini", input, 100, "ok", "minilm-ridge@3"));
        verdicts.put(name, i % 5 == 0 ? "bad" : "good");
      }
    }
    events.add(event("outside", null, null, "gpt-5-mini", 1000, 200, "ok", null));
    HttpResponse<String> stored = api().post("/api/events", "[" + String.join(",", events) + "]");
    assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);
    assertThat(json.readTree(stored.body()).get("stored").asInt()).isEqualTo(events.size());
    verdicts.forEach(
        (event, verdict) -> {
          HttpResponse<String> response =
              api()
                  .post(
                      "/api/feedback",
                      """
                  {"requestId":"%s","verdict":"%s","tenant":"%s"}"""
                          .formatted(requestId(event), verdict, TENANT));
          assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        });
  }

  @Test
  void eachArmsCostTokensAndRegressionRate() {
    JsonNode report = report(diff, "");
    assertThat(report.get("baseline").asString()).isEqualTo("control");
    assertThat(report.get("alpha").asDouble()).isEqualTo(0.05);
    Map<String, JsonNode> arms = byName(report.get("arms"), "arm");
    assertThat(arms).containsOnlyKeys("control", "treatment");

    JsonNode control = arms.get("control");
    assertThat(control.get("requests").asLong()).isEqualTo(40);
    assertThat(control.get("failedRequests").asLong()).isEqualTo(1);
    assertMoney(control.get("costUsd"), "0.02795");
    assertMoney(control.get("costPerRequestUsd"), "0.00069875");
    assertThat(control.get("inputTokensPerRequest").asDouble()).isEqualTo(1195.0);
    assertThat(control.get("outputTokensPerRequest").asDouble()).isEqualTo(200.0);
    assertThat(control.get("evaluated").asLong()).isEqualTo(40);
    assertThat(control.get("bad").asLong()).isEqualTo(2);
    assertThat(control.get("regressionRate").asDouble()).isEqualTo(0.05);
    assertThat(control.get("models").get(0).asString()).isEqualTo("gpt-5-mini");
    assertThat(control.get("routes").get(0).asString()).isEqualTo("support");

    JsonNode treatment = arms.get("treatment");
    assertThat(treatment.get("requests").asLong()).isEqualTo(40);
    assertThat(treatment.get("failedRequests").asLong()).isZero();
    assertMoney(treatment.get("costPerRequestUsd"), "0.00013975");
    assertThat(treatment.get("evaluated").asLong()).isEqualTo(40);
    assertThat(treatment.get("bad").asLong()).isEqualTo(20);
    assertThat(treatment.get("regressionRate").asDouble()).isEqualTo(0.5);
  }

  @Test
  void aClearlyDifferentPairIsSignificantBothInCostAndInRegressionRate() {
    JsonNode comparison = report(diff, "").get("comparisons").get(0);
    assertThat(comparison.get("arm").asString()).isEqualTo("treatment");
    assertThat(comparison.get("baseline").asString()).isEqualTo("control");
    assertMoney(comparison.at("/costPerRequest/differenceUsd"), "-0.000559");
    assertThat(comparison.at("/costPerRequest/relativeDifference").asDouble()).isEqualTo(-0.8);
    assertThat(comparison.at("/costPerRequest/pValue").asDouble()).isLessThan(1e-6);
    assertThat(comparison.at("/costPerRequest/significant").asBoolean()).isTrue();
    // 2/40 against 20/40: pooled 0.275, z = 0.45 / 0.09985 = 4.507, p = 6.6e-6
    assertThat(comparison.at("/regressionRate/difference").asDouble())
        .isCloseTo(0.45, within(1e-9));
    assertThat(comparison.at("/regressionRate/pValue").asDouble())
        .isCloseTo(6.6e-6, within(0.2e-6));
    assertThat(comparison.at("/regressionRate/significant").asBoolean()).isTrue();
    assertThat(comparison.get("significant").asBoolean()).isTrue();
    assertThat(comparison.get("verdict").asString())
        .contains("treatment against control")
        .contains("costs 80.0% less per request")
        .contains("regression rate significantly higher (50.0% against 5.0%");
  }

  @Test
  void aNamedBaselineTurnsTheComparisonAround() {
    JsonNode report = report(diff, "&baseline=treatment");
    assertThat(report.get("baseline").asString()).isEqualTo("treatment");
    JsonNode comparison = report.get("comparisons").get(0);
    assertThat(comparison.get("arm").asString()).isEqualTo("control");
    assertMoney(comparison.at("/costPerRequest/differenceUsd"), "0.000559");
    assertThat(comparison.at("/costPerRequest/relativeDifference").asDouble()).isEqualTo(4.0);
    assertThat(comparison.at("/regressionRate/difference").asDouble())
        .isCloseTo(-0.45, within(1e-9));
    assertThat(comparison.get("verdict").asString())
        .contains("costs 400.0% more per request")
        .contains("regression rate significantly lower");
  }

  @Test
  void aPairWithoutDifferenceIsNotSignificant() {
    JsonNode report = report(same, "");
    assertThat(report.get("baseline").asString()).isEqualTo("a");
    Map<String, JsonNode> arms = byName(report.get("arms"), "arm");
    assertThat(arms.get("a").get("regressionRate").asDouble()).isEqualTo(0.2);
    assertThat(arms.get("b").get("regressionRate").asDouble()).isEqualTo(0.2);
    JsonNode comparison = report.get("comparisons").get(0);
    assertThat(comparison.at("/costPerRequest/pValue").asDouble()).isGreaterThan(0.05);
    assertThat(comparison.at("/costPerRequest/significant").asBoolean()).isFalse();
    assertThat(comparison.at("/regressionRate/pValue").asDouble()).isEqualTo(1.0);
    assertThat(comparison.at("/regressionRate/significant").asBoolean()).isFalse();
    assertThat(comparison.get("significant").asBoolean()).isFalse();
    assertThat(comparison.get("verdict").asString())
        .contains("no significant difference in cost per request")
        .contains("no significant difference in regression rate (20.0% against 20.0%");
  }

  @Test
  void listsTheExperimentsOfTheWindow() {
    HttpResponse<String> response = api().get("/api/experiments?" + WINDOW + "&tenant=" + TENANT);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    Map<String, JsonNode> experiments =
        byName(json.readTree(response.body()).get("experiments"), "experiment");
    assertThat(experiments).containsOnlyKeys(diff, same);
    assertThat(experiments.get(diff).get("requests").asLong()).isEqualTo(81);
    assertThat(experiments.get(diff).get("arms").toString())
        .isEqualTo("[\"control\",\"treatment\"]");
    assertThat(experiments.get(same).get("routes").toString()).isEqualTo("[\"support\"]");
  }

  @Test
  void storesTheExperimentArmAndRouterVersionWithTheEvent() {
    Map<String, Object> row =
        jdbc.queryForMap(
            "SELECT experiment, arm, router_version FROM cost.usage_event WHERE request_id = ?",
            requestId("same-b-3"));
    assertThat(row)
        .containsEntry("experiment", same)
        .containsEntry("arm", "b")
        .containsEntry("router_version", "minilm-ridge@3");
    Map<String, Object> outside =
        jdbc.queryForMap(
            "SELECT experiment, arm, router_version FROM cost.usage_event WHERE request_id = ?",
            requestId("outside"));
    assertThat(outside.values()).containsOnlyNulls();
  }

  @Test
  void publishesPerArmGaugesForTheQualityDashboard() {
    String tags = "{application=\"cost-service\",arm=\"treatment\",experiment=\"" + diff + "\"}";
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              String scrape = api().get("/actuator/prometheus").body();
              assertThat(sample(scrape, "tokenwise_experiment_arm_requests" + tags)).isEqualTo(40);
              assertThat(sample(scrape, "tokenwise_experiment_arm_regression_rate" + tags))
                  .isEqualTo(0.5);
              assertThat(sample(scrape, "tokenwise_experiment_arm_cost_per_request_usd" + tags))
                  .isCloseTo(1.3975e-4, within(1e-12));
            });
  }

  /** The value of one series in a Prometheus scrape; NaN when absent. */
  private static double sample(String scrape, String series) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).strip());
      }
    }
    return Double.NaN;
  }

  @Test
  void badParametersAreRefusedNamingThem() {
    assertProblem(api().get("/api/experiments/" + diff + "?from=yesterday"), 400, "from");
    assertProblem(
        api()
            .get("/api/experiments/" + diff + "?from=2026-08-04T00:00:00Z&to=2026-08-03T00:00:00Z"),
        400,
        "from");
    assertProblem(api().get("/api/experiments/" + diff + "?" + WINDOW + "&alpha=2"), 400, "alpha");
    assertProblem(
        api().get("/api/experiments/" + diff + "?" + WINDOW + "&baseline=nope"), 400, "baseline");
    assertProblem(api().get("/api/experiments?to=soon"), 400, "to");
    HttpResponse<String> unknown = api().get("/api/experiments/never-ran-" + run + "?" + WINDOW);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(json.readTree(unknown.body()).get("detail").asString()).contains("never-ran-");
  }

  // --- helpers ---

  private void assertProblem(HttpResponse<String> response, int status, String field) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    JsonNode problem = json.readTree(response.body());
    assertThat(problem.get("field").asString()).isEqualTo(field);
    assertThat(problem.get("type").asString()).endsWith("/invalid-experiment-query");
  }

  private JsonNode report(String experiment, String extra) {
    HttpResponse<String> response =
        api().get("/api/experiments/" + experiment + "?" + WINDOW + "&tenant=" + TENANT + extra);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json.readTree(response.body());
  }

  private String requestId(String event) {
    return "req-" + run + "-" + event;
  }

  private static Map<String, JsonNode> byName(JsonNode array, String key) {
    Map<String, JsonNode> rows = new LinkedHashMap<>();
    array.forEach(row -> rows.put(row.get(key).asString(), row));
    return rows;
  }

  private static void assertMoney(JsonNode actual, String expected) {
    assertThat(actual.isString()).as("money is a JSON string: %s", actual).isTrue();
    assertThat(new BigDecimal(actual.asString())).isEqualByComparingTo(expected);
  }

  private String event(
      String name,
      String experiment,
      String arm,
      String model,
      long input,
      long output,
      String status,
      String routerVersion) {
    StringBuilder extra = new StringBuilder();
    if (experiment != null) {
      extra.append(",\"experiment\":\"%s\",\"arm\":\"%s\"".formatted(experiment, arm));
    }
    if (routerVersion != null) {
      extra.append(",\"routerVersion\":\"%s\"".formatted(routerVersion));
    }
    return """
        {"schemaVersion":1,"eventId":"%s","occurredAt":"%sT10:00:00Z","requestId":"%s",\
        "tenant":"%s","app":"experiments-app","route":"support","requestedModel":"gpt-5-mini",\
        "servedModel":"%s","provider":"openai","mode":"sync","inputTokens":%d,\
        "cachedInputTokens":0,"outputTokens":%d,"reasoningTokens":0,"latencyMs":300,\
        "status":"%s"%s}"""
        .formatted(
            UUID.randomUUID(), DAY, requestId(name), TENANT, model, input, output, status, extra);
  }

  private CostHttp api() {
    return new CostHttp(port);
  }
}
