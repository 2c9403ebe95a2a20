package dev.tokenwise.cost.rollup;

import dev.tokenwise.common.pricing.CostBreakdown.Tactic;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.cost.pricing.PricedEvent;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
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

  private static final String UPSERT_ROLLUP =
      """
      INSERT INTO cost.usage_rollup AS r (
        hour, tenant, app, route, model, mode, requests, unpriced_requests, error_requests,
        input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
        uncapped_requests, uncapped_output_tokens, cost_usd, baseline_usd, savings_cache_usd,
        savings_routing_usd, savings_prompt_caching_usd, savings_batch_usd, savings_output_cap_usd,
        input_hist, output_hist)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
        input_hist = cost.add_hist(r.input_hist, excluded.input_hist),
        output_hist = cost.add_hist(r.output_hist, excluded.output_hist)
      """;

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
    try (PreparedStatement ps = connection.prepareStatement(UPSERT_ROLLUP)) {
      for (Map.Entry<RollupKey, RollupDelta> row : rows.entrySet()) {
        RollupKey k = row.getKey();
        RollupDelta d = row.getValue();
        int i = 1;
        ps.setObject(i++, OffsetDateTime.ofInstant(k.hour(), ZoneOffset.UTC));
        ps.setString(i++, k.tenant());
        ps.setString(i++, k.app());
        ps.setString(i++, k.route());
        ps.setString(i++, k.model());
        ps.setString(i++, k.mode());
        ps.setLong(i++, d.requests);
        ps.setLong(i++, d.unpricedRequests);
        ps.setLong(i++, d.errorRequests);
        ps.setLong(i++, d.inputTokens);
        ps.setLong(i++, d.cachedInputTokens);
        ps.setLong(i++, d.cacheWriteTokens);
        ps.setLong(i++, d.outputTokens);
        ps.setLong(i++, d.reasoningTokens);
        ps.setLong(i++, d.uncappedRequests);
        ps.setLong(i++, d.uncappedOutputTokens);
        ps.setBigDecimal(i++, d.costUsd);
        ps.setBigDecimal(i++, d.baselineUsd);
        for (Tactic tactic : Tactic.values()) {
          ps.setBigDecimal(i++, d.savingsUsd[tactic.ordinal()]);
        }
        ps.setArray(i++, longs(connection, d.inputHist));
        ps.setArray(i, longs(connection, d.outputHist));
        ps.addBatch();
      }
      ps.executeBatch();
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

  private static Array longs(Connection connection, long[] values) throws SQLException {
    Long[] boxed = new Long[values.length];
    for (int i = 0; i < values.length; i++) {
      boxed[i] = values[i];
    }
    return connection.createArrayOf("int8", boxed);
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
