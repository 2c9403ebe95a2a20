package dev.tokenwise.cost.quality;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** Verdicts in {@code cost.quality_verdict}, one per request and source. */
@Repository
class QualityStore {

  private static final String UPSERT =
      """
      INSERT INTO cost.quality_verdict
        (request_id, source, tenant, route, verdict, similarity, judge, comment)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (request_id, source) DO UPDATE SET
        tenant = coalesce(excluded.tenant, quality_verdict.tenant),
        route = coalesce(excluded.route, quality_verdict.route),
        verdict = excluded.verdict, similarity = excluded.similarity, judge = excluded.judge,
        comment = excluded.comment, received_at = now()
      """;

  // A request is evaluated once however many verdicts it has; it is bad when any verdict is.
  private static final String STATS =
      """
      SELECT route,
             count(DISTINCT request_id) AS evaluated,
             count(DISTINCT request_id) FILTER (WHERE verdict = 'bad') AS bad,
             count(*) FILTER (WHERE source = 'feedback') AS feedback,
             count(*) FILTER (WHERE source = 'shadow') AS shadow
      FROM cost.quality_verdict
      WHERE route IS NOT NULL AND received_at >= ? AND received_at < ? %s
      GROUP BY route ORDER BY route
      """;

  private final JdbcTemplate jdbc;

  QualityStore(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** The tenant and route of the usage event with this request id, if stored. */
  Optional<EventRef> event(String requestId) {
    List<EventRef> refs =
        jdbc.query(
            "SELECT tenant, route FROM cost.usage_event WHERE request_id = ? LIMIT 1",
            (rs, i) -> new EventRef(rs.getString("tenant"), rs.getString("route")),
            requestId);
    return refs.stream().findFirst();
  }

  void save(Verdict v) {
    jdbc.update(
        UPSERT,
        v.requestId(),
        v.source(),
        v.tenant(),
        v.route(),
        v.bad() ? "bad" : "good",
        v.similarity(),
        v.judge(),
        v.comment());
  }

  /**
   * Gives verdicts that arrived before their usage event the event's route; returns the routes that
   * gained verdicts.
   */
  List<String> resolvePending() {
    return jdbc.queryForList(
        """
        UPDATE cost.quality_verdict v SET route = coalesce(e.route, ''), tenant = e.tenant
        FROM cost.usage_event e
        WHERE v.route IS NULL AND e.request_id = v.request_id
          AND (v.tenant IS NULL OR v.tenant = e.tenant)
        RETURNING v.route
        """,
        String.class);
  }

  /** Verdict counts per route with {@code from <= received < to}. */
  Map<String, RouteStats> stats(Instant from, Instant to, String tenant, String route) {
    List<Object> args = new ArrayList<>();
    args.add(OffsetDateTime.ofInstant(from, ZoneOffset.UTC));
    args.add(OffsetDateTime.ofInstant(to, ZoneOffset.UTC));
    StringBuilder filter = new StringBuilder();
    if (tenant != null) {
      filter.append(" AND tenant = ?");
      args.add(tenant);
    }
    if (route != null) {
      filter.append(" AND route = ?");
      args.add(route);
    }
    Map<String, RouteStats> stats = new LinkedHashMap<>();
    jdbc.query(
        STATS.formatted(filter),
        rs -> {
          stats.put(
              rs.getString("route"),
              new RouteStats(
                  rs.getLong("evaluated"),
                  rs.getLong("bad"),
                  rs.getLong("feedback"),
                  rs.getLong("shadow")));
        },
        args.toArray());
    return stats;
  }

  /** Every route that has verdicts at all (so advice for a quiet route is withdrawn). */
  List<String> routes() {
    return jdbc.queryForList(
        "SELECT DISTINCT route FROM cost.quality_verdict WHERE route IS NOT NULL", String.class);
  }

  record EventRef(String tenant, String route) {}

  /**
   * @param source {@code feedback} or {@code shadow}
   */
  record Verdict(
      String requestId,
      String source,
      String tenant,
      String route,
      boolean bad,
      Double similarity,
      String judge,
      String comment) {}

  /**
   * @param evaluated distinct requests with a verdict
   * @param bad those with a bad verdict
   */
  record RouteStats(long evaluated, long bad, long feedbackVerdicts, long shadowVerdicts) {

    Double rate() {
      return evaluated == 0 ? null : (double) bad / evaluated;
    }
  }
}
