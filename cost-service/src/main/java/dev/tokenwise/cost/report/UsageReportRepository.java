package dev.tokenwise.cost.report;

import dev.tokenwise.cost.rollup.RollupStore;
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

/** Reads usage sums from the hourly rollups. */
@Repository
class UsageReportRepository {

  // The billed model: what served the request, else what was asked for (a cache hit may name only
  // the requested model). Read from the hourly rollups, never from raw events.
  private static final String BY_MODEL =
      """
      SELECT coalesce(nullif(model, ''), 'unknown') AS model,
             sum(requests) AS requests,
             sum(unpriced_requests) AS unpriced_requests,
             sum(input_tokens) AS input_tokens,
             sum(cached_input_tokens) AS cached_input_tokens,
             sum(output_tokens) AS output_tokens,
             sum(cost_usd) AS cost_usd,
             sum(baseline_usd) AS baseline_usd,
             sum(savings_cache_usd) AS savings_cache_usd,
             sum(savings_routing_usd) AS savings_routing_usd,
             sum(savings_prompt_caching_usd) AS savings_prompt_caching_usd,
             sum(savings_batch_usd) AS savings_batch_usd,
             sum(savings_output_cap_usd) AS savings_output_cap_usd
      FROM cost.usage_rollup
      WHERE hour >= ? AND hour < ?
      GROUP BY 1
      ORDER BY cost_usd DESC, model
      """;

  private final JdbcTemplate jdbc;

  private final RollupStore rollups;

  UsageReportRepository(JdbcTemplate jdbc, RollupStore rollups) {
    this.jdbc = jdbc;
    this.rollups = rollups;
  }

  /** Totals per model for the hours in {@code [from, to)}, costliest first. */
  Map<String, UsageTotals> totalsByModel(Instant from, Instant to) {
    rollups.foldPending();
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
