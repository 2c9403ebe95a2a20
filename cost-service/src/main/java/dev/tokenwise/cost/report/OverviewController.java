package dev.tokenwise.cost.report;

import dev.tokenwise.cost.quality.RegressionRates;
import dev.tokenwise.cost.report.MetricReports.CacheRow;
import dev.tokenwise.cost.report.MetricReports.CostRow;
import dev.tokenwise.cost.report.MetricReports.SavingsRow;
import dev.tokenwise.cost.report.MetricReports.TokensRow;
import dev.tokenwise.cost.report.MetricReports.UserRow;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Instant;
import java.util.Map;
import org.springdoc.core.annotations.ParameterObject;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/reports/overview}: the savings split and the five metrics over every route in one
 * body, what the launcher's {@code --demo} prints at the end of a run.
 */
@RestController
@Tag(name = "Reports")
class OverviewController {

  private final RollupReader rollups;
  private final RegressionRates quality;

  OverviewController(RollupReader rollups, RegressionRates quality) {
    this.rollups = rollups;
    this.quality = quality;
  }

  /**
   * @param regressionRate bad / evaluated over all routes' verdicts received in the window
   */
  record Overview(
      Instant from,
      Instant to,
      SavingsRow savings,
      CostRow costPerRequest,
      TokensRow tokensPerRequest,
      CacheRow cacheHitRate,
      UserRow costPerUser,
      Double regressionRate,
      long evaluatedRequests) {}

  @GetMapping("/api/reports/overview")
  @Operation(
      summary = "Savings by tactic and the five metrics, over all routes",
      description = "The overall rows of each report in one body.")
  Overview overview(@ParameterObject ReportParams params) {
    ReportQuery query = params.query();
    RollupTotals all = MetricReports.overall(rollups.byRoute(query));
    long evaluated = 0;
    long bad = 0;
    for (Map.Entry<String, long[]> e :
        quality.counts(query.from(), query.to(), query.tenant(), query.route()).entrySet()) {
      evaluated += e.getValue()[0];
      bad += e.getValue()[1];
    }
    return new Overview(
        query.from(),
        query.to(),
        SavingsRow.of(null, all),
        CostRow.of(null, null, all),
        TokensRow.of(null, all),
        CacheRow.of(null, all),
        UserRow.of(null, all, rollups.actors(query)),
        Figures.rate(bad, evaluated),
        evaluated);
  }
}
