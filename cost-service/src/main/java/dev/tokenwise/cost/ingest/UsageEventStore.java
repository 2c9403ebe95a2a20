package dev.tokenwise.cost.ingest;

import dev.tokenwise.common.pricing.CostBreakdown.Tactic;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.cost.pricing.EventCost;
import dev.tokenwise.cost.pricing.PricedEvent;
import dev.tokenwise.cost.rollup.BinaryCopy;
import dev.tokenwise.cost.rollup.Csv;
import dev.tokenwise.cost.rollup.RollupStore;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.postgresql.PGConnection;
import org.postgresql.util.PSQLException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Writes priced usage events to {@code cost.usage_event}, once per {@code eventId}, and adds the
 * new ones to the hourly rollups in the same transaction.
 *
 * <p>A batch first claims its ids in {@code cost.usage_event_key}; only the events whose claim was
 * new are then streamed with {@code COPY} straight into the event table. Both go as binary {@code
 * COPY} rows, so PostgreSQL parses no text for them. The event table is partitioned by {@code
 * occurred_at}, so it cannot carry a unique constraint on {@code event_id} alone; the key table is
 * that constraint. A replayed or concurrently delivered event inserts nothing and is not rolled up
 * again: a claim another transaction holds uncommitted waits for it, and is new only if that one
 * rolls back.
 *
 * <p>Each event row is parsed and written once. (Until 2026-12, a batch was copied into a temporary
 * staging table and moved from there with {@code INSERT ... SELECT}: every row written twice, and
 * the staging table emptied at every commit.)
 */
@Repository
class UsageEventStore {

  static final String COLUMNS =
      "event_id, occurred_at, schema_version, request_id, tenant, app, end_user, conversation_id,"
          + " route, requested_model, served_model, provider, mode, input_tokens,"
          + " cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens,"
          + " reasoning_tokens, requested_max_tokens, applied_max_tokens, latency_ms, status,"
          + " finish_reason, cost_usd, baseline_usd, savings_cache_usd, savings_routing_usd,"
          + " savings_prompt_caching_usd, savings_batch_usd, savings_output_cap_usd,"
          + " catalog_version, pricing_status, pricing_note, uncapped_output_estimate, experiment,"
          + " arm, router_version";

  // Ids are claimed in event_id order so that replicas storing overlapping batches lock keys in
  // the same order (no deadlock).
  private static final String CLAIM =
      """
      INSERT INTO cost.usage_event_key (event_id, occurred_at)
      SELECT id, at::timestamptz FROM unnest(?::uuid[], ?::text[]) AS u(id, at) ORDER BY id
      ON CONFLICT (event_id) DO NOTHING
      RETURNING event_id
      """;

  // The common case, a batch of ids never seen: a plain insert (here a binary COPY), each id
  // checked once by the unique index, costs less than ON CONFLICT's speculative insertion (check,
  // insert, confirm). A batch with an id already stored fails on the primary key and is stored
  // again with CLAIM.
  private static final String CLAIM_NEW =
      "COPY cost.usage_event_key (event_id, occurred_at) FROM STDIN (FORMAT binary)";

  private static final String KEY_CONSTRAINT = "usage_event_key_pkey";

  private static final String COPY =
      "COPY cost.usage_event (" + COLUMNS + ") FROM STDIN (FORMAT binary)";

  private static final int FIELDS = COLUMNS.split(",").length;

  private final JdbcTemplate jdbc;
  private final TransactionTemplate transaction;
  private final RollupStore rollups;

  UsageEventStore(JdbcTemplate jdbc, TransactionTemplate transaction, RollupStore rollups) {
    this.jdbc = jdbc;
    this.transaction = transaction;
    this.rollups = rollups;
  }

  /**
   * Stores the events in one transaction and returns those that were new; events whose id is
   * already stored (or repeated within the list) are skipped.
   */
  List<PricedEvent> store(List<PricedEvent> events) {
    if (events.isEmpty()) {
      return List.of();
    }
    Map<UUID, PricedEvent> unique = new LinkedHashMap<>();
    events.forEach(e -> unique.putIfAbsent(e.event().eventId(), e));
    try {
      return store(unique, false);
    } catch (DuplicateKeyException e) {
      if (!onKeyTable(e)) {
        throw e;
      }
      // Some id was stored before: a batch delivered again (after a crash, or claimed from a
      // consumer that stalled). Rare; stored again, skipping those ids.
      return store(unique, true);
    }
  }

  /** Whether the unique key refused was the event-id claim's (the server names the constraint). */
  private static boolean onKeyTable(DuplicateKeyException e) {
    return e.getMostSpecificCause() instanceof PSQLException psql
        && psql.getServerErrorMessage() != null
        && KEY_CONSTRAINT.equals(psql.getServerErrorMessage().getConstraint());
  }

  private List<PricedEvent> store(Map<UUID, PricedEvent> unique, boolean seenBefore) {
    return transaction.execute(
        status -> {
          List<PricedEvent> stored =
              jdbc.execute(
                  (ConnectionCallback<List<PricedEvent>>)
                      connection -> {
                        List<PricedEvent> news =
                            seenBefore ? claim(connection, unique) : claimAll(connection, unique);
                        if (news.isEmpty()) {
                          return news;
                        }
                        copyIn(connection, COPY, rows(news));
                        return news;
                      });
          rollups.add(stored);
          return stored;
        });
  }

  /**
   * Claims every id with a plain binary {@code COPY}, in the order PostgreSQL sorts UUIDs (so that
   * two transactions claiming overlapping ids lock them in the same order); fails on the primary
   * key if one was stored before.
   */
  private static List<PricedEvent> claimAll(Connection connection, Map<UUID, PricedEvent> unique)
      throws SQLException {
    List<PricedEvent> sorted = new ArrayList<>(unique.values());
    sorted.sort((a, b) -> BinaryCopy.uuidOrder(a.event().eventId(), b.event().eventId()));
    BinaryCopy keys = new BinaryCopy(sorted.size() * 40);
    for (PricedEvent e : sorted) {
      keys.row(2).uuid(e.event().eventId()).timestamptz(e.event().occurredAt());
    }
    copyIn(connection, CLAIM_NEW, keys.finish());
    return new ArrayList<>(unique.values());
  }

  private static void copyIn(Connection connection, String sql, InputStream rows)
      throws SQLException {
    try {
      connection.unwrap(PGConnection.class).getCopyAPI().copyIn(sql, rows);
    } catch (IOException e) {
      throw new SQLException(sql.substring(0, sql.indexOf('(')) + "failed", e);
    }
  }

  /** Claims the ids not stored before and returns their events. */
  private static List<PricedEvent> claim(Connection connection, Map<UUID, PricedEvent> unique)
      throws SQLException {
    int n = unique.size();
    UUID[] ids = new UUID[n];
    String[] occurred = new String[n];
    int i = 0;
    for (PricedEvent e : unique.values()) {
      ids[i] = e.event().eventId();
      occurred[i] = Csv.instant(e.event().occurredAt());
      i++;
    }
    Set<UUID> fresh = new HashSet<>(n * 2);
    try (PreparedStatement claim = connection.prepareStatement(CLAIM)) {
      claim.setArray(1, connection.createArrayOf("uuid", ids));
      claim.setArray(2, connection.createArrayOf("text", occurred));
      try (ResultSet rs = claim.executeQuery()) {
        while (rs.next()) {
          fresh.add(rs.getObject(1, UUID.class));
        }
      }
    }
    List<PricedEvent> news = new ArrayList<>(fresh.size());
    for (PricedEvent e : unique.values()) {
      if (fresh.contains(e.event().eventId())) {
        news.add(e);
      }
    }
    return news;
  }

  /** The events as binary COPY rows in {@link #COLUMNS} order, each value in its column's type. */
  static InputStream rows(List<PricedEvent> events) {
    BinaryCopy rows = new BinaryCopy(events.size() * 400);
    for (PricedEvent priced : events) {
      UsageEvent e = priced.event();
      EventCost cost = priced.cost();
      rows.row(FIELDS)
          .uuid(e.eventId())
          .timestamptz(e.occurredAt())
          .int4(e.schemaVersion())
          .text(e.requestId())
          .text(e.tenant())
          .text(e.app())
          .text(e.endUser())
          .text(e.conversationId())
          .text(e.route())
          .text(e.requestedModel())
          .text(e.servedModel())
          .text(e.provider())
          .text(UsageWire.mode(e.mode()))
          .int8(e.inputTokens())
          .int8(e.cachedInputTokens())
          .int8(e.cacheWriteTokens().ttl5m())
          .int8(e.cacheWriteTokens().ttl1h())
          .int8(e.outputTokens())
          .int8(e.reasoningTokens())
          .int8(e.requestedMaxTokens())
          .int8(e.appliedMaxTokens())
          .int8(e.latencyMs())
          .text(UsageWire.status(e.status()))
          .text(e.finishReason())
          .numeric(cost.costUsd())
          .numeric(cost.baselineUsd());
      for (Tactic tactic : Tactic.values()) {
        rows.numeric(cost.savingsUsd(tactic));
      }
      rows.text(cost.catalogVersion())
          .text(cost.priced() ? "priced" : "unpriced")
          .text(cost.unpricedReason())
          .int8(priced.uncappedOutputEstimate())
          .text(e.experiment())
          .text(e.arm())
          .text(e.routerVersion());
    }
    return rows.finish();
  }
}
