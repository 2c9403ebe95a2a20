package dev.tokenwise.cost.reprice;

import dev.tokenwise.common.budget.SpendSettlement;
import dev.tokenwise.common.pricing.CostBreakdown.Tactic;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.cost.budget.TenantSpend;
import dev.tokenwise.cost.pricing.EventCost;
import dev.tokenwise.cost.pricing.UsagePricer;
import dev.tokenwise.cost.rollup.RollupKey;
import dev.tokenwise.cost.rollup.RollupStore;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Prices every stored event in an interval again with the catalogs as configured now (the bundled
 * history plus {@code tokenwise.pricing.overrides}), in one transaction: changed events get their
 * new cost and catalog version, the hourly rollups are adjusted by the difference (not recomputed,
 * so events ingested meanwhile are kept), and a row in {@code cost.reprice_audit} records who
 * asked, why and what changed. Tenant spend in Redis is recomputed for the months touched
 * afterwards.
 *
 * <p>This is the one operation that reads raw events: it must, to price them.
 */
@Service
class Repricer {

  private static final Logger log = LoggerFactory.getLogger(Repricer.class);

  private static final String SELECT =
      """
      SELECT event_id, occurred_at, schema_version, request_id, tenant, app, end_user,
             conversation_id, route, requested_model, served_model, provider, mode, input_tokens,
             cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens,
             reasoning_tokens, requested_max_tokens, applied_max_tokens, latency_ms, status,
             finish_reason, cost_usd, baseline_usd, savings_cache_usd, savings_routing_usd,
             savings_prompt_caching_usd, savings_batch_usd, savings_output_cap_usd,
             catalog_version, pricing_status, uncapped_output_estimate, ctid::text AS row_id
      FROM cost.usage_event
      WHERE occurred_at >= ? AND occurred_at < ?
      ORDER BY occurred_at, event_id
      FOR UPDATE
      """;

  // The row the SELECT locked, by its partition (occurred_at) and its place in it (ctid): the
  // event table has no index on event_id (V14); event_id is checked as well.
  private static final String UPDATE_EVENT =
      """
      UPDATE cost.usage_event SET cost_usd = ?, baseline_usd = ?, savings_cache_usd = ?,
        savings_routing_usd = ?, savings_prompt_caching_usd = ?, savings_batch_usd = ?,
        savings_output_cap_usd = ?, catalog_version = ?, pricing_status = ?, pricing_note = ?
      WHERE occurred_at = ? AND ctid = ?::tid AND event_id = ?
      """;

  // A correction is one more pending delta (RollupStore folds it into the row): it applies whether
  // or not the events it corrects have been folded yet.
  private static final String ADJUST_ROLLUP =
      """
      INSERT INTO cost.usage_rollup_pending (unpriced_requests, cost_usd, baseline_usd,
        savings_cache_usd, savings_routing_usd, savings_prompt_caching_usd, savings_batch_usd,
        savings_output_cap_usd, hour, tenant, app, route, model, mode, requests, error_requests,
        input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
        uncapped_requests, uncapped_output_tokens, input_buckets, input_counts, output_buckets,
        output_counts)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0, 0, 0, 0, 0, '{}', '{}', '{}',
        '{}')
      """;

  private static final String AUDIT =
      """
      INSERT INTO cost.reprice_audit (from_at, to_at, reason, requested_by, catalog_versions,
        events_examined, events_changed, cost_before_usd, cost_after_usd, baseline_before_usd,
        baseline_after_usd)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      RETURNING id, requested_at
      """;

  private final JdbcTemplate jdbc;
  private final TransactionTemplate transaction;
  private final UsagePricer pricer;
  private final TenantSpend spend;

  Repricer(
      JdbcTemplate jdbc, TransactionTemplate transaction, UsagePricer pricer, TenantSpend spend) {
    this.jdbc = jdbc;
    this.transaction = transaction;
    this.pricer = pricer;
    this.spend = spend;
  }

  RepriceResult reprice(Instant from, Instant to, String reason, String requestedBy) {
    Set<YearMonth> months = new TreeSet<>();
    RepriceResult result =
        transaction.execute(
            status -> {
              // One re-pricing at a time: two overlapping ones would both adjust the rollups.
              jdbc.queryForObject(
                  "SELECT pg_advisory_xact_lock(hashtext('cost.reprice'))::text", String.class);
              Totals totals = new Totals();
              List<Object[]> updates = new ArrayList<>();
              Map<RollupKey, Delta> deltas = new TreeMap<>();
              Set<String> versions = new TreeSet<>();
              jdbc.query(
                  SELECT,
                  rs -> {
                    UsageEvent event = event(rs);
                    Stored before = stored(rs);
                    // The output-cap estimate in force at ingest is reused, like a price would
                    // not be: only the catalog is being corrected.
                    EventCost after =
                        pricer.price(event, nullableLong(rs, "uncapped_output_estimate"));
                    versions.add(after.catalogVersion());
                    totals.examined++;
                    totals.costBefore = totals.costBefore.add(before.money[0]);
                    totals.baselineBefore = totals.baselineBefore.add(before.money[1]);
                    BigDecimal[] now = money(after);
                    totals.costAfter = totals.costAfter.add(now[0]);
                    totals.baselineAfter = totals.baselineAfter.add(now[1]);
                    if (before.same(after, now)) {
                      return;
                    }
                    totals.changed++;
                    months.add(SpendSettlement.monthOf(event.occurredAt()));
                    updates.add(
                        new Object[] {
                          after.costUsd(),
                          after.baselineUsd(),
                          after.savingsUsd(Tactic.CACHE),
                          after.savingsUsd(Tactic.ROUTING),
                          after.savingsUsd(Tactic.PROMPT_CACHING),
                          after.savingsUsd(Tactic.BATCH),
                          after.savingsUsd(Tactic.OUTPUT_CAP),
                          after.catalogVersion(),
                          after.priced() ? "priced" : "unpriced",
                          after.unpricedReason(),
                          OffsetDateTime.ofInstant(event.occurredAt(), ZoneOffset.UTC),
                          rs.getString("row_id"),
                          event.eventId()
                        });
                    if (RollupStore.isShadow(event)) {
                      // A shadow replay is not in usage_rollup (RollupStore): its event is
                      // re-priced, usage_shadow_hour is not adjusted.
                      return;
                    }
                    Delta delta = deltas.computeIfAbsent(RollupKey.of(event), k -> new Delta());
                    delta.unpriced += (after.priced() ? 0 : 1) - (before.priced ? 0 : 1);
                    for (int i = 0; i < now.length; i++) {
                      delta.money[i] = delta.money[i].add(now[i]).subtract(before.money[i]);
                    }
                  },
                  OffsetDateTime.ofInstant(from, ZoneOffset.UTC),
                  OffsetDateTime.ofInstant(to, ZoneOffset.UTC));
              if (!updates.isEmpty()) {
                jdbc.batchUpdate(UPDATE_EVENT, updates);
              }
              List<Object[]> adjustments = new ArrayList<>();
              deltas.forEach(
                  (k, d) -> {
                    List<Object> args = new ArrayList<>();
                    args.add(d.unpriced);
                    args.addAll(List.of(d.money));
                    args.addAll(
                        List.of(
                            OffsetDateTime.ofInstant(k.hour(), ZoneOffset.UTC),
                            k.tenant(),
                            k.app(),
                            k.route(),
                            k.model(),
                            k.mode()));
                    adjustments.add(args.toArray());
                  });
              if (!adjustments.isEmpty()) {
                jdbc.batchUpdate(ADJUST_ROLLUP, adjustments);
              }
              String catalogVersions = versions.isEmpty() ? "-" : String.join(",", versions);
              return jdbc.queryForObject(
                  AUDIT,
                  (rs, i) ->
                      new RepriceResult(
                          rs.getLong("id"),
                          rs.getObject("requested_at", OffsetDateTime.class).toInstant(),
                          from,
                          to,
                          reason,
                          requestedBy,
                          catalogVersions,
                          totals.examined,
                          totals.changed,
                          totals.costBefore,
                          totals.costAfter,
                          totals.baselineBefore,
                          totals.baselineAfter),
                  OffsetDateTime.ofInstant(from, ZoneOffset.UTC),
                  OffsetDateTime.ofInstant(to, ZoneOffset.UTC),
                  reason,
                  requestedBy,
                  catalogVersions,
                  totals.examined,
                  totals.changed,
                  totals.costBefore,
                  totals.costAfter,
                  totals.baselineBefore,
                  totals.baselineAfter);
            });
    months.forEach(
        month -> {
          try {
            spend.refresh(month);
          } catch (RuntimeException e) {
            log.warn(
                "Re-priced, but tenant spend for {} not refreshed yet: {}", month, e.toString());
          }
        });
    log.info(
        "Re-priced {} to {} ({}): {} of {} events changed, cost {} -> {} USD, audit #{}",
        from,
        to,
        reason,
        result.eventsChanged(),
        result.eventsExamined(),
        result.costBeforeUsd().toPlainString(),
        result.costAfterUsd().toPlainString(),
        result.auditId());
    return result;
  }

  private static BigDecimal[] money(EventCost cost) {
    BigDecimal[] money = new BigDecimal[2 + Tactic.values().length];
    money[0] = zeroIfNull(cost.costUsd());
    money[1] = zeroIfNull(cost.baselineUsd());
    for (Tactic tactic : Tactic.values()) {
      money[2 + tactic.ordinal()] = zeroIfNull(cost.savingsUsd(tactic));
    }
    return money;
  }

  private static BigDecimal zeroIfNull(BigDecimal value) {
    return value == null ? BigDecimal.ZERO : value;
  }

  private static UsageEvent event(ResultSet rs) throws SQLException {
    return new UsageEvent(
        rs.getInt("schema_version"),
        rs.getObject("event_id", UUID.class),
        rs.getObject("occurred_at", OffsetDateTime.class).toInstant(),
        rs.getString("request_id"),
        rs.getString("tenant"),
        rs.getString("app"),
        rs.getString("end_user"),
        rs.getString("conversation_id"),
        rs.getString("route"),
        rs.getString("requested_model"),
        rs.getString("served_model"),
        rs.getString("provider"),
        UsageEvent.Mode.valueOf(wire(rs.getString("mode"))),
        rs.getLong("input_tokens"),
        rs.getLong("cached_input_tokens"),
        new UsageEvent.CacheWriteTokens(
            rs.getLong("cache_write_5m_tokens"), rs.getLong("cache_write_1h_tokens")),
        rs.getLong("output_tokens"),
        rs.getLong("reasoning_tokens"),
        nullableLong(rs, "requested_max_tokens"),
        nullableLong(rs, "applied_max_tokens"),
        rs.getLong("latency_ms"),
        UsageEvent.Status.valueOf(wire(rs.getString("status"))),
        rs.getString("finish_reason"));
  }

  private static String wire(String value) {
    return value.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  private static Long nullableLong(ResultSet rs, String column) throws SQLException {
    long value = rs.getLong(column);
    return rs.wasNull() ? null : value;
  }

  private static Stored stored(ResultSet rs) throws SQLException {
    String[] columns = {
      "cost_usd",
      "baseline_usd",
      "savings_cache_usd",
      "savings_routing_usd",
      "savings_prompt_caching_usd",
      "savings_batch_usd",
      "savings_output_cap_usd"
    };
    BigDecimal[] money = new BigDecimal[columns.length];
    for (int i = 0; i < columns.length; i++) {
      money[i] = zeroIfNull(rs.getBigDecimal(columns[i]));
    }
    return new Stored(
        money, rs.getString("catalog_version"), "priced".equals(rs.getString("pricing_status")));
  }

  private record Stored(BigDecimal[] money, String catalogVersion, boolean priced) {

    boolean same(EventCost after, BigDecimal[] now) {
      if (priced != after.priced() || !Objects.equals(catalogVersion, after.catalogVersion())) {
        return false;
      }
      for (int i = 0; i < now.length; i++) {
        if (money[i].compareTo(now[i]) != 0) {
          return false;
        }
      }
      return true;
    }
  }

  private static final class Totals {
    long examined;
    long changed;
    BigDecimal costBefore = BigDecimal.ZERO;
    BigDecimal costAfter = BigDecimal.ZERO;
    BigDecimal baselineBefore = BigDecimal.ZERO;
    BigDecimal baselineAfter = BigDecimal.ZERO;
  }

  private static final class Delta {
    long unpriced;
    final BigDecimal[] money = new BigDecimal[2 + Tactic.values().length];

    Delta() {
      java.util.Arrays.fill(money, BigDecimal.ZERO);
    }
  }
}
