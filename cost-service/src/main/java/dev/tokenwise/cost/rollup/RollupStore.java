package dev.tokenwise.cost.rollup;

import dev.tokenwise.common.pricing.CostBreakdown.Tactic;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.cost.pricing.PricedEvent;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.postgresql.PGConnection;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Adds newly stored events to the hourly rollups, in two steps that together count every event
 * exactly once:
 *
 * <ol>
 *   <li>{@link #add} runs inside the ingest transaction with only the events that transaction
 *       inserted, and appends the batch's per-row deltas to {@code cost.usage_rollup_pending} (an
 *       append-only table without indexes), so a redelivered event is never counted twice and a
 *       rolled-back batch leaves nothing behind;
 *   <li>{@link #fold} moves everything pending into {@code cost.usage_rollup} in one transaction
 *       (delete, sum per row, one upsert per row): every {@link RollupProperties#foldInterval()},
 *       and before anything reads the rollups ({@link #foldPending()}), so a reader never misses a
 *       stored event.
 * </ol>
 *
 * <p>Upserting the rollups in every ingest transaction rewrote each row a batch touched, two
 * 88-bucket histograms and all, once per batch: with traffic spread over many rows that was about
 * half of PostgreSQL's work per event. Folding rewrites each row once per fold instead.
 */
@Repository
public class RollupStore {
  // One statement per batch (not a JDBC batch of per-row upserts, which ran ten times slower):
  // every row's scalars as parallel arrays, both histograms as one flat
  // array each (row i's buckets at [(i-1) x BUCKETS + 1, i x BUCKETS]). Histograms are merged by
  // a spelled-out ARRAY[a[1] + b[1], ...]: plain expressions, where an unnest/ARRAY(SELECT...)
  // merge ran a sub-plan per conflicting row and was most of ingest's time in PostgreSQL.
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
        input_hist = %2$s,
        output_hist = %3$s
      """
          .formatted(TokenHistogram.BUCKETS, elementSum("input_hist"), elementSum("output_hist"));

  private static final String PENDING_COLUMNS =
      "hour, tenant, app, route, model, mode, requests, unpriced_requests, error_requests,"
          + " input_tokens, cached_input_tokens, cache_write_tokens, output_tokens,"
          + " reasoning_tokens, uncapped_requests, uncapped_output_tokens, cost_usd, baseline_usd,"
          + " savings_cache_usd, savings_routing_usd, savings_prompt_caching_usd,"
          + " savings_batch_usd, savings_output_cap_usd, input_buckets, input_counts,"
          + " output_buckets, output_counts";

  private static final String APPEND_PENDING =
      "COPY cost.usage_rollup_pending (" + PENDING_COLUMNS + ") FROM STDIN (FORMAT binary)";

  private static final int PENDING_FIELDS = PENDING_COLUMNS.split(",").length;

  // At most FOLD_CHUNK rows per transaction, so a backlog (folding stopped for a while) is moved
  // in bounded pieces; rows are never updated, so their ctid is stable until deleted.
  // The hour as epoch seconds and the sparse histograms as text: cheaper to read than a timestamp
  // and four JDBC arrays, and folding reads one row per rollup row per batch.
  private static final String MOVE_PENDING =
      """
      DELETE FROM cost.usage_rollup_pending
      WHERE ctid = ANY (ARRAY(SELECT ctid FROM cost.usage_rollup_pending LIMIT %d))
      RETURNING extract(epoch FROM hour)::bigint, tenant, app, route, model, mode, requests,
        unpriced_requests, error_requests, input_tokens, cached_input_tokens, cache_write_tokens,
        output_tokens, reasoning_tokens, uncapped_requests, uncapped_output_tokens, cost_usd,
        baseline_usd, savings_cache_usd, savings_routing_usd, savings_prompt_caching_usd,
        savings_batch_usd, savings_output_cap_usd, input_buckets::text, input_counts::text,
        output_buckets::text, output_counts::text
      """;

  static final int FOLD_CHUNK = 100_000;

  /** One folder at a time across replicas: the transaction-scoped lock of this key. */
  private static final String FOLD_LOCK = "hashtext('cost.rollup-fold')";

  // Appended, not upserted: usage_actor has no unique key (V16), since every reader counts
  // DISTINCT actors over its window. A row stored twice (by two replicas, or again after a restart)
  // costs storage, never a wrong count.
  private static final String APPEND_ACTORS =
      "COPY cost.usage_actor (hour, scope, kind, actor_key) FROM STDIN (FORMAT binary)";

  private static final String INSERT_SCOPES =
      """
      INSERT INTO cost.usage_actor_scope (scope, tenant, app, route, model)
      SELECT * FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[])
      ON CONFLICT (scope) DO NOTHING
      """;

  private static final short USER = 1;
  private static final short CONVERSATION = 2;

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
  private final TransactionTemplate transaction;

  /**
   * Scopes known to be stored (committed), so a batch inserts only scopes it has not seen: there
   * are few of them (tenants × apps × routes × models) and rows are never removed.
   */
  private final Set<Long> storedScopes = ConcurrentHashMap.newKeySet();

  /** User and conversation rows this replica stored in the last hours: not inserted again. */
  private final StoredActors storedActors;

  RollupStore(JdbcTemplate jdbc, TransactionTemplate transaction, RollupProperties properties) {
    this.jdbc = jdbc;
    this.transaction = transaction;
    this.storedActors = new StoredActors(Clock.systemUTC(), properties.rememberedActorsPerHour());
  }

  /**
   * Adds {@code events} (new ones only) to the pending rollup deltas, in the caller's transaction;
   * {@link #fold} adds them to the rollups.
   */
  public void add(List<PricedEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    // Pending deltas are appended, never updated in place: their order does not matter.
    Map<RollupKey, RollupDelta> rows = new HashMap<>();
    Set<ActorRow> actors = new HashSet<>();
    Map<Long, RollupKey> newScopes = new TreeMap<>();
    Map<RollupKey, RollupDelta> shadows = new TreeMap<>();
    for (PricedEvent priced : events) {
      UsageEvent e = priced.event();
      if (isShadow(e)) {
        shadows.computeIfAbsent(RollupKey.of(e), k -> new RollupDelta()).add(e, priced.cost());
        continue;
      }
      RollupKey key = RollupKey.of(e);
      RollupDelta delta = rows.get(key);
      if (delta == null) {
        delta = new RollupDelta();
        rows.put(key, delta);
      }
      delta.add(e, priced.cost());
      boolean user = e.endUser() != null && !e.endUser().isBlank();
      boolean conversation = e.conversationId() != null && !e.conversationId().isBlank();
      if (!user && !conversation) {
        continue;
      }
      // Actors are counted per hour, tenant, app, route and model: not per mode.
      // Hashed once per rollup row of the batch, not once per event.
      long scope =
          delta.scope != 0
              ? delta.scope
              : (delta.scope = scope(key.tenant(), key.app(), key.route(), key.model()));
      if (!storedScopes.contains(scope)) {
        newScopes.putIfAbsent(scope, key);
      }
      long hour = key.hour().getEpochSecond();
      if (user) {
        long actor = actorKey(e.endUser());
        if (!storedActors.contains(hour, scope, USER, actor)) {
          actors.add(new ActorRow(hour, scope, USER, actor));
        }
      }
      if (conversation) {
        long actor = actorKey(e.conversationId());
        if (!storedActors.contains(hour, scope, CONVERSATION, actor)) {
          actors.add(new ActorRow(hour, scope, CONVERSATION, actor));
        }
      }
    }
    jdbc.execute(
        (ConnectionCallback<Void>)
            connection -> {
              if (!rows.isEmpty()) {
                appendPending(connection, rows);
              }
              upsertShadows(connection, shadows);
              insertScopes(connection, newScopes);
              appendActors(connection, actors);
              return null;
            });
    rememberScopes(newScopes.keySet());
    rememberActors(actors);
  }

  /**
   * Remembers actor rows once their transaction committed. A rolled-back batch stored nothing, so
   * it remembers nothing.
   */
  private void rememberActors(Set<ActorRow> actors) {
    if (actors.isEmpty() || !TransactionSynchronizationManager.isSynchronizationActive()) {
      return;
    }
    TransactionSynchronizationManager.registerSynchronization(
        new TransactionSynchronization() {
          @Override
          public void afterCommit() {
            storedActors.forgetOldHours();
            for (ActorRow a : actors) {
              storedActors.stored(a.hour(), a.scope(), a.kind(), a.actor());
            }
          }
        });
  }

  /** Forgets remembered actor rows of the hours before {@code before}: retention deleted them. */
  public void forgetActorsBefore(java.time.Instant before) {
    storedActors.forgetBefore(before.getEpochSecond());
  }

  /**
   * Moves every pending delta committed so far into the rollups, waiting for a fold another thread
   * or replica is running; call it before reading {@code cost.usage_rollup}.
   */
  public void foldPending() {
    while (fold(true) == FOLD_CHUNK) {
      // A backlog: keep moving.
    }
  }

  /**
   * Moves up to {@link #FOLD_CHUNK} pending deltas into the rollups in one transaction and returns
   * how many rows it moved. With {@code wait} false it returns 0 at once when another fold holds
   * the lock (that fold is doing the work).
   */
  public int fold(boolean wait) {
    Integer moved =
        transaction.execute(
            status -> {
              if (wait) {
                jdbc.queryForObject(
                    "SELECT pg_advisory_xact_lock(" + FOLD_LOCK + ")::text", String.class);
              } else if (!Boolean.TRUE.equals(
                  jdbc.queryForObject(
                      "SELECT pg_try_advisory_xact_lock(" + FOLD_LOCK + ")", Boolean.class))) {
                return 0;
              }
              Map<RollupKey, RollupDelta> rows = new TreeMap<>();
              int[] count = {0};
              jdbc.query(
                  MOVE_PENDING.formatted(FOLD_CHUNK),
                  rs -> {
                    count[0]++;
                    RollupKey key =
                        new RollupKey(
                            java.time.Instant.ofEpochSecond(rs.getLong(1)),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getString(4),
                            rs.getString(5),
                            rs.getString(6));
                    rows.computeIfAbsent(key, k -> new RollupDelta()).add(rs);
                  });
              if (!rows.isEmpty()) {
                jdbc.execute(
                    (ConnectionCallback<Void>)
                        connection -> {
                          upsertRollups(connection, rows);
                          return null;
                        });
              }
              return count[0];
            });
    return moved == null ? 0 : moved;
  }

  /**
   * Appends one delta row per rollup row to {@code cost.usage_rollup_pending} with {@code COPY}.
   */
  private static void appendPending(Connection connection, Map<RollupKey, RollupDelta> rows)
      throws SQLException {
    BinaryCopy copy = new BinaryCopy(rows.size() * 400);
    for (Map.Entry<RollupKey, RollupDelta> entry : rows.entrySet()) {
      RollupKey k = entry.getKey();
      RollupDelta d = entry.getValue();
      copy.row(PENDING_FIELDS)
          .timestamptz(k.hour())
          .text(k.tenant())
          .text(k.app())
          .text(k.route())
          .text(k.model())
          .text(k.mode());
      for (long value : d.counts()) {
        copy.int8(value);
      }
      copy.numeric(d.costUsd).numeric(d.baselineUsd);
      for (BigDecimal saving : d.savingsUsd) {
        copy.numeric(saving);
      }
      copy.sparse(d.inputHist).sparse(d.outputHist);
    }
    try {
      connection.unwrap(PGConnection.class).getCopyAPI().copyIn(APPEND_PENDING, copy.finish());
    } catch (IOException e) {
      throw new SQLException("COPY into the pending rollups failed", e);
    }
  }

  /** Remembers scopes once their transaction committed (a rolled-back insert stored nothing). */
  private void rememberScopes(Set<Long> scopes) {
    if (scopes.isEmpty()) {
      return;
    }
    List<Long> inserted = List.copyOf(scopes);
    if (TransactionSynchronizationManager.isSynchronizationActive()) {
      TransactionSynchronizationManager.registerSynchronization(
          new TransactionSynchronization() {
            @Override
            public void afterCommit() {
              storedScopes.addAll(inserted);
            }
          });
    } else {
      storedScopes.addAll(inserted);
    }
  }

  private static void insertScopes(Connection connection, Map<Long, RollupKey> scopes)
      throws SQLException {
    if (scopes.isEmpty()) {
      return;
    }
    int n = scopes.size();
    Long[] ids = new Long[n];
    String[][] text = new String[4][n];
    int row = 0;
    for (Map.Entry<Long, RollupKey> entry : scopes.entrySet()) {
      RollupKey k = entry.getValue();
      ids[row] = entry.getKey();
      text[0][row] = k.tenant();
      text[1][row] = k.app();
      text[2][row] = k.route();
      text[3][row] = k.model();
      row++;
    }
    try (PreparedStatement ps = connection.prepareStatement(INSERT_SCOPES)) {
      ps.setArray(1, connection.createArrayOf("int8", ids));
      for (int c = 0; c < 4; c++) {
        ps.setArray(c + 2, connection.createArrayOf("text", text[c]));
      }
      ps.executeUpdate();
    }
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
      long[] c = d.counts();
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

  private static void appendActors(Connection connection, Set<ActorRow> actors)
      throws SQLException {
    if (actors.isEmpty()) {
      return;
    }
    BinaryCopy copy = new BinaryCopy(actors.size() * 48);
    for (ActorRow a : actors) {
      copy.row(4).timestamptzSeconds(a.hour()).int8(a.scope()).int2(a.kind()).int8(a.actor());
    }
    try {
      connection.unwrap(PGConnection.class).getCopyAPI().copyIn(APPEND_ACTORS, copy.finish());
    } catch (IOException e) {
      throw new SQLException("COPY into the actor rows failed", e);
    }
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

  /**
   * A user or conversation row: the hour (epoch seconds), its {@link #scope}, {@link #USER} or
   * {@link #CONVERSATION}, and {@link #actorKey}'s 64 bits.
   */
  private record ActorRow(long hour, long scope, short kind, long actor) {}

  /**
   * The 64-bit key of an actor row's tenant, app, route and model: the first 8 bytes of the MD5 of
   * each one's UTF-8 length, {@code ':'} and its UTF-8 bytes, concatenated, big-endian; V10's
   * {@code cost.actor_scope} computes the same in SQL.
   */
  public static long scope(String tenant, String app, String route, String model) {
    MessageDigest md5 = md5();
    for (String part : new String[] {tenant, app, route, model}) {
      byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
      md5.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
      md5.update((byte) ':');
      md5.update(bytes);
    }
    return first64(md5.digest());
  }

  /**
   * The 64-bit key an actor id is stored under: the first 8 bytes of its MD5, big-endian, as V9's
   * {@code ('x' || substr(md5(actor), 1, 16))::bit(64)::bigint} computes it for older rows.
   */
  static long actorKey(String actor) {
    return first64(md5().digest(actor.getBytes(StandardCharsets.UTF_8)));
  }

  private static long first64(byte[] digest) {
    long key = 0;
    for (int i = 0; i < 8; i++) {
      key = (key << 8) | (digest[i] & 0xff);
    }
    return key;
  }

  /**
   * A fresh MD5 digest, cloned from one prototype: {@code MessageDigest.getInstance} looks the
   * provider up every time, and this runs three times per ingested event.
   */
  private static MessageDigest md5() {
    try {
      return (MessageDigest) MD5.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final MessageDigest MD5 = prototype();

  private static MessageDigest prototype() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
