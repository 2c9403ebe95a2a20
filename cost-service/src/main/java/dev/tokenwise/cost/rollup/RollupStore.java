package dev.tokenwise.cost.rollup;

import dev.tokenwise.common.pricing.CostBreakdown.Tactic;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.cost.pricing.PricedEvent;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * Adds newly stored events to the hourly rollups. Called inside the ingest transaction with only
 * the events that transaction inserted, so a redelivered event is never rolled up twice and a
 * rolled-back batch leaves the rollups untouched.
 */
@Repository
public class RollupStore {

  // One statement per batch (not a JDBC batch of per-row upserts, which ran ten times slower):
  // every row's scalars as parallel arrays, both histograms as one flat
  // array each (row i's buckets at [(i-1) x BUCKETS + 1, i x BUCKETS]).
  private static final String UPSERT_ROLLUP =
      """
      INSERT INTO cost.usage_rollup AS r (
        hour, tenant, app, route, model, mode, requests, unpriced_requests, error_requests,
        input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
        uncapped_requests, uncapped_output_tokens, cost_usd, baseline_usd, savings_cache_usd,
        savings_routing_usd, savings_prompt_caching_usd, savings_batch_usd, savings_output_cap_usd,
        input_hist, output_hist)
      SELECT u.hour::timestamptz, u.tenant, u.app, u.route, u.model, u.mode, u.requests,
        u.unpriced, u.errors, u.input, u.cached, u.writes, u.output, u.reasoning, u.uncapped,
        u.uncapped_output, u.cost, u.baseline, u.s_cache, u.s_routing, u.s_prompt, u.s_batch,
        u.s_cap,
        h.input_flat[(u.ord - 1) * %1$d + 1 : u.ord * %1$d],
        h.output_flat[(u.ord - 1) * %1$d + 1 : u.ord * %1$d]
      FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[],
                  ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[],
                  ?::bigint[], ?::bigint[], ?::bigint[], ?::numeric[], ?::numeric[], ?::numeric[],
                  ?::numeric[], ?::numeric[], ?::numeric[], ?::numeric[])
             WITH ORDINALITY AS u(hour, tenant, app, route, model, mode, requests, unpriced, errors,
                  input, cached, writes, output, reasoning, uncapped, uncapped_output, cost,
                  baseline, s_cache, s_routing, s_prompt, s_batch, s_cap, ord),
           (SELECT ?::bigint[] AS input_flat, ?::bigint[] AS output_flat) AS h
      ORDER BY u.ord
      ON CONFLICT (hour, tenant, app, route, model, mode) DO UPDATE SET
        requests = r.requests + excluded.requests,
        unpriced_requests = r.unpriced_requests + excluded.unpriced_requests,
        error_requests = r.error_requests + excluded.error_requests,
        input_tokens = r.input_tokens + excluded.input_tokens,
        cached_input_tokens = r.cached_input_tokens + excluded.cached_input_tokens,
        cache_write_tokens = r.cache_write_tokens + excluded.cache_write_tokens,
        output_tokens = r.output_tokens + excluded.output_tokens,
        reasoning_tokens = r.reasoning_tokens + excluded.reasoning_tokens,
        uncapped_requests = r.uncapped_requests + excluded.uncapped_requests,
        uncapped_output_tokens = r.uncapped_output_tokens + excluded.uncapped_output_tokens,
        cost_usd = r.cost_usd + excluded.cost_usd,
        baseline_usd = r.baseline_usd + excluded.baseline_usd,
        savings_cache_usd = r.savings_cache_usd + excluded.savings_cache_usd,
        savings_routing_usd = r.savings_routing_usd + excluded.savings_routing_usd,
        savings_prompt_caching_usd = r.savings_prompt_caching_usd + excluded.savings_prompt_caching_usd,
        savings_batch_usd = r.savings_batch_usd + excluded.savings_batch_usd,
        savings_output_cap_usd = r.savings_output_cap_usd + excluded.savings_output_cap_usd,
        input_hist = ARRAY(SELECT x + y FROM unnest(r.input_hist, excluded.input_hist)
                           WITH ORDINALITY AS t(x, y, i) ORDER BY i),
        output_hist = ARRAY(SELECT x + y FROM unnest(r.output_hist, excluded.output_hist)
                            WITH ORDINALITY AS t(x, y, i) ORDER BY i)
      """
          .formatted(TokenHistogram.BUCKETS);

  private static final String UPSERT_ACTORS =
      """
      INSERT INTO cost.usage_actor_hour AS a (hour, tenant, app, route, model, kind, actor, requests)
      SELECT h::timestamptz, t, ap, ro, mo, k, ac, n
      FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                  ?::bigint[]) AS u(h, t, ap, ro, mo, k, ac, n)
      ON CONFLICT (hour, tenant, app, route, model, kind, actor) DO UPDATE SET
        requests = a.requests + excluded.requests
      """;

  private final JdbcTemplate jdbc;

  RollupStore(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** Adds {@code events} (new ones only) to the rollups, in the caller's transaction. */
  public void add(List<PricedEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    Map<RollupKey, RollupDelta> rows = new TreeMap<>();
    Map<ActorKey, long[]> actors = new TreeMap<>();
    for (PricedEvent priced : events) {
      UsageEvent e = priced.event();
      RollupKey key = RollupKey.of(e);
      rows.computeIfAbsent(key, k -> new RollupDelta()).add(e, priced.cost());
      // Actors are counted per hour, tenant, app, route and model: not per mode.
      RollupKey actorKey =
          new RollupKey(key.hour(), key.tenant(), key.app(), key.route(), key.model(), "");
      if (e.endUser() != null && !e.endUser().isBlank()) {
        actors.computeIfAbsent(new ActorKey(actorKey, "user", e.endUser()), k -> new long[1])[0]++;
      }
      if (e.conversationId() != null && !e.conversationId().isBlank()) {
        actors
            .computeIfAbsent(
                new ActorKey(actorKey, "conversation", e.conversationId()), k -> new long[1])[0]++;
      }
    }
    jdbc.execute(
        (ConnectionCallback<Void>)
            connection -> {
              upsertRollups(connection, rows);
              upsertActors(connection, actors);
              return null;
            });
  }

  private static void upsertRollups(Connection connection, Map<RollupKey, RollupDelta> rows)
      throws SQLException {
    int n = rows.size();
    String[][] text = new String[6][n];
    Long[][] counts = new Long[10][n];
    BigDecimal[][] money = new BigDecimal[2 + Tactic.values().length][n];
    Long[] inputFlat = new Long[n * TokenHistogram.BUCKETS];
    Long[] outputFlat = new Long[n * TokenHistogram.BUCKETS];
    int row = 0;
    for (Map.Entry<RollupKey, RollupDelta> entry : rows.entrySet()) {
      RollupKey k = entry.getKey();
      RollupDelta d = entry.getValue();
      text[0][row] = k.hour().toString();
      text[1][row] = k.tenant();
      text[2][row] = k.app();
      text[3][row] = k.route();
      text[4][row] = k.model();
      text[5][row] = k.mode();
      long[] c = {
        d.requests,
        d.unpricedRequests,
        d.errorRequests,
        d.inputTokens,
        d.cachedInputTokens,
        d.cacheWriteTokens,
        d.outputTokens,
        d.reasoningTokens,
        d.uncappedRequests,
        d.uncappedOutputTokens
      };
      for (int i = 0; i < c.length; i++) {
        counts[i][row] = c[i];
      }
      money[0][row] = d.costUsd;
      money[1][row] = d.baselineUsd;
      for (Tactic tactic : Tactic.values()) {
        money[2 + tactic.ordinal()][row] = d.savingsUsd[tactic.ordinal()];
      }
      for (int b = 0; b < TokenHistogram.BUCKETS; b++) {
        inputFlat[row * TokenHistogram.BUCKETS + b] = d.inputHist[b];
        outputFlat[row * TokenHistogram.BUCKETS + b] = d.outputHist[b];
      }
      row++;
    }
    try (PreparedStatement ps = connection.prepareStatement(UPSERT_ROLLUP)) {
      int i = 1;
      for (String[] column : text) {
        ps.setArray(i++, connection.createArrayOf("text", column));
      }
      for (Long[] column : counts) {
        ps.setArray(i++, connection.createArrayOf("int8", column));
      }
      for (BigDecimal[] column : money) {
        ps.setArray(i++, connection.createArrayOf("numeric", column));
      }
      ps.setArray(i++, connection.createArrayOf("int8", inputFlat));
      ps.setArray(i, connection.createArrayOf("int8", outputFlat));
      ps.executeUpdate();
    }
  }

  private static void upsertActors(Connection connection, Map<ActorKey, long[]> actors)
      throws SQLException {
    if (actors.isEmpty()) {
      return;
    }
    int n = actors.size();
    String[][] text = new String[7][n];
    Long[] counts = new Long[n];
    int row = 0;
    for (Map.Entry<ActorKey, long[]> actor : actors.entrySet()) {
      ActorKey a = actor.getKey();
      text[0][row] = a.rollup().hour().toString();
      text[1][row] = a.rollup().tenant();
      text[2][row] = a.rollup().app();
      text[3][row] = a.rollup().route();
      text[4][row] = a.rollup().model();
      text[5][row] = a.kind();
      text[6][row] = a.actor();
      counts[row] = actor.getValue()[0];
      row++;
    }
    try (PreparedStatement ps = connection.prepareStatement(UPSERT_ACTORS)) {
      for (int c = 0; c < 7; c++) {
        ps.setArray(c + 1, connection.createArrayOf("text", text[c]));
      }
      ps.setArray(8, connection.createArrayOf("int8", counts));
      ps.executeUpdate();
    }
  }

  private record ActorKey(RollupKey rollup, String kind, String actor)
      implements Comparable<ActorKey> {
    @Override
    public int compareTo(ActorKey o) {
      int c = rollup.compareTo(o.rollup);
      if (c == 0) {
        c = kind.compareTo(o.kind);
      }
      return c != 0 ? c : actor.compareTo(o.actor);
    }
  }
}
