package dev.tokenwise.cost.report;

import dev.tokenwise.cost.rollup.RollupStore;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * Reads {@code cost.usage_rollup} and {@code cost.usage_actor_hour} (a view joining actor rows to
 * their scope); never raw events.
 */
@Repository
class RollupReader {

  private static final String BY_ROUTE_AND_MODEL =
      """
      SELECT route, model,
             sum(requests) AS requests,
             sum(unpriced_requests) AS unpriced_requests,
             sum(error_requests) AS failed_requests,
             coalesce(sum(requests) FILTER (WHERE mode = 'cache-exact'), 0) AS exact_hits,
             coalesce(sum(requests) FILTER (WHERE mode = 'cache-semantic'), 0) AS semantic_hits,
             sum(input_tokens) AS input_tokens,
             sum(cached_input_tokens) AS cached_input_tokens,
             sum(cache_write_tokens) AS cache_write_tokens,
             sum(output_tokens) AS output_tokens,
             coalesce(sum(requests - error_requests) FILTER (WHERE mode NOT LIKE 'cache-%%'), 0)
               AS provider_requests,
             coalesce(sum(input_tokens) FILTER (WHERE mode NOT LIKE 'cache-%%'), 0)
               AS provider_input_tokens,
             coalesce(sum(cached_input_tokens) FILTER (WHERE mode NOT LIKE 'cache-%%'), 0)
               AS provider_cached_input_tokens,
             coalesce(sum(cache_write_tokens) FILTER (WHERE mode NOT LIKE 'cache-%%'), 0)
               AS provider_cache_write_tokens,
             sum(cost_usd) AS cost_usd,
             sum(baseline_usd) AS baseline_usd,
             sum(savings_cache_usd) AS savings_cache_usd,
             sum(savings_routing_usd) AS savings_routing_usd,
             sum(savings_prompt_caching_usd) AS savings_prompt_caching_usd,
             sum(savings_batch_usd) AS savings_batch_usd,
             sum(savings_output_cap_usd) AS savings_output_cap_usd,
             cost.sum_hist(input_hist) AS input_hist,
             cost.sum_hist(output_hist) AS output_hist
      FROM cost.usage_rollup
      WHERE %s
      GROUP BY route, model
      ORDER BY route, model
      """;

  private static final String ACTORS_BY_ROUTE =
      """
      SELECT route, kind, count(DISTINCT (tenant, actor_key)) AS actors
      FROM cost.usage_actor_hour WHERE %s GROUP BY route, kind
      """;

  private static final String ACTORS =
      """
      SELECT kind, count(DISTINCT (tenant, actor_key)) AS actors
      FROM cost.usage_actor_hour WHERE %s GROUP BY kind
      """;

  private final JdbcTemplate jdbc;
  private final RollupStore rollups;

  RollupReader(JdbcTemplate jdbc, RollupStore rollups) {
    this.jdbc = jdbc;
    this.rollups = rollups;
  }

  /** Totals per (route, model); empty strings for a missing route or model. */
  Map<RouteModel, RollupTotals> byRouteAndModel(ReportQuery query) {
    rollups.foldPending();
    List<Object> args = new ArrayList<>();
    String sql = BY_ROUTE_AND_MODEL.formatted(query.where(args));
    Map<RouteModel, RollupTotals> rows = new LinkedHashMap<>();
    jdbc.query(
        sql,
        rs -> {
          rows.put(new RouteModel(rs.getString("route"), rs.getString("model")), totals(rs));
        },
        args.toArray());
    return rows;
  }

  /** Totals per route. */
  Map<String, RollupTotals> byRoute(ReportQuery query) {
    Map<String, RollupTotals> byRoute = new LinkedHashMap<>();
    byRouteAndModel(query)
        .forEach(
            (key, totals) ->
                byRoute.computeIfAbsent(key.route(), r -> new RollupTotals()).plus(totals));
    return byRoute;
  }

  /** Distinct end users ({@code user}) and conversations ({@code conversation}) per route. */
  Map<String, Map<String, Long>> actorsByRoute(ReportQuery query) {
    List<Object> args = new ArrayList<>();
    String sql = ACTORS_BY_ROUTE.formatted(query.where(args));
    Map<String, Map<String, Long>> byRoute = new LinkedHashMap<>();
    jdbc.query(
        sql,
        rs -> {
          byRoute
              .computeIfAbsent(rs.getString("route"), r -> new LinkedHashMap<>())
              .put(rs.getString("kind"), rs.getLong("actors"));
        },
        args.toArray());
    return byRoute;
  }

  /** Distinct end users and conversations over every route in the window. */
  Map<String, Long> actors(ReportQuery query) {
    List<Object> args = new ArrayList<>();
    String sql = ACTORS.formatted(query.where(args));
    Map<String, Long> counts = new LinkedHashMap<>();
    jdbc.query(
        sql,
        rs -> {
          counts.put(rs.getString("kind"), rs.getLong("actors"));
        },
        args.toArray());
    return counts;
  }

  record RouteModel(String route, String model) {}

  private static RollupTotals totals(ResultSet rs) throws SQLException {
    RollupTotals t = new RollupTotals();
    // answered requests: failed ones (no answer, no usage) are counted apart
    t.failedRequests = rs.getLong("failed_requests");
    t.requests = rs.getLong("requests") - t.failedRequests;
    t.unpricedRequests = rs.getLong("unpriced_requests");
    t.exactHits = rs.getLong("exact_hits");
    t.semanticHits = rs.getLong("semantic_hits");
    t.inputTokens = rs.getLong("input_tokens");
    t.cachedInputTokens = rs.getLong("cached_input_tokens");
    t.cacheWriteTokens = rs.getLong("cache_write_tokens");
    t.outputTokens = rs.getLong("output_tokens");
    t.providerRequests = rs.getLong("provider_requests");
    t.providerInputTokens = rs.getLong("provider_input_tokens");
    t.providerCachedInputTokens = rs.getLong("provider_cached_input_tokens");
    t.providerCacheWriteTokens = rs.getLong("provider_cache_write_tokens");
    t.costUsd = money(rs, "cost_usd");
    t.baselineUsd = money(rs, "baseline_usd");
    t.savingsCacheUsd = money(rs, "savings_cache_usd");
    t.savingsRoutingUsd = money(rs, "savings_routing_usd");
    t.savingsPromptCachingUsd = money(rs, "savings_prompt_caching_usd");
    t.savingsBatchUsd = money(rs, "savings_batch_usd");
    t.savingsOutputCapUsd = money(rs, "savings_output_cap_usd");
    copy(rs.getArray("input_hist"), t.inputHist);
    copy(rs.getArray("output_hist"), t.outputHist);
    return t;
  }

  private static void copy(Array array, long[] into) throws SQLException {
    if (array == null) {
      return;
    }
    Object[] values = (Object[]) array.getArray();
    for (int i = 0; i < values.length && i < into.length; i++) {
      into[i] = values[i] == null ? 0 : ((Number) values[i]).longValue();
    }
  }

  private static BigDecimal money(ResultSet rs, String column) throws SQLException {
    BigDecimal value = rs.getBigDecimal(column);
    return value == null ? BigDecimal.ZERO : value;
  }
}
