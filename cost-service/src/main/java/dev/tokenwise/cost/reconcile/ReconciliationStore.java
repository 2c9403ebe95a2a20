package dev.tokenwise.cost.reconcile;

import java.math.BigDecimal;
import java.sql.Date;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/** Reconciliation rows in PostgreSQL: a run replaces its provider's rows for that day. */
@Component
class ReconciliationStore {

  private final JdbcTemplate jdbc;
  private final TransactionTemplate tx;

  ReconciliationStore(JdbcTemplate jdbc, TransactionTemplate tx) {
    this.jdbc = jdbc;
    this.tx = tx;
  }

  void save(List<Reconciliation> rows) {
    if (rows.isEmpty()) {
      return;
    }
    tx.executeWithoutResult(
        status -> {
          Reconciliation first = rows.get(0);
          jdbc.update(
              "DELETE FROM cost.reconciliation WHERE provider = ? AND day = ?",
              first.provider(),
              Date.valueOf(first.day()));
          List<Object[]> args = new ArrayList<>();
          for (Reconciliation r : rows) {
            args.add(
                new Object[] {
                  r.provider(),
                  Date.valueOf(r.day()),
                  r.model(),
                  r.tier(),
                  r.recorded().requests() == null ? 0 : r.recorded().requests(),
                  r.reported().requests(),
                  r.recorded().inputTokens(),
                  r.reported().inputTokens(),
                  r.recorded().cachedTokens(),
                  r.reported().cachedTokens(),
                  r.recorded().write5mTokens(),
                  r.reported().write5mTokens(),
                  r.recorded().write1hTokens(),
                  r.reported().write1hTokens(),
                  r.recorded().outputTokens(),
                  r.reported().outputTokens(),
                  r.recorded().costUsd(),
                  r.reported().costUsd(),
                  r.recorded().unpriced(),
                  r.tokenDrift(),
                  r.costDrift(),
                  r.status(),
                  r.cause() == null ? null : r.cause().code(),
                  r.detail(),
                  Timestamp.from(r.checkedAt())
                });
          }
          jdbc.batchUpdate(
              """
              INSERT INTO cost.reconciliation (provider, day, model, tier,
                  recorded_requests, reported_requests, recorded_input_tokens, reported_input_tokens,
                  recorded_cached_tokens, reported_cached_tokens, recorded_write_5m, reported_write_5m,
                  recorded_write_1h, reported_write_1h, recorded_output_tokens, reported_output_tokens,
                  recorded_cost_usd, reported_cost_usd, recorded_unpriced, token_drift, cost_drift,
                  status, cause, detail, checked_at)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
              """,
              args);
        });
  }

  /** Stored rows for days in {@code [from, to]}, optionally one provider's. */
  List<Reconciliation> find(LocalDate from, LocalDate to, String provider) {
    return jdbc.query(
        """
        SELECT * FROM cost.reconciliation
         WHERE day BETWEEN ? AND ? AND (?::text IS NULL OR provider = ?)
         ORDER BY day, provider, model, tier
        """,
        (rs, n) -> row(rs),
        Date.valueOf(from),
        Date.valueOf(to),
        provider,
        provider);
  }

  private static Reconciliation row(ResultSet rs) throws SQLException {
    String model = rs.getString("model");
    String tier = rs.getString("tier");
    long reportedRequests = rs.getLong("reported_requests");
    Long reportedCount = rs.wasNull() ? null : reportedRequests;
    Totals recorded =
        new Totals(
            model,
            tier,
            rs.getLong("recorded_requests"),
            rs.getLong("recorded_input_tokens"),
            rs.getLong("recorded_cached_tokens"),
            rs.getLong("recorded_write_5m"),
            rs.getLong("recorded_write_1h"),
            rs.getLong("recorded_output_tokens"),
            rs.getBigDecimal("recorded_cost_usd"),
            rs.getLong("recorded_unpriced"));
    Totals reported =
        new Totals(
            model,
            tier,
            reportedCount,
            rs.getLong("reported_input_tokens"),
            rs.getLong("reported_cached_tokens"),
            rs.getLong("reported_write_5m"),
            rs.getLong("reported_write_1h"),
            rs.getLong("reported_output_tokens"),
            rs.getBigDecimal("reported_cost_usd"),
            0);
    BigDecimal tokenDrift = rs.getBigDecimal("token_drift");
    BigDecimal costDrift = rs.getBigDecimal("cost_drift");
    return new Reconciliation(
        rs.getString("provider"),
        rs.getDate("day").toLocalDate(),
        model,
        tier,
        recorded,
        reported,
        tokenDrift,
        costDrift,
        rs.getString("status"),
        Reconciliation.Cause.fromCode(rs.getString("cause")),
        rs.getString("detail"),
        rs.getTimestamp("checked_at").toInstant());
  }
}
