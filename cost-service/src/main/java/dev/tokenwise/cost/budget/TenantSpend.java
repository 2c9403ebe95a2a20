package dev.tokenwise.cost.budget;

import dev.tokenwise.common.budget.SpendSettlement;
import dev.tokenwise.cost.pricing.PricedEvent;
import dev.tokenwise.cost.rollup.RollupStore;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;

/**
 * Keeps cost-service's own spend keys ({@code tokenwise:budget:spend:{tenant}:{yyyy-MM}}) current:
 * the tenant's provider-billed spend in that UTC month, in USD, as a decimal string. Only
 * cost-service reads them (operators may too); the router keeps its own budget state from {@link
 * SpendSettlements}.
 *
 * <p>After each ingest commit the new events' cost is added with {@code INCRBYFLOAT} (by the month
 * each event occurred in). Every {@link BudgetProperties#refreshInterval()} the current month's
 * value of every tenant is recomputed from the rollups and written over the key, which repairs
 * increments lost while Redis was down and follows re-pricing. Between the two the key can briefly
 * lag by the events of one batch: a budget check is a guard rail, not an invoice.
 */
@Component
public class TenantSpend implements SchedulingConfigurer {

  private static final Logger log = LoggerFactory.getLogger(TenantSpend.class);

  private static final String MONTH_SPEND =
      """
      SELECT tenant, sum(cost_usd) AS spend FROM (
        SELECT tenant, cost_usd FROM cost.usage_rollup WHERE hour >= ? AND hour < ?
        UNION ALL
        SELECT tenant, cost_usd FROM cost.usage_shadow_hour WHERE hour >= ? AND hour < ?) spent
      GROUP BY tenant
      """;

  private final StringRedisTemplate redis;
  private final JdbcTemplate jdbc;
  private final BudgetProperties properties;
  private final Clock clock = Clock.systemUTC();

  private final RollupStore rollups;

  TenantSpend(
      StringRedisTemplate redis,
      JdbcTemplate jdbc,
      BudgetProperties properties,
      RollupStore rollups) {
    this.redis = redis;
    this.jdbc = jdbc;
    this.properties = properties;
    this.rollups = rollups;
  }

  private static final String PREFIX = "tokenwise:budget:spend:";

  public static String key(String tenant, YearMonth month) {
    return PREFIX + tenant + ":" + month;
  }

  /** Adds newly stored events' cost to their tenants' month keys; never throws. */
  public void added(List<PricedEvent> events) {
    if (!properties.enabled() || events.isEmpty()) {
      return;
    }
    Map<String, BigDecimal> byKey = new TreeMap<>();
    for (PricedEvent e : events) {
      if (e.cost().priced() && e.cost().costUsd().signum() != 0) {
        YearMonth month = SpendSettlement.monthOf(e.event().occurredAt());
        byKey.merge(key(e.event().tenant(), month), e.cost().costUsd(), BigDecimal::add);
      }
    }
    try {
      // One round trip for all of the batch's keys.
      redis.executePipelined(
          (RedisCallback<Object>)
              connection -> {
                byKey.forEach(
                    (key, usd) -> {
                      byte[] raw = key.getBytes(StandardCharsets.UTF_8);
                      connection.stringCommands().incrBy(raw, usd.doubleValue());
                      connection.keyCommands().expire(raw, properties.keyTtl().toSeconds());
                    });
                return null;
              });
    } catch (RuntimeException e) {
      log.warn(
          "Could not add spend to Redis; the next refresh (within {}) repairs it: {}",
          properties.refreshInterval(),
          e.toString());
    }
  }

  /** Recomputes every tenant's spend in {@code month} from the rollups and writes it. */
  public int refresh(YearMonth month) {
    rollups.foldPending();
    OffsetDateTime from = month.atDay(1).atStartOfDay().atOffset(ZoneOffset.UTC);
    Map<String, BigDecimal> spend = new TreeMap<>();
    jdbc.query(
        MONTH_SPEND,
        rs -> {
          spend.put(rs.getString("tenant"), rs.getBigDecimal("spend"));
        },
        from,
        from.plusMonths(1),
        from,
        from.plusMonths(1));
    spend.forEach(
        (tenant, usd) ->
            redis
                .opsForValue()
                .set(
                    key(tenant, month),
                    usd.stripTrailingZeros().toPlainString(),
                    properties.keyTtl()));
    return spend.size();
  }

  @Override
  public void configureTasks(ScheduledTaskRegistrar registrar) {
    if (!properties.enabled()) {
      return;
    }
    registrar.addFixedDelayTask(
        new FixedDelayTask(
            this::refreshQuietly, properties.refreshInterval(), properties.refreshInterval()));
  }

  private void refreshQuietly() {
    try {
      refresh(YearMonth.now(clock));
    } catch (RuntimeException e) {
      log.warn("Could not refresh tenant spend in Redis; will retry: {}", e.toString());
    }
  }
}
