package dev.tokenwise.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Grafana dashboards as code: the conventions that make them portable (fixed uids, a datasource
 * variable, current panel types with units) and queries that Prometheus accepts.
 */
class DashboardTests {

  /** The dashboards the issue asks for, by uid, with words their panel titles must cover. */
  private static final Map<String, List<String>> REQUIRED =
      Map.of(
          "tokenwise-overview", List.of("cost per hour", "savings", "five metrics", "budget burn"),
          "tokenwise-router",
              List.of("requests", "error", "latency", "overhead", "fallbacks", "breaker", "lint"),
          "tokenwise-cache",
              List.of(
                  "hit rate",
                  "false-hit",
                  "latency",
                  "index",
                  "gray-zone lookups",
                  "promotions by outcome",
                  "alias hits",
                  "alias removals",
                  "queue drops"),
          "tokenwise-batch", List.of("queue depth", "batches by state", "oldest"),
          "tokenwise-quality",
              List.of(
                  "regression rate",
                  "shadow",
                  "cost per request by arm",
                  "regression rate by arm",
                  "requests by arm"));

  private static final Set<String> PANEL_TYPES = Set.of("timeseries", "stat", "table");
  private static final Pattern RANGE = Pattern.compile("\\[([^\\]]+)]");

  static Stream<Path> dashboards() {
    return Deploy.dashboardFiles().stream();
  }

  @Test
  void everyDashboardTheIssueNamesExistsWithItsPanels() {
    Map<String, JsonNode> byUid = new java.util.HashMap<>();
    for (Path file : Deploy.dashboardFiles()) {
      JsonNode dashboard = Deploy.readJson(file);
      assertThat(byUid.put(dashboard.path("uid").asString(), dashboard))
          .as("uid %s is used once", dashboard.path("uid").asString())
          .isNull();
    }
    assertThat(byUid).containsOnlyKeys(REQUIRED.keySet());
    REQUIRED.forEach(
        (uid, words) -> {
          String titles =
              String.join(
                      " | ",
                      byUid
                          .get(uid)
                          .path("panels")
                          .valueStream()
                          .map(p -> p.path("title").asString())
                          .toList())
                  .toLowerCase();
          assertThat(titles).as(uid).contains(words);
        });
  }

  @ParameterizedTest
  @MethodSource("dashboards")
  void hasAFixedUidAndADatasourceVariableEveryPanelUses(Path file) {
    JsonNode dashboard = Deploy.readJson(file);
    String uid = dashboard.path("uid").asString();
    assertThat(uid).matches("tokenwise-[a-z]+");
    assertThat(file.getFileName().toString())
        .isEqualTo(uid.substring("tokenwise-".length()) + ".json");
    assertThat(dashboard.path("id").isMissingNode() || dashboard.path("id").isNull())
        .as("no instance-specific id")
        .isTrue();
    JsonNode datasource =
        dashboard
            .path("templating")
            .path("list")
            .valueStream()
            .filter(v -> "datasource".equals(v.path("type").asString()))
            .findFirst()
            .orElseThrow(() -> new AssertionError(uid + " has no datasource variable"));
    assertThat(datasource.path("query").asString()).isEqualTo("prometheus");
    String reference = "${" + datasource.path("name").asString() + "}";
    for (JsonNode panel : dashboard.path("panels")) {
      assertThat(panel.at("/datasource/uid").asString()).as(title(panel)).isEqualTo(reference);
      for (JsonNode target : panel.path("targets")) {
        assertThat(target.at("/datasource/uid").asString()).as(title(panel)).isEqualTo(reference);
      }
    }
    assertThat(Deploy.JSON.writeValueAsString(dashboard))
        .as("no datasource uid of one Grafana instance")
        .doesNotContainPattern("\"uid\"\\s*:\\s*\"(?!\\$\\{)[A-Za-z0-9]{9,14}\"");
  }

  @ParameterizedTest
  @MethodSource("dashboards")
  void panelsAreCurrentTypesWithUnitsAndQueries(Path file) {
    JsonNode dashboard = Deploy.readJson(file);
    Set<Long> ids = new HashSet<>();
    for (JsonNode panel : dashboard.path("panels")) {
      assertThat(panel.path("type").asString()).as(title(panel)).isIn(PANEL_TYPES);
      assertThat(ids.add(panel.path("id").asLong())).as("unique id " + title(panel)).isTrue();
      assertThat(panel.at("/fieldConfig/defaults/unit").asString()).as(title(panel)).isNotBlank();
      assertThat(panel.path("description").asString()).as(title(panel)).isNotBlank();
      assertThat(panel.path("gridPos").path("w").asInt()).as(title(panel)).isBetween(1, 24);
      assertThat(panel.path("targets")).as(title(panel)).isNotEmpty();
      if ("table".equals(panel.path("type").asString())) {
        for (JsonNode override : panel.at("/fieldConfig/overrides")) {
          assertThat(override.toString()).contains("\"id\":\"unit\"");
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("dashboards")
  void timeseriesRatesUseTheRateIntervalAndBucketsAQuantile(Path file) {
    JsonNode dashboard = Deploy.readJson(file);
    boolean quantiles = false;
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        String expr = target.path("expr").asString();
        if (expr.contains("_bucket")) {
          assertThat(expr).as(title(panel)).contains("histogram_quantile(");
          quantiles = true;
        }
        if (!"timeseries".equals(panel.path("type").asString())) {
          continue;
        }
        Matcher ranges = RANGE.matcher(expr);
        while (ranges.find()) {
          // Fixed windows are allowed where the window is the meaning (the 1h/6h budget burn).
          if (!title(panel).toLowerCase().contains("budget")) {
            assertThat(ranges.group(1))
                .as(title(panel) + ": " + expr)
                .isEqualTo("$__rate_interval");
          }
        }
      }
    }
    if (!dashboard.path("uid").asString().equals("tokenwise-quality")
        && !dashboard.path("uid").asString().equals("tokenwise-overview")) {
      assertThat(quantiles).as("latency percentiles from histograms").isTrue();
    }
  }

  @Test
  void everyPanelQueryIsValidPromQl(@TempDir Path work) throws Exception {
    Optional<Path> promtool = Promtool.find();
    assumeTrue(promtool.isPresent(), "promtool is not on the PATH (Debian package prometheus)");
    // promtool parses each expression of a rule file: one recording rule per panel query.
    ObjectNode rules = Deploy.JSON.createObjectNode();
    ArrayNode list = rules.putArray("groups").addObject().put("name", "panels").putArray("rules");
    List<PanelQuery> queries = new ArrayList<>(PanelQuery.all());
    assertThat(queries).hasSizeGreaterThan(40);
    for (int i = 0; i < queries.size(); i++) {
      list.addObject()
          .put("record", "panel_query_" + i)
          .put("expr", queries.get(i).resolved("1m", "1h"));
    }
    Path file = work.resolve("panels.yml");
    Files.writeString(file, Deploy.YAML.writeValueAsString(rules));
    assertThat(Promtool.checkRules(promtool.get(), file))
        .contains("SUCCESS: " + queries.size() + " rules found");
  }

  /**
   * Each experiment arm's cost, regression rate and requests, from cost-service's per-arm gauges
   * (its {@code ExperimentGauges}), one series per experiment and arm.
   */
  @Test
  void theQualityDashboardShowsEachExperimentArm() {
    Map<String, String> expected =
        Map.of(
            "Cost per request by arm", "tokenwise_experiment_arm_cost_per_request_usd",
            "Regression rate by arm", "tokenwise_experiment_arm_regression_rate",
            "Requests by arm", "tokenwise_experiment_arm_requests");
    Map<String, PanelQuery> byPanel = new java.util.HashMap<>();
    PanelQuery.all().stream()
        .filter(q -> q.dashboard().equals("tokenwise-quality"))
        .forEach(q -> byPanel.put(q.panel(), q));
    expected.forEach(
        (panel, metric) -> {
          assertThat(byPanel).containsKey(panel);
          PanelQuery query = byPanel.get(panel);
          assertThat(query.names()).as(panel).contains(metric);
          assertThat(query.expr()).as(panel).contains("by (experiment, arm)");
          assertThat(query.expr()).as(panel).contains("experiment=~\"$experiment\"");
        });
    assertThat(templatingQueries(Deploy.readJson(dashboard("tokenwise-quality"))))
        .anySatisfy(
            q ->
                assertThat(q)
                    .contains("label_values(tokenwise_experiment_arm_requests, experiment)"));
  }

  /**
   * Gray-zone promotion on the cache dashboard, from cache-service's counters ({@code
   * SemanticMetrics}, registered at 0 from start, so each panel has a series before the first
   * gray-zone lookup): lookups in the gray zone, promotions by outcome, alias hits and removals,
   * and the queue's drops ({@code outcome="dropped"}).
   */
  @Test
  void theCacheDashboardShowsGrayZonePromotion() {
    Map<String, String> expected =
        Map.of(
            "Gray-zone lookups", "tokenwise_cache_semantic_gray_zone_lookups_total",
            "Promotions by outcome", "tokenwise_cache_semantic_promotions_total",
            "Alias hits", "tokenwise_cache_semantic_alias_hits_total",
            "Alias removals", "tokenwise_cache_semantic_alias_removals_total",
            "Promotion queue drops", "tokenwise_cache_semantic_promotions_total");
    Map<String, PanelQuery> byPanel = new java.util.HashMap<>();
    PanelQuery.all().stream()
        .filter(q -> q.dashboard().equals("tokenwise-cache"))
        .forEach(q -> byPanel.put(q.panel(), q));
    expected.forEach(
        (panel, metric) -> {
          assertThat(byPanel).containsKey(panel);
          assertThat(byPanel.get(panel).names()).as(panel).containsExactly(metric);
        });
    assertThat(byPanel.get("Promotions by outcome").expr()).contains("by (outcome)");
    assertThat(byPanel.get("Promotion queue drops").expr()).contains("outcome=\"dropped\"");
  }

  /**
   * The learned semantic threshold beside the route's bound ({@code maxFalseHitRate}) and, for a
   * bound per lookup, the upper bound per lookup; and the router's client-feedback verdicts on
   * semantic hits by outcome; and how verdicts are delivered.
   */
  @Test
  void theCacheDashboardShowsTheLearnedThresholdAndClientVerdicts() {
    Map<String, List<PanelQuery>> byPanel = new java.util.HashMap<>();
    PanelQuery.all().stream()
        .filter(q -> q.dashboard().equals("tokenwise-cache"))
        .forEach(q -> byPanel.computeIfAbsent(q.panel(), k -> new ArrayList<>()).add(q));
    assertThat(byPanel.get("Learned threshold and false-hit bound"))
        .extracting(PanelQuery::names)
        .containsExactlyInAnyOrder(
            List.of("tokenwise_cache_semantic_learned_threshold"),
            List.of("tokenwise_cache_semantic_max_false_hit_rate"),
            List.of("tokenwise_cache_semantic_false_hit_lookup_upper_bound"));
    assertThat(byPanel.get("Client feedback on semantic hits")).hasSize(1);
    PanelQuery feedback = byPanel.get("Client feedback on semantic hits").get(0);
    assertThat(feedback.names()).containsExactly("tokenwise_router_cache_feedback_verdicts_total");
    assertThat(feedback.expr()).contains("by (outcome)");
    // How verdicts travel: the router's writes (stream, HTTP fallback, lost) and cache-service's
    // takings from the stream, each by outcome.
    assertThat(byPanel.get("Verdicts on semantic hits: delivery"))
        .extracting(PanelQuery::names)
        .containsExactlyInAnyOrder(
            List.of("tokenwise_router_cache_shadow_reports_total"),
            List.of("tokenwise_cache_verdicts_consumed_total"));
  }

  @Test
  void panelsAndAlertsNameOnlyMetricsTheCodeNames() {
    Set<String> inCode = MetricInventory.namedInCode();
    assertThat(inCode)
        .contains("tokenwise_cost", "gen_ai_client_token_usage", "tokenwise_router_requests");
    List<String> unknown = new ArrayList<>();
    List<PanelQuery> queries = new ArrayList<>(PanelQuery.all());
    for (JsonNode alert : AlertRulesTests.alerts(Deploy.readYaml(Deploy.RULES))) {
      queries.add(
          new PanelQuery(
              "alerts", alert.path("alert").asString(), "expr", alert.path("expr").asString()));
    }
    for (PanelQuery query : queries) {
      for (String name : query.names()) {
        if (!MetricInventory.namedInCode(inCode, name)) {
          unknown.add(query + ": " + name);
        }
      }
    }
    for (Path file : Deploy.dashboardFiles()) {
      JsonNode dashboard = Deploy.readJson(file);
      for (String variable : templatingQueries(dashboard)) {
        PanelQuery query =
            new PanelQuery(dashboard.path("uid").asString(), "variables", "query", variable);
        for (String name : query.names()) {
          if (!MetricInventory.namedInCode(inCode, name)) {
            unknown.add(query + ": " + name);
          }
        }
      }
    }
    assertThat(unknown).as("names the code does not name").isEmpty();
  }

  /** The PromQL of the dashboard's query variables ({@code label_values(metric, label)}). */
  private static List<String> templatingQueries(JsonNode dashboard) {
    List<String> queries = new ArrayList<>();
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      if ("query".equals(variable.path("type").asString())) {
        queries.add(variable.path("definition").asString());
      }
    }
    return queries;
  }

  private static Path dashboard(String uid) {
    return Deploy.dashboardFiles().stream()
        .filter(f -> uid.equals(Deploy.readJson(f).path("uid").asString()))
        .findFirst()
        .orElseThrow();
  }

  private static String title(JsonNode panel) {
    return panel.path("title").asString();
  }
}
