package dev.tokenwise.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The Prometheus alert rules in deploy/prometheus and as the chart's PrometheusRule. */
class AlertRulesTests {

  /** One alert per risk the issue names. */
  static final List<String> REQUIRED_ALERTS =
      List.of(
          "TokenwiseBudgetBurnRateHigh",
          "TokenwisePromptCacheHitRateDrop",
          "TokenwiseSemanticFalseHitRateAboveBudget",
          "TokenwiseRegressionRateAboveBudget",
          "TokenwiseProviderBreakerOpen",
          "TokenwiseUsageEventBacklogGrowing",
          "TokenwiseBatchDeadlineAtRisk");

  private final JsonNode rules = Deploy.readYaml(Deploy.RULES);

  @Test
  void everyRiskHasAnAlertWithSeverityDurationAndExplanation() {
    Set<String> names = new HashSet<>();
    for (JsonNode rule : alerts(rules)) {
      String name = rule.path("alert").asString();
      assertThat(names.add(name)).as("%s defined once", name).isTrue();
      assertThat(rule.path("expr").asString()).as(name).isNotBlank();
      assertThat(rule.path("for").asString()).as(name).matches("[0-9]+[smh]");
      assertThat(rule.at("/labels/severity").asString()).as(name).isIn("warning", "critical");
      assertThat(rule.at("/annotations/summary").asString()).as(name).isNotBlank();
      assertThat(rule.at("/annotations/description").asString()).as(name).isNotBlank();
    }
    assertThat(names).containsAll(REQUIRED_ALERTS);
  }

  @Test
  void rulesFilePassesPromtool() throws Exception {
    Optional<Path> promtool = Promtool.find();
    assumeTrue(promtool.isPresent(), "promtool is not on the PATH (Debian package prometheus)");
    int count =
        (int) rules.path("groups").valueStream().mapToLong(g -> g.path("rules").size()).sum();
    assertThat(Promtool.checkRules(promtool.get(), Deploy.RULES))
        .contains("SUCCESS: " + count + " rules found");
  }

  @Test
  void chartsPrometheusRulePassesPromtool(@TempDir Path work) throws Exception {
    Optional<Path> promtool = Promtool.find();
    assumeTrue(promtool.isPresent(), "promtool is not on the PATH (Debian package prometheus)");
    GenericKubernetesResource rule =
        HelmChart.render(Deploy.CHART.resolve("ci/full-values.yaml"))
            .generic("PrometheusRule")
            .get(0);
    Path file = work.resolve("chart-rules.yml");
    Files.writeString(
        file, Deploy.YAML.writeValueAsString(rule.getAdditionalProperties().get("spec")));
    assertThat(Promtool.checkRules(promtool.get(), file)).contains("SUCCESS");
  }

  static List<JsonNode> alerts(JsonNode rules) {
    return rules
        .path("groups")
        .valueStream()
        .flatMap(g -> g.path("rules").valueStream())
        .filter(r -> r.has("alert"))
        .toList();
  }
}
