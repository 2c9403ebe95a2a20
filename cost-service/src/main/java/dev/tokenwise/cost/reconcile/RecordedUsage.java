package dev.tokenwise.cost.reconcile;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * What Tokenwise recorded for one provider and day, per served model and tier: the usage events of
 * provider calls (cache hits made none; failed calls were not billed), tokens and cost as priced at
 * ingest.
 */
@Component
class RecordedUsage {

  private final JdbcTemplate jdbc;

  RecordedUsage(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  Map<String, Totals> day(String provider, LocalDate day) {
    Instant start = day.atStartOfDay(ZoneOffset.UTC).toInstant();
    Map<String, Totals> out = new LinkedHashMap<>();
    jdbc.query(
        """
        SELECT coalesce(served_model, requested_model) AS model,
               CASE WHEN mode = 'batch' THEN 'batch' ELSE 'standard' END AS tier,
               count(*) AS requests,
               sum(input_tokens) AS input_tokens,
               sum(cached_input_tokens) AS cached,
               sum(cache_write_5m_tokens) AS write5m,
               sum(cache_write_1h_tokens) AS write1h,
               sum(output_tokens) AS output_tokens,
               coalesce(sum(cost_usd), 0) AS cost_usd,
               count(*) FILTER (WHERE pricing_status = 'unpriced') AS unpriced
          FROM cost.usage_event
         WHERE occurred_at >= ? AND occurred_at < ?
           AND provider = ?
           AND mode NOT IN ('cache-exact', 'cache-semantic')
           AND status <> 'error'
         GROUP BY 1, 2
        """,
        rs -> {
          Totals totals =
              new Totals(
                  Models.canonical(rs.getString("model")),
                  rs.getString("tier"),
                  rs.getLong("requests"),
                  rs.getLong("input_tokens"),
                  rs.getLong("cached"),
                  rs.getLong("write5m"),
                  rs.getLong("write1h"),
                  rs.getLong("output_tokens"),
                  rs.getBigDecimal("cost_usd") == null
                      ? BigDecimal.ZERO
                      : rs.getBigDecimal("cost_usd"),
                  rs.getLong("unpriced"));
          out.merge(ProviderReports.key(totals.model(), totals.tier()), totals, Totals::plus);
        },
        Timestamp.from(start),
        Timestamp.from(start.plusSeconds(86_400)),
        provider);
    return out;
  }
}
