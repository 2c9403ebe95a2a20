package dev.tokenwise.deploy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * One PromQL query of one dashboard panel, with Grafana's variables replaced the way Grafana would
 * replace them for a given scrape interval and time range.
 *
 * @param dashboard the dashboard's uid
 * @param panel the panel's title
 * @param refId the query's refId within the panel
 * @param expr the query as written in the dashboard
 */
record PanelQuery(String dashboard, String panel, String refId, String expr) {

  private static final Pattern VARIABLE = Pattern.compile("\\$\\{?(\\w+)}?");
  private static final Pattern NAME =
      Pattern.compile("\\b((?:tokenwise|gen_ai|http_server|resilience4j)_[a-z0-9_]+)\\b");
  private static final Pattern QUOTED = Pattern.compile("\"[^\"]*\"");

  /** Every query of every panel of every dashboard in deploy/grafana. */
  static List<PanelQuery> all() {
    List<PanelQuery> queries = new ArrayList<>();
    for (Path file : Deploy.dashboardFiles()) {
      JsonNode dashboard = Deploy.readJson(file);
      for (JsonNode panel : dashboard.path("panels")) {
        for (JsonNode target : panel.path("targets")) {
          queries.add(
              new PanelQuery(
                  dashboard.path("uid").asString(),
                  panel.path("title").asString(),
                  target.path("refId").asString(),
                  target.path("expr").asString()));
        }
      }
    }
    return queries;
  }

  /**
   * The query as Grafana sends it: {@code $__rate_interval} and {@code $__range} become the given
   * durations, multi-value query variables their "All" value {@code .*}, constants their value.
   */
  String resolved(String rateInterval, String range) {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("__rate_interval", rateInterval);
    values.put("__range", range);
    values.put("__interval", rateInterval);
    values.put("route", ".*");
    values.put("experiment", ".*");
    values.put("monthly_budget_usd", "1000");
    Matcher m = VARIABLE.matcher(expr);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = values.get(m.group(1));
      m.appendReplacement(out, Matcher.quoteReplacement(value != null ? value : m.group()));
    }
    m.appendTail(out);
    return out.toString();
  }

  /**
   * The names in the query that may be metrics: Tokenwise's, GenAI's, Boot's and Resilience4j's
   * prefixes outside quoted strings (label names with those prefixes are among them).
   */
  List<String> names() {
    List<String> names = new ArrayList<>();
    Matcher m = NAME.matcher(QUOTED.matcher(expr).replaceAll("\"\""));
    while (m.find()) {
      if (!names.contains(m.group(1))) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  @Override
  public String toString() {
    return dashboard + " / " + panel + " / " + refId;
  }
}
