package dev.tokenwise.cost.report;

import dev.tokenwise.cost.quality.RegressionRates;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/reports/weekly}: each metric per route, this ISO week (Monday 00:00 UTC) against
 * the one before, with regressions flagged: a prompt-cache read share or response-cache hit rate
 * that dropped, a cost per request or input tokens per request that jumped, a route over its
 * regression budget.
 */
@RestController
@Tag(name = "Reports")
class WeeklyReportController {

  private final RollupReader rollups;
  private final RegressionRates quality;
  private final WeeklyProperties properties;
  private final Clock clock = Clock.systemUTC();

  WeeklyReportController(
      RollupReader rollups, RegressionRates quality, WeeklyProperties properties) {
    this.rollups = rollups;
    this.quality = quality;
    this.properties = properties;
  }

  /** A metric's value this week and last; {@code change} is relative, null when undefined. */
  record Change(Object current, Object previous, Double change) {}

  /**
   * @param metric the metric that regressed, {@code kind} the regression, {@code message} why
   */
  record Flag(String metric, String kind, String message) {}

  record RouteWeek(String route, Map<String, Change> metrics, List<Flag> flags) {}

  record WeeklyReport(
      LocalDate week,
      Instant from,
      Instant to,
      Instant previousFrom,
      List<RouteWeek> routes,
      int flagged) {}

  @GetMapping("/api/reports/weekly")
  @Operation(
      summary = "Week over week per metric per route, regressions flagged",
      description =
          "Metrics: requests, costPerRequestUsd, inputTokensPerRequest, outputTokensPerRequest,"
              + " responseCacheHitRate, promptCacheReadShare, costPerActiveUserUsd,"
              + " costPerConversationUsd, savingsRate, regressionRate.")
  WeeklyReport weekly(
      @Parameter(description = "Any day of the week to report (ISO date); default: last week")
          @RequestParam(required = false)
          String week,
      @RequestParam(required = false) String tenant,
      @RequestParam(required = false) String app,
      @RequestParam(required = false) String route,
      @RequestParam(required = false) String model) {
    LocalDate day;
    try {
      day =
          week == null || week.isBlank()
              ? LocalDate.now(clock).minusWeeks(1)
              : LocalDate.parse(week);
    } catch (DateTimeParseException e) {
      throw new InvalidReportQueryException("week", "must be an ISO date such as 2026-11-23");
    }
    LocalDate monday = day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
    Instant from = monday.atStartOfDay().toInstant(ZoneOffset.UTC);
    Instant to = monday.plusWeeks(1).atStartOfDay().toInstant(ZoneOffset.UTC);
    Instant previousFrom = monday.minusWeeks(1).atStartOfDay().toInstant(ZoneOffset.UTC);
    ReportQuery current = ReportQuery.of(from.toString(), to.toString(), tenant, app, route, model);
    ReportQuery previous = current.over(previousFrom, from);

    Map<String, Map<String, Object>> now = metrics(current);
    Map<String, Map<String, Object>> before = metrics(previous);
    TreeSet<String> routes = new TreeSet<>(now.keySet());
    routes.addAll(before.keySet());
    List<RouteWeek> rows = new ArrayList<>();
    int flagged = 0;
    for (String r : routes) {
      Map<String, Object> a = now.getOrDefault(r, Map.of());
      Map<String, Object> b = before.getOrDefault(r, Map.of());
      Map<String, Change> changes = new LinkedHashMap<>();
      for (String metric : METRICS) {
        changes.put(
            metric,
            new Change(a.get(metric), b.get(metric), relative(a.get(metric), b.get(metric))));
      }
      List<Flag> flags = flags(r, changes, a, b);
      flagged += flags.isEmpty() ? 0 : 1;
      rows.add(new RouteWeek(r, changes, flags));
    }
    return new WeeklyReport(monday, from, to, previousFrom, rows, flagged);
  }

  private static final List<String> METRICS =
      List.of(
          "requests",
          "costPerRequestUsd",
          "inputTokensPerRequest",
          "outputTokensPerRequest",
          "responseCacheHitRate",
          "promptCacheReadShare",
          "costPerActiveUserUsd",
          "costPerConversationUsd",
          "savingsRate",
          "regressionRate");

  private Map<String, Map<String, Object>> metrics(ReportQuery query) {
    Map<String, RollupTotals> byRoute = rollups.byRoute(query);
    Map<String, Map<String, Long>> actors = rollups.actorsByRoute(query);
    Map<String, Double> regression =
        quality.byRoute(query.from(), query.to(), query.tenant(), query.route());
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    byRoute.forEach(
        (route, t) -> {
          Map<String, Long> a = actors.getOrDefault(route, Map.of());
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("requests", t.requests);
          m.put("costPerRequestUsd", Figures.perUnit(t.costUsd, t.pricedRequests()));
          m.put("inputTokensPerRequest", Figures.mean(t.inputTokens, t.requests));
          m.put("outputTokensPerRequest", Figures.mean(t.outputTokens, t.requests));
          m.put("responseCacheHitRate", Figures.rate(t.exactHits + t.semanticHits, t.requests));
          m.put(
              "promptCacheReadShare",
              Figures.rate(t.providerCachedInputTokens, t.providerInputTokens));
          m.put("costPerActiveUserUsd", Figures.perUnit(t.costUsd, a.getOrDefault("user", 0L)));
          m.put(
              "costPerConversationUsd",
              Figures.perUnit(t.costUsd, a.getOrDefault("conversation", 0L)));
          m.put(
              "savingsRate",
              Figures.rate(t.savingsUsd().doubleValue(), t.baselineUsd.doubleValue()));
          out.put(route, m);
        });
    regression.forEach(
        (route, rate) ->
            out.computeIfAbsent(route, r -> new LinkedHashMap<>()).put("regressionRate", rate));
    return out;
  }

  private List<Flag> flags(
      String route, Map<String, Change> changes, Map<String, Object> a, Map<String, Object> b) {
    List<Flag> flags = new ArrayList<>();
    Object regression = a.get("regressionRate");
    if (regression instanceof Double rate && rate > quality.budget(route)) {
      flags.add(
          new Flag(
              "regressionRate",
              "over-budget",
              "regression rate %.4f over the route's budget %.4f"
                  .formatted(rate, quality.budget(route))));
    }
    long nowRequests = a.get("requests") instanceof Long n ? n : 0;
    long beforeRequests = b.get("requests") instanceof Long n ? n : 0;
    if (nowRequests < properties.minRequests() || beforeRequests < properties.minRequests()) {
      return flags;
    }
    drop(
        flags,
        changes,
        "promptCacheReadShare",
        properties.promptCacheDrop(),
        "prompt-cache read share fell: cache placement may be broken (a prefix that changes"
            + " between requests)");
    drop(
        flags,
        changes,
        "responseCacheHitRate",
        properties.responseCacheDrop(),
        "response-cache hit rate fell");
    jump(
        flags,
        changes,
        "costPerRequestUsd",
        properties.costPerRequestJump(),
        "cost per request jumped: traffic may bypass the router or a routing rule was lost");
    jump(
        flags,
        changes,
        "inputTokensPerRequest",
        properties.tokensPerRequestJump(),
        "input tokens per request jumped: prompts grew");
    return flags;
  }

  private static void drop(
      List<Flag> flags, Map<String, Change> changes, String metric, double threshold, String why) {
    Double change = changes.get(metric).change();
    if (change != null && change <= -threshold) {
      flags.add(new Flag(metric, "drop", "%s (%+.1f%%)".formatted(why, change * 100)));
    }
  }

  private static void jump(
      List<Flag> flags, Map<String, Change> changes, String metric, double threshold, String why) {
    Double change = changes.get(metric).change();
    if (change != null && change >= threshold) {
      flags.add(new Flag(metric, "jump", "%s (%+.1f%%)".formatted(why, change * 100)));
    }
  }

  /** (current - previous) / previous, for numbers and money strings; null when undefined. */
  static Double relative(Object current, Object previous) {
    Double a = number(current);
    Double b = number(previous);
    if (a == null || b == null || b == 0) {
      return null;
    }
    return Figures.round((a - b) / b, 6);
  }

  private static Double number(Object value) {
    if (value instanceof Number n) {
      return n.doubleValue();
    }
    if (value instanceof String s) {
      return Double.valueOf(s);
    }
    return null;
  }
}
