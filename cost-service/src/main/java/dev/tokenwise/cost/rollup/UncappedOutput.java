package dev.tokenwise.cost.rollup;

import dev.tokenwise.common.usage.UsageEvent;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;

/** Each route's measured uncapped output length, from the rollups, refreshed periodically. */
@Component
public class UncappedOutput implements SchedulingConfigurer {

  private static final Logger log = LoggerFactory.getLogger(UncappedOutput.class);

  private static final String MEANS =
      """
      SELECT route, sum(uncapped_output_tokens) / sum(uncapped_requests) AS mean
      FROM cost.usage_rollup WHERE hour >= ?
      GROUP BY route HAVING sum(uncapped_requests) >= ?
      """;

  private final JdbcTemplate jdbc;
  private final OutputCapProperties properties;
  private final Clock clock = Clock.systemUTC();
  private volatile Map<String, Long> means = Map.of();

  private final RollupStore rollups;

  UncappedOutput(JdbcTemplate jdbc, OutputCapProperties properties, RollupStore rollups) {
    this.jdbc = jdbc;
    this.properties = properties;
    this.rollups = rollups;
  }

  /**
   * The uncapped output estimate to price {@code event} with: the route's mean when Tokenwise
   * lowered the event's cap and the route has one, else null (no output-cap saving).
   */
  public Long estimateFor(UsageEvent event) {
    if (event.mode().isCacheHit() || !RollupDelta.capLowered(event) || event.route() == null) {
      return null;
    }
    return means.get(event.route());
  }

  /** Recomputes every route's mean now. */
  public void refresh() {
    rollups.foldPending();
    Map<String, Long> fresh = new HashMap<>();
    jdbc.query(
        MEANS,
        rs -> {
          fresh.put(rs.getString("route"), rs.getLong("mean"));
        },
        OffsetDateTime.ofInstant(clock.instant().minus(properties.window()), ZoneOffset.UTC),
        properties.minRequests());
    means = Map.copyOf(fresh);
  }

  @Override
  public void configureTasks(ScheduledTaskRegistrar registrar) {
    registrar.addFixedDelayTask(
        new FixedDelayTask(
            this::refreshQuietly, properties.refreshInterval(), java.time.Duration.ZERO));
  }

  private void refreshQuietly() {
    try {
      refresh();
    } catch (RuntimeException e) {
      log.warn("Could not refresh uncapped output estimates; will retry: {}", e.toString());
    }
  }
}
