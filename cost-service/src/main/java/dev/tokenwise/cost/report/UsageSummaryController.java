package dev.tokenwise.cost.report;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/usage/summary?from=&to=}: requests, tokens, cost and savings in a window. */
@RestController
class UsageSummaryController {

  private final UsageReportRepository reports;

  UsageSummaryController(UsageReportRepository reports) {
    this.reports = reports;
  }

  /**
   * Events with {@code from <= occurredAt < to}; both ISO-8601 instants, {@code from < to}. The
   * window is widened to whole hours (the rollups' grain) and the body echoes the window used.
   */
  @GetMapping("/api/usage/summary")
  UsageSummary summary(
      @RequestParam(required = false) String from, @RequestParam(required = false) String to) {
    ReportQuery query = ReportQuery.of(from, to, null, null, null, null);
    return UsageSummary.of(
        query.from(), query.to(), reports.totalsByModel(query.from(), query.to()));
  }
}
