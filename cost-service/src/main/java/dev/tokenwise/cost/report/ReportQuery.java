package dev.tokenwise.cost.report;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * A report's window and filters. Reports read hourly rollups, so the window is widened to whole
 * hours: {@code from} rounded down, {@code to} rounded up; the response echoes the window used.
 *
 * @param from start of the window (inclusive), on the hour
 * @param to end of the window (exclusive), on the hour
 * @param tenant only this tenant, or null for all
 * @param app only this app, or null
 * @param route only this route, or null
 * @param model only this billed model (the served model, else the requested one), or null
 */
record ReportQuery(
    Instant from, Instant to, String tenant, String app, String route, String model) {

  static ReportQuery of(
      String from, String to, String tenant, String app, String route, String model) {
    Instant start = instant("from", from).truncatedTo(ChronoUnit.HOURS);
    Instant end = ceilHour(instant("to", to));
    if (!start.isBefore(end)) {
      throw new InvalidReportQueryException("from", "must be before 'to'");
    }
    return new ReportQuery(
        start, end, blankToNull(tenant), blankToNull(app), blankToNull(route), blankToNull(model));
  }

  /** The same filters over another window. */
  ReportQuery over(Instant from, Instant to) {
    return new ReportQuery(from, to, tenant, app, route, model);
  }

  /**
   * A SQL condition over a table with {@code hour, tenant, app, route, model} columns, appending
   * its arguments to {@code args}.
   */
  String where(List<Object> args) {
    StringBuilder sql = new StringBuilder("hour >= ? AND hour < ?");
    args.add(OffsetDateTime.ofInstant(from, ZoneOffset.UTC));
    args.add(OffsetDateTime.ofInstant(to, ZoneOffset.UTC));
    filter(sql, args, "tenant", tenant);
    filter(sql, args, "app", app);
    filter(sql, args, "route", route);
    filter(sql, args, "model", model);
    return sql.toString();
  }

  private static void filter(StringBuilder sql, List<Object> args, String column, String value) {
    if (value != null) {
      sql.append(" AND ").append(column).append(" = ?");
      args.add(value);
    }
  }

  static Instant instant(String name, String value) {
    if (value == null || value.isBlank()) {
      throw new InvalidReportQueryException(name, "required");
    }
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw new InvalidReportQueryException(
          name, "must be an ISO-8601 instant such as 2026-11-27T00:00:00Z");
    }
  }

  private static Instant ceilHour(Instant instant) {
    Instant floor = instant.truncatedTo(ChronoUnit.HOURS);
    return floor.equals(instant) ? floor : floor.plus(1, ChronoUnit.HOURS);
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
