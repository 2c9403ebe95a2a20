package dev.tokenwise.cost.ingest;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;

/**
 * Keeps a partition of {@code cost.usage_event} ready for the current month and the next few, so
 * events land in their month rather than in the default partition. Runs once before ingest starts
 * and then every {@link PartitionProperties#checkInterval()}; the SQL function it calls is
 * idempotent and safe across replicas.
 */
@Component
class UsageEventPartitions implements InitializingBean, SchedulingConfigurer {

  private static final Logger log = LoggerFactory.getLogger(UsageEventPartitions.class);

  private final JdbcTemplate jdbc;
  private final PartitionProperties properties;
  private final Clock clock;

  UsageEventPartitions(JdbcTemplate jdbc, PartitionProperties properties) {
    this.jdbc = jdbc;
    this.properties = properties;
    this.clock = Clock.systemUTC();
  }

  @Override
  public void afterPropertiesSet() {
    ensureAhead();
  }

  @Override
  public void configureTasks(ScheduledTaskRegistrar registrar) {
    registrar.addFixedDelayTask(
        new FixedDelayTask(
            this::ensureAheadQuietly, properties.checkInterval(), properties.checkInterval()));
  }

  /** Creates any missing partition from this month through {@code monthsAhead} months ahead. */
  void ensureAhead() {
    LocalDate month = LocalDate.now(clock.withZone(ZoneOffset.UTC)).withDayOfMonth(1);
    for (int i = 0; i <= properties.monthsAhead(); i++) {
      ensure(month.plusMonths(i));
    }
  }

  /** Creates the partition for the month starting on {@code monthStart}, if missing. */
  boolean ensure(LocalDate monthStart) {
    Boolean created =
        jdbc.queryForObject(
            "SELECT cost.ensure_usage_event_partition(?)", Boolean.class, monthStart);
    if (Boolean.TRUE.equals(created)) {
      log.info("Created usage_event partition for {}", monthStart);
    }
    return Boolean.TRUE.equals(created);
  }

  private void ensureAheadQuietly() {
    try {
      ensureAhead();
    } catch (RuntimeException e) {
      log.warn("Could not create usage_event partitions; will retry: {}", e.toString());
    }
  }
}
