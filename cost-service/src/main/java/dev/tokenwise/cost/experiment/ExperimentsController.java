package dev.tokenwise.cost.experiment;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Route experiments: which ran, and how their arms compare. */
@RestController
@RequestMapping("/api/experiments")
@Tag(
    name = "Experiments",
    description = "Cost and regression rate per arm of a route experiment, with significance")
class ExperimentsController {

  private final ExperimentReports reports;

  ExperimentsController(ExperimentReports reports) {
    this.reports = reports;
  }

  @GetMapping
  @Operation(
      summary = "Experiments with events in a window",
      description =
          "Each experiment's arms, routes, requests and first and last event. The window defaults"
              + " to the trailing tokenwise.cost.experiments.default-window (7 days).")
  ExperimentReport.Listing list(
      @Parameter(example = "2026-11-20T00:00:00Z") @RequestParam(required = false) String from,
      @Parameter(example = "2026-11-27T00:00:00Z") @RequestParam(required = false) String to,
      @RequestParam(required = false) String route,
      @RequestParam(required = false) String tenant) {
    return reports.list(from, to, route, tenant);
  }

  @GetMapping("/{name}")
  @Operation(
      summary = "One experiment's arms compared",
      description =
          "Per arm: requests, cost and cost per request (USD), input and output tokens per request,"
              + " evaluated and bad verdicts, regression rate. Each arm is compared with the"
              + " baseline (the first arm by name, or ?baseline=): the difference in regression"
              + " rate with a two-proportion z-test p-value, the difference in cost per request"
              + " with Welch's t-test p-value, whether either is significant at alpha, and a"
              + " verdict in words. 404 when the experiment has no event in the window.")
  ExperimentReport report(
      @PathVariable String name,
      @Parameter(example = "2026-11-20T00:00:00Z") @RequestParam(required = false) String from,
      @Parameter(example = "2026-11-27T00:00:00Z") @RequestParam(required = false) String to,
      @RequestParam(required = false) String route,
      @RequestParam(required = false) String tenant,
      @Parameter(description = "the arm the others are compared with; default the first by name")
          @RequestParam(required = false)
          String baseline,
      @Parameter(description = "significance level; default tokenwise.cost.experiments.alpha")
          @RequestParam(required = false)
          String alpha) {
    return reports.report(name, from, to, route, tenant, baseline, alpha);
  }
}
