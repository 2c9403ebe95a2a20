package dev.tokenwise.cost.experiment;

import dev.tokenwise.cost.experiment.Significance.Moments;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * Reads experiment traffic from the raw usage events ({@code cost.usage_event.experiment}, {@code
 * arm}), not from the hourly rollups: Welch's test needs each arm's sum of squared costs, which no
 * rollup keeps, and a report is asked for on demand. Verdicts ({@code cost.quality_verdict},
 * feedback and shadow evaluations alike) are attributed to an arm through the request id of the
 * event; a request is evaluated once however many verdicts it has, and bad when any of them is, as
 * for a route's regression rate. A failed request (no answer and no usage) is counted apart and is
 * in neither the cost nor the token figures, as in the other reports.
 */
@Repository
class ExperimentStore {

  private static final String ARMS =
      """
      WITH events AS (
        SELECT experiment, arm, request_id, occurred_at, route, served_model, cost_usd,
               input_tokens, output_tokens, (status = 'error' AND input_tokens = 0 AND output_tokens = 0) AS failed
        FROM cost.usage_event
        WHERE experiment IS NOT NULL AND arm IS NOT NULL AND occurred_at >= ? AND occurred_at < ?
          %s),
      judged AS (
        SELECT request_id, bool_or(verdict = 'bad') AS bad
        FROM cost.quality_verdict
        WHERE request_id IN (SELECT request_id FROM events)
        GROUP BY request_id)
      SELECT e.experiment, e.arm,
             count(*) FILTER (WHERE NOT e.failed) AS requests,
             count(*) FILTER (WHERE e.failed) AS failed,
             count(e.cost_usd) FILTER (WHERE NOT e.failed) AS priced,
             coalesce(sum(e.cost_usd) FILTER (WHERE NOT e.failed), 0) AS cost,
             coalesce(sum(e.cost_usd * e.cost_usd) FILTER (WHERE NOT e.failed), 0) AS cost_squares,
             coalesce(sum(e.input_tokens) FILTER (WHERE NOT e.failed), 0) AS input_tokens,
             coalesce(sum(e.output_tokens) FILTER (WHERE NOT e.failed), 0) AS output_tokens,
             count(DISTINCT e.request_id) FILTER (WHERE j.request_id IS NOT NULL) AS evaluated,
             count(DISTINCT e.request_id) FILTER (WHERE j.bad) AS bad,
             array_agg(DISTINCT e.route ORDER BY e.route)
               FILTER (WHERE e.route IS NOT NULL) AS routes,
             array_agg(DISTINCT e.served_model ORDER BY e.served_model)
               FILTER (WHERE e.served_model IS NOT NULL) AS models,
             min(e.occurred_at) AS first_seen, max(e.occurred_at) AS last_seen
      FROM events e
      LEFT JOIN judged j ON j.request_id = e.request_id
      GROUP BY e.experiment, e.arm
      ORDER BY e.experiment, e.arm
      """;

  private final JdbcTemplate jdbc;

  ExperimentStore(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Every arm of every experiment (or of the one named) with events in {@code [from, to)}, ordered
   * by experiment and arm name.
   */
  List<ArmTotals> arms(Instant from, Instant to, String experiment, String route, String tenant) {
    List<Object> args = new ArrayList<>();
    args.add(OffsetDateTime.ofInstant(from, ZoneOffset.UTC));
    args.add(OffsetDateTime.ofInstant(to, ZoneOffset.UTC));
    StringBuilder filter = new StringBuilder();
    if (experiment != null) {
      filter.append(" AND experiment = ?");
      args.add(experiment);
    }
    if (route != null) {
      filter.append(" AND route = ?");
      args.add(route);
    }
    if (tenant != null) {
      filter.append(" AND tenant = ?");
      args.add(tenant);
    }
    return jdbc.query(ARMS.formatted(filter), (rs, i) -> totals(rs), args.toArray());
  }

  private static ArmTotals totals(ResultSet rs) throws SQLException {
    return new ArmTotals(
        rs.getString("experiment"),
        rs.getString("arm"),
        rs.getLong("requests"),
        rs.getLong("failed"),
        new Moments(
            rs.getLong("priced"), rs.getBigDecimal("cost"), rs.getBigDecimal("cost_squares")),
        rs.getLong("input_tokens"),
        rs.getLong("output_tokens"),
        rs.getLong("evaluated"),
        rs.getLong("bad"),
        strings(rs.getArray("routes")),
        strings(rs.getArray("models")),
        rs.getObject("first_seen", OffsetDateTime.class).toInstant(),
        rs.getObject("last_seen", OffsetDateTime.class).toInstant());
  }

  private static List<String> strings(Array array) throws SQLException {
    if (array == null) {
      return List.of();
    }
    return Arrays.stream((Object[]) array.getArray()).map(String::valueOf).toList();
  }

  /**
   * One arm's figures in a window.
   *
   * @param requests answered requests (failed ones are {@code failed})
   * @param cost the priced requests' count, cost sum and sum of squared costs (USD)
   * @param evaluated requests with at least one verdict
   * @param bad evaluated requests with a bad verdict
   */
  record ArmTotals(
      String experiment,
      String arm,
      long requests,
      long failed,
      Moments cost,
      long inputTokens,
      long outputTokens,
      long evaluated,
      long bad,
      List<String> routes,
      List<String> models,
      Instant firstSeen,
      Instant lastSeen) {

    long unpriced() {
      return requests - cost.count();
    }

    BigDecimal costUsd() {
      return cost.sum();
    }
  }
}
