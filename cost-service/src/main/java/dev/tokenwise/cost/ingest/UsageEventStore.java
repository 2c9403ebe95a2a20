package dev.tokenwise.cost.ingest;

import dev.tokenwise.common.pricing.CostBreakdown.Tactic;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.cost.pricing.EventCost;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.springframework.jdbc.core.BatchPreparedStatementSetter;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Writes priced usage events to {@code cost.usage_event}, once per {@code eventId}.
 *
 * <p>The event table is partitioned by {@code occurred_at}, so it cannot carry a unique constraint
 * on {@code event_id} alone. Each row is therefore written by one statement that first claims the
 * id in {@code cost.usage_event_key} and inserts the event only when the claim was new: a replayed
 * or concurrently delivered event inserts nothing.
 */
@Repository
class UsageEventStore {

  private static final String INSERT =
      """
      WITH fresh AS (
        INSERT INTO cost.usage_event_key (event_id, occurred_at) VALUES (?, ?)
        ON CONFLICT (event_id) DO NOTHING
        RETURNING event_id, occurred_at)
      INSERT INTO cost.usage_event (
        event_id, occurred_at, schema_version, request_id, tenant, app, end_user, conversation_id,
        route, requested_model, served_model, provider, mode, input_tokens, cached_input_tokens,
        cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens,
        requested_max_tokens, applied_max_tokens, latency_ms, status, finish_reason,
        cost_usd, baseline_usd, savings_cache_usd, savings_routing_usd, savings_prompt_caching_usd,
        savings_batch_usd, savings_output_cap_usd, catalog_version, pricing_status, pricing_note)
      SELECT event_id, occurred_at, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
        ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
      FROM fresh
      """;

  private final JdbcTemplate jdbc;
  private final TransactionTemplate transaction;

  UsageEventStore(JdbcTemplate jdbc, TransactionTemplate transaction) {
    this.jdbc = jdbc;
    this.transaction = transaction;
  }

  /**
   * Stores the events in one transaction and returns those that were new; events whose id is
   * already stored (or repeated within the list) are skipped.
   */
  List<PricedEvent> store(List<PricedEvent> events) {
    if (events.isEmpty()) {
      return List.of();
    }
    int[] counts =
        transaction.execute(
            status ->
                jdbc.batchUpdate(
                    INSERT,
                    new BatchPreparedStatementSetter() {
                      @Override
                      public void setValues(PreparedStatement ps, int i) throws SQLException {
                        bind(ps, events.get(i));
                      }

                      @Override
                      public int getBatchSize() {
                        return events.size();
                      }
                    }));
    List<PricedEvent> stored = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      if (counts[i] > 0) {
        stored.add(events.get(i));
      }
    }
    return stored;
  }

  private static void bind(PreparedStatement ps, PricedEvent priced) throws SQLException {
    UsageEvent e = priced.event();
    EventCost cost = priced.cost();
    int i = 1;
    ps.setObject(i++, e.eventId());
    ps.setObject(i++, OffsetDateTime.ofInstant(e.occurredAt(), ZoneOffset.UTC));
    ps.setInt(i++, e.schemaVersion());
    ps.setString(i++, e.requestId());
    ps.setString(i++, e.tenant());
    ps.setString(i++, e.app());
    ps.setString(i++, e.endUser());
    ps.setString(i++, e.conversationId());
    ps.setString(i++, e.route());
    ps.setString(i++, e.requestedModel());
    ps.setString(i++, e.servedModel());
    ps.setString(i++, e.provider());
    ps.setString(i++, UsageWire.mode(e.mode()));
    ps.setLong(i++, e.inputTokens());
    ps.setLong(i++, e.cachedInputTokens());
    ps.setLong(i++, e.cacheWriteTokens().ttl5m());
    ps.setLong(i++, e.cacheWriteTokens().ttl1h());
    ps.setLong(i++, e.outputTokens());
    ps.setLong(i++, e.reasoningTokens());
    setLong(ps, i++, e.requestedMaxTokens());
    setLong(ps, i++, e.appliedMaxTokens());
    ps.setLong(i++, e.latencyMs());
    ps.setString(i++, UsageWire.status(e.status()));
    ps.setString(i++, e.finishReason());
    setMoney(ps, i++, cost.costUsd());
    setMoney(ps, i++, cost.baselineUsd());
    setMoney(ps, i++, cost.savingsUsd(Tactic.CACHE));
    setMoney(ps, i++, cost.savingsUsd(Tactic.ROUTING));
    setMoney(ps, i++, cost.savingsUsd(Tactic.PROMPT_CACHING));
    setMoney(ps, i++, cost.savingsUsd(Tactic.BATCH));
    setMoney(ps, i++, cost.savingsUsd(Tactic.OUTPUT_CAP));
    ps.setString(i++, cost.catalogVersion());
    ps.setString(i++, cost.priced() ? "priced" : "unpriced");
    ps.setString(i, cost.unpricedReason());
  }

  private static void setLong(PreparedStatement ps, int index, Long value) throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.BIGINT);
    } else {
      ps.setLong(index, value);
    }
  }

  private static void setMoney(PreparedStatement ps, int index, BigDecimal value)
      throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.NUMERIC);
    } else {
      ps.setBigDecimal(index, value);
    }
  }
}
