package dev.tokenwise.cost.report;

import io.swagger.v3.oas.annotations.media.Schema;

/**
 * Query parameters every report accepts.
 *
 * @param from start of the window, ISO-8601 instant (rounded down to the hour)
 * @param to end of the window, exclusive, ISO-8601 instant (rounded up to the hour)
 * @param tenant only this tenant
 * @param app only this app
 * @param route only this route
 * @param model only this billed model (served, else requested)
 */
public record ReportParams(
    @Schema(example = "2026-11-20T00:00:00Z", requiredMode = Schema.RequiredMode.REQUIRED)
        String from,
    @Schema(example = "2026-11-27T00:00:00Z", requiredMode = Schema.RequiredMode.REQUIRED)
        String to,
    String tenant,
    String app,
    String route,
    String model) {

  ReportQuery query() {
    return ReportQuery.of(from, to, tenant, app, route, model);
  }
}
