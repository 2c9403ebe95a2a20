package dev.tokenwise.cost.report;

import dev.tokenwise.cost.report.MetricReports.CacheHitRate;
import dev.tokenwise.cost.report.MetricReports.CacheRow;
import dev.tokenwise.cost.report.MetricReports.CostPerRequest;
import dev.tokenwise.cost.report.MetricReports.CostPerUser;
import dev.tokenwise.cost.report.MetricReports.CostRow;
import dev.tokenwise.cost.report.MetricReports.Savings;
import dev.tokenwise.cost.report.MetricReports.SavingsRow;
import dev.tokenwise.cost.report.MetricReports.TokensPerRequest;
import dev.tokenwise.cost.report.MetricReports.TokensRow;
import dev.tokenwise.cost.report.MetricReports.UserRow;
import dev.tokenwise.cost.report.RollupReader.RouteModel;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springdoc.core.annotations.ParameterObject;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The five metrics (quality, the fifth, is served by the quality feature at {@code
 * /api/reports/quality}) and the savings split, all from the hourly rollups.
 */
@RestController
@RequestMapping("/api/reports")
@Tag(name = "Reports", description = "The five metrics and savings, by route, from hourly rollups")
class ReportsController {

  private final RollupReader rollups;

  ReportsController(RollupReader rollups) {
    this.rollups = rollups;
  }

  @GetMapping("/cost-per-request")
  @Operation(
      summary = "Cost per request by route and model",
      description =
          "Provider-billed cost and baseline per priced request. Cache hits count as requests that"
              + " cost nothing.")
  CostPerRequest costPerRequest(@ParameterObject ReportParams params) {
    ReportQuery query = params.query();
    Map<RouteModel, RollupTotals> rows = rollups.byRouteAndModel(query);
    List<CostRow> list = new ArrayList<>();
    rows.forEach((key, totals) -> list.add(CostRow.of(key.route(), key.model(), totals)));
    return new CostPerRequest(
        query.from(), query.to(), CostRow.of(null, null, MetricReports.overall(rows)), list);
  }

  @GetMapping("/tokens-per-request")
  @Operation(
      summary = "Input and output tokens per request by route",
      description =
          "Mean (exact), p50 and p95 (from log-bucketed histograms, within about 9%); input split"
              + " into uncached, cache read and cache write.")
  TokensPerRequest tokensPerRequest(@ParameterObject ReportParams params) {
    ReportQuery query = params.query();
    Map<String, RollupTotals> byRoute = rollups.byRoute(query);
    return new TokensPerRequest(
        query.from(),
        query.to(),
        TokensRow.of(null, MetricReports.overall(byRoute)),
        MetricReports.list(byRoute, TokensRow::of));
  }

  @GetMapping("/cache-hit-rate")
  @Operation(
      summary = "Cache hit rate by route",
      description =
          "Response cache (exact and semantic hits over requests) and provider prompt cache (share"
              + " of the input tokens sent to providers that was read from their cache).")
  CacheHitRate cacheHitRate(@ParameterObject ReportParams params) {
    ReportQuery query = params.query();
    Map<String, RollupTotals> byRoute = rollups.byRoute(query);
    return new CacheHitRate(
        query.from(),
        query.to(),
        CacheRow.of(null, MetricReports.overall(byRoute)),
        MetricReports.list(byRoute, CacheRow::of));
  }

  @GetMapping("/cost-per-user")
  @Operation(
      summary = "Cost per active user and per conversation by route",
      description =
          "Distinct end users and conversation ids (per tenant) with a request in the window.")
  CostPerUser costPerUser(@ParameterObject ReportParams params) {
    ReportQuery query = params.query();
    Map<String, RollupTotals> byRoute = rollups.byRoute(query);
    Map<String, Map<String, Long>> actors = rollups.actorsByRoute(query);
    return new CostPerUser(
        query.from(),
        query.to(),
        UserRow.of(null, MetricReports.overall(byRoute), rollups.actors(query)),
        MetricReports.list(
            byRoute,
            (route, totals) -> UserRow.of(route, totals, actors.getOrDefault(route, Map.of()))));
  }

  @GetMapping("/savings")
  @Operation(
      summary = "Savings by tactic, per route and overall",
      description =
          "Baseline (requested model, no caching, synchronous price) against actual, split into"
              + " cache, routing, promptCaching, batch and outputCap (estimated).")
  Savings savings(@ParameterObject ReportParams params) {
    ReportQuery query = params.query();
    Map<String, RollupTotals> byRoute = rollups.byRoute(query);
    return new Savings(
        query.from(),
        query.to(),
        SavingsRow.of(null, MetricReports.overall(byRoute)),
        MetricReports.list(byRoute, SavingsRow::of));
  }
}
