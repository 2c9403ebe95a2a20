package dev.tokenwise.cost.report;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** Reads sums from {@code cost.usage_event}; the window prunes to the months it touches. */
@Repository
class UsageReportRepository {

  // The billed model: what served the request, else what was asked for (a cache hit may name only
  // the requested model).
  private static final String BY_MODEL =
      """
      SELECT coalesce(served_model, requested_model, 'unknown') AS model,
             count(*) AS requests,
             count(*) FILTER (WHERE pricing_status = 'unpriced') AS unpriced_requests,
             coalesce(sum(input_tokens), 0) AS input_tokens,
             coalesce(sum(cached_input_tokens), 0) AS cached_input_tokens,
             coalesce(sum(output_tokens), 0) AS output_tokens,
             coalesce(sum(cost_usd), 0) AS cost_usd,
             coalesce(sum(baseline_usd), 0) AS baseline_usd,
             coalesce(sum(savings_cache_usd), 0) AS savings_cache_usd,
             coalesce(sum(savings_routing_usd), 0) AS savings_routing_usd,
             coalesce(sum(savings_prompt_caching_usd), 0) AS savings_prompt_caching_usd,
             coalesce(sum(savings_batch_usd), 0) AS savings_batch_usd,
             coalesce(sum(savings_output_cap_usd), 0) AS savings_output_cap_usd
      FROM cost.usage_event
      WHERE occurred_at >= ? AND occurred_at < ?
      GROUP BY 1
      ORDER BY cost_usd DESC, model
      """;

  private final JdbcTemplate jdbc;

  UsageReportRepository(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** Totals per model for events with {@code from <= occurredAt < to}, costliest first. */
  Map<String, UsageTotals> totalsByModel(Instant from, Instant to) {
    Map<String, UsageTotals> byModel = new LinkedHashMap<>();
    jdbc.query(
        BY_MODEL,
        rs -> {
          byModel.put(rs.getString("model"), totals(rs));
        },
        OffsetDateTime.ofInstant(from, ZoneOffset.UTC),
        OffsetDateTime.ofInstant(to, ZoneOffset.UTC));
    return byModel;
  }

  private static UsageTotals totals(ResultSet rs) throws SQLException {
    return new UsageTotals(
        rs.getLong("requests"),
        rs.getLong("unpriced_requests"),
        rs.getLong("input_tokens"),
        rs.getLong("cached_input_tokens"),
        rs.getLong("output_tokens"),
        money(rs, "cost_usd"),
        money(rs, "baseline_usd"),
        money(rs, "savings_cache_usd"),
        money(rs, "savings_routing_usd"),
        money(rs, "savings_prompt_caching_usd"),
        money(rs, "savings_batch_usd"),
        money(rs, "savings_output_cap_usd"));
  }

  private static BigDecimal money(ResultSet rs, String column) throws SQLException {
    BigDecimal value = rs.getBigDecimal(column);
    return value == null ? BigDecimal.ZERO : value;
  }
}
