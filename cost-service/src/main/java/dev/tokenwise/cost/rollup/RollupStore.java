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
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
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
  // every row's scalars as parallel arrays. Histograms travel as sparse deltas: the touched
  // buckets' 1-based positions and counts, flat over the batch, row i's pairs at [lo, hi] (a
  // batch adds one or two buckets to a row; the dense arrays were 176 numbers a row, all sent,
  // summed and rewritten). Rows that exist are updated first, their histograms merged by
  // add_hist_sparse (V10); the rest are inserted. The ON CONFLICT branch only runs if a row
  // appeared since this statement's snapshot, which the rollup lock rules out; it
  // merges the dense arrays as V4 did, so the result is right whoever inserted it.
  private static final String UPSERT_ROLLUP =
      """
      WITH u AS (
        SELECT u.hour::timestamptz AS hour, u.tenant, u.app, u.route, u.model, u.mode,
          u.requests, u.unpriced, u.errors, u.input, u.cached, u.writes, u.output, u.reasoning,
          u.uncapped, u.uncapped_output, u.cost, u.baseline, u.s_cache, u.s_routing, u.s_prompt,
          u.s_batch, u.s_cap,
          h.input_pos[u.input_lo : u.input_hi] AS input_pos,
          h.input_count[u.input_lo : u.input_hi] AS input_count,
          h.output_pos[u.output_lo : u.output_hi] AS output_pos,
          h.output_count[u.output_lo : u.output_hi] AS output_count,
          u.ord
        FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[],
                    ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[],
                    ?::bigint[], ?::bigint[], ?::bigint[], ?::numeric[], ?::numeric[],
                    ?::numeric[], ?::numeric[], ?::numeric[], ?::numeric[], ?::numeric[],
                    ?::int[], ?::int[], ?::int[], ?::int[])
               WITH ORDINALITY AS u(hour, tenant, app, route, model, mode, requests, unpriced,
                    errors, input, cached, writes, output, reasoning, uncapped, uncapped_output,
                    cost, baseline, s_cache, s_routing, s_prompt, s_batch, s_cap, input_lo,
                    input_hi, output_lo, output_hi, ord),
             (SELECT ?::int[] AS input_pos, ?::bigint[] AS input_count,
                     ?::int[] AS output_pos, ?::bigint[] AS output_count) AS h),
      updated AS (
        UPDATE cost.usage_rollup r SET
          requests = r.requests + u.requests,
          unpriced_requests = r.unpriced_requests + u.unpriced,
          error_requests = r.error_requests + u.errors,
          input_tokens = r.input_tokens + u.input,
          cached_input_tokens = r.cached_input_tokens + u.cached,
          cache_write_tokens = r.cache_write_tokens + u.writes,
          output_tokens = r.output_tokens + u.output,
          reasoning_tokens = r.reasoning_tokens + u.reasoning,
          uncapped_requests = r.uncapped_requests + u.uncapped,
          uncapped_output_tokens = r.uncapped_output_tokens + u.uncapped_output,
          cost_usd = r.cost_usd + u.cost,
          baseline_usd = r.baseline_usd + u.baseline,
          savings_cache_usd = r.savings_cache_usd + u.s_cache,
          savings_routing_usd = r.savings_routing_usd + u.s_routing,
          savings_prompt_caching_usd = r.savings_prompt_caching_usd + u.s_prompt,
          savings_batch_usd = r.savings_batch_usd + u.s_batch,
          savings_output_cap_usd = r.savings_output_cap_usd + u.s_cap,
          input_hist = cost.add_hist_sparse(r.input_hist, u.input_pos, u.input_count),
          output_hist = cost.add_hist_sparse(r.output_hist, u.output_pos, u.output_count)
        FROM u
        WHERE r.hour = u.hour AND r.tenant = u.tenant AND r.app = u.app AND r.route = u.route
          AND r.model = u.model AND r.mode = u.mode
        RETURNING u.ord)
      INSERT INTO cost.usage_rollup AS r (
        hour, tenant, app, route, model, mode, requests, unpriced_requests, error_requests,
        input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
        uncapped_requests, uncapped_output_tokens, cost_usd, baseline_usd, savings_cache_usd,
        savings_routing_usd, savings_prompt_caching_usd, savings_batch_usd, savings_output_cap_usd,
        input_hist, output_hist)
      SELECT u.hour, u.tenant, u.app, u.route, u.model, u.mode, u.requests, u.unpriced, u.errors,
        u.input, u.cached, u.writes, u.output, u.reasoning, u.uncapped, u.uncapped_output, u.cost,
        u.baseline, u.s_cache, u.s_routing, u.s_prompt, u.s_batch, u.s_cap,
        cost.add_hist_sparse(array_fill(0::bigint, ARRAY[%1$d]), u.input_pos, u.input_count),
        cost.add_hist_sparse(array_fill(0::bigint, ARRAY[%1$d]), u.output_pos, u.output_count)
      FROM u
      WHERE u.ord NOT IN (SELECT ord FROM updated)
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
        input_hist = %2$s,
        output_hist = %3$s
      """
          .formatted(TokenHistogram.BUCKETS, elementSum("input_hist"), elementSum("output_hist"));

  // The UPDATE above locks rows in whatever order its join yields them, so two transactions
  // rolling up overlapping rows could deadlock; every rollup writer (ingest on any replica,
  // re-pricing) takes this lock first. They were serialised on those rows anyway: with ordered
  // upserts the second waited on the first's rows until its commit.
  private static final String LOCK_ROLLUPS =
      "SELECT pg_advisory_xact_lock(hashtext('cost.usage_rollup'))";

  private static final String UPSERT_ACTORS =
      """
      INSERT INTO cost.usage_actor_hour (hour, tenant, app, route, model, kind, actor_key)
      SELECT h::timestamptz, t, ap, ro, mo, k, ac
      FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[])
             AS u(h, t, ap, ro, mo, k, ac)
      ON CONFLICT (hour, tenant, app, route, model, kind, actor_key) DO NOTHING
      """;

  private static final String UPSERT_SHADOW =
      """
      INSERT INTO cost.usage_shadow_hour AS s (hour, tenant, route, model, mode, requests,
        input_tokens, output_tokens, cost_usd)
      SELECT h::timestamptz, t, ro, mo, md, n, i, o, c
      FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[],
                  ?::bigint[], ?::numeric[]) AS u(h, t, ro, mo, md, n, i, o, c)
      ORDER BY 1, 2, 3, 4, 5
      ON CONFLICT (hour, tenant, route, model, mode) DO UPDATE SET
        requests = s.requests + excluded.requests,
        input_tokens = s.input_tokens + excluded.input_tokens,
        output_tokens = s.output_tokens + excluded.output_tokens,
        cost_usd = s.cost_usd + excluded.cost_usd
      """;

  /**
   * Ends the request id of a shadow-evaluation replay's usage event (the router's and
   * batch-service's convention): billed spend, but no client request, so it goes to {@code
   * cost.usage_shadow_hour} and not to the rollups the five metrics read.
   */
  public static final String SHADOW_REQUEST_SUFFIX = ":shadow";

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
    Set<ActorKey> actors = new TreeSet<>();
    Map<RollupKey, RollupDelta> shadows = new TreeMap<>();
    for (PricedEvent priced : events) {
      UsageEvent e = priced.event();
      if (isShadow(e)) {
        shadows.computeIfAbsent(RollupKey.of(e), k -> new RollupDelta()).add(e, priced.cost());
        continue;
      }
      RollupKey key = RollupKey.of(e);
      rows.computeIfAbsent(key, k -> new RollupDelta()).add(e, priced.cost());
      // Actors are counted per hour, tenant, app, route and model: not per mode.
      RollupKey actorRollup =
          new RollupKey(key.hour(), key.tenant(), key.app(), key.route(), key.model(), "");
      if (e.endUser() != null && !e.endUser().isBlank()) {
        actors.add(new ActorKey(actorRollup, "user", actorKey(e.endUser())));
      }
      if (e.conversationId() != null && !e.conversationId().isBlank()) {
        actors.add(new ActorKey(actorRollup, "conversation", actorKey(e.conversationId())));
      }
    }
    jdbc.execute(
        (ConnectionCallback<Void>)
            connection -> {
              if (!rows.isEmpty()) {
                upsertRollups(connection, rows);
              }
              upsertShadows(connection, shadows);
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
    Integer[][] bounds = new Integer[4][n];
    SparseHistograms input = new SparseHistograms(n);
    SparseHistograms output = new SparseHistograms(n);
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
      bounds[0][row] = input.size() + 1;
      input.add(d.inputHist);
      bounds[1][row] = input.size();
      bounds[2][row] = output.size() + 1;
      output.add(d.outputHist);
      bounds[3][row] = output.size();
      row++;
    }
    try (var lock = connection.createStatement()) {
      lock.execute(LOCK_ROLLUPS);
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
      for (Integer[] column : bounds) {
        ps.setArray(i++, connection.createArrayOf("int4", column));
      }
      ps.setArray(i++, connection.createArrayOf("int4", input.positions()));
      ps.setArray(i++, connection.createArrayOf("int8", input.counts()));
      ps.setArray(i++, connection.createArrayOf("int4", output.positions()));
      ps.setArray(i, connection.createArrayOf("int8", output.counts()));
      ps.executeUpdate();
    }
  }

  private static void upsertActors(Connection connection, Set<ActorKey> actors)
      throws SQLException {
    if (actors.isEmpty()) {
      return;
    }
    int n = actors.size();
    String[][] text = new String[6][n];
    Long[] keys = new Long[n];
    int row = 0;
    for (ActorKey a : actors) {
      text[0][row] = a.rollup().hour().toString();
      text[1][row] = a.rollup().tenant();
      text[2][row] = a.rollup().app();
      text[3][row] = a.rollup().route();
      text[4][row] = a.rollup().model();
      text[5][row] = a.kind();
      keys[row] = a.actor();
      row++;
    }
    try (PreparedStatement ps = connection.prepareStatement(UPSERT_ACTORS)) {
      for (int c = 0; c < 6; c++) {
        ps.setArray(c + 1, connection.createArrayOf("text", text[c]));
      }
      ps.setArray(7, connection.createArrayOf("int8", keys));
      ps.executeUpdate();
    }
  }

  /**
   * Takes the rollup writers' lock until the caller's transaction ends; a transaction that adjusts
   * {@code cost.usage_rollup} rows outside {@link #add} takes it before its first row.
   */
  public void lock() {
    jdbc.execute(LOCK_ROLLUPS);
  }

  /** Whether the event is a shadow-evaluation replay's (see {@link #SHADOW_REQUEST_SUFFIX}). */
  public static boolean isShadow(UsageEvent event) {
    return event.requestId() != null && event.requestId().endsWith(SHADOW_REQUEST_SUFFIX);
  }

  private static void upsertShadows(Connection connection, Map<RollupKey, RollupDelta> shadows)
      throws SQLException {
    if (shadows.isEmpty()) {
      return;
    }
    int n = shadows.size();
    String[][] text = new String[5][n];
    Long[][] counts = new Long[3][n];
    BigDecimal[] cost = new BigDecimal[n];
    int row = 0;
    for (Map.Entry<RollupKey, RollupDelta> entry : shadows.entrySet()) {
      RollupKey k = entry.getKey();
      RollupDelta d = entry.getValue();
      text[0][row] = k.hour().toString();
      text[1][row] = k.tenant();
      text[2][row] = k.route();
      text[3][row] = k.model();
      text[4][row] = k.mode();
      counts[0][row] = d.requests;
      counts[1][row] = d.inputTokens;
      counts[2][row] = d.outputTokens;
      cost[row] = d.costUsd;
      row++;
    }
    try (PreparedStatement ps = connection.prepareStatement(UPSERT_SHADOW)) {
      int i = 1;
      for (String[] column : text) {
        ps.setArray(i++, connection.createArrayOf("text", column));
      }
      for (Long[] column : counts) {
        ps.setArray(i++, connection.createArrayOf("int8", column));
      }
      ps.setArray(i, connection.createArrayOf("numeric", cost));
      ps.executeUpdate();
    }
  }

  /** {@code ARRAY[r.col[1] + excluded.col[1], ...]} over every bucket. */
  private static String elementSum(String column) {
    StringBuilder sql = new StringBuilder("ARRAY[");
    for (int i = 1; i <= TokenHistogram.BUCKETS; i++) {
      if (i > 1) {
        sql.append(", ");
      }
      sql.append("r.%1$s[%2$d] + excluded.%1$s[%2$d]".formatted(column, i));
    }
    return sql.append("]::bigint[]").toString();
  }

  /** A user or conversation of one rollup key; {@code actor} is {@link #actorKey}'s 64 bits. */
  private record ActorKey(RollupKey rollup, String kind, long actor)
      implements Comparable<ActorKey> {
    @Override
    public int compareTo(ActorKey o) {
      int c = rollup.compareTo(o.rollup);
      if (c == 0) {
        c = kind.compareTo(o.kind);
      }
      return c != 0 ? c : Long.compare(actor, o.actor);
    }
  }

  /**
   * The 64-bit key an actor id is stored under: the first 8 bytes of its MD5, big-endian, as V9's
   * {@code ('x' || substr(md5(actor), 1, 16))::bit(64)::bigint} computes it for older rows.
   */
  static long actorKey(String actor) {
    try {
      byte[] digest =
          java.security.MessageDigest.getInstance("MD5")
              .digest(actor.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      long key = 0;
      for (int i = 0; i < 8; i++) {
        key = (key << 8) | (digest[i] & 0xff);
      }
      return key;
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
