package dev.tokenwise.cost.rollup;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;

/**
 * Drops raw-event partitions and deletes rollup, actor and verdict rows past their retention; then
 * compacts the repeated user/conversation rows of closed hours ({@link ActorCompaction}).
 */
@Component
public class Retention implements SchedulingConfigurer {

  private static final Logger log = LoggerFactory.getLogger(Retention.class);
  private static final Pattern PARTITION = Pattern.compile("usage_event_(\\d{4})_(\\d{2})");

  private static final String PARTITIONS =
      """
      SELECT c.relname FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'cost.usage_event'::regclass
      """;

  private final JdbcTemplate jdbc;
  private final RetentionProperties properties;
  private final Clock clock = Clock.systemUTC();

  private final RollupStore rollupStore;
  private final ActorCompaction compaction;

  Retention(
      JdbcTemplate jdbc,
      RetentionProperties properties,
      RollupStore rollupStore,
      ActorCompaction compaction) {
    this.jdbc = jdbc;
    this.properties = properties;
    this.rollupStore = rollupStore;
    this.compaction = compaction;
  }

  /** What one run removed ({@code repeatedActorRows}: by compaction, not by age). */
  public record Removed(
      List<String> partitions,
      int eventKeys,
      int rollupRows,
      int actorRows,
      int verdicts,
      long repeatedActorRows) {}

  /** Applies the configured retention now. */
  public Removed apply() {
    Instant now = clock.instant();
    return apply(
        now.minus(properties.rawEvents()),
        now.minus(properties.rollups()),
        now.minus(properties.actors()),
        now.minus(properties.verdicts()));
  }

  /** Removes raw events before {@code rawBefore} (whole months only) and rows before the others. */
  public Removed apply(
      Instant rawBefore, Instant rollupsBefore, Instant actorsBefore, Instant verdictsBefore) {
    List<String> dropped = new ArrayList<>();
    LocalDate rawCutoff = LocalDate.ofInstant(rawBefore, ZoneOffset.UTC);
    for (String partition : jdbc.queryForList(PARTITIONS, String.class)) {
      Matcher m = PARTITION.matcher(partition);
      if (!m.matches()) {
        continue;
      }
      LocalDate monthEnd =
          LocalDate.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), 1).plusMonths(1);
      if (!monthEnd.isAfter(rawCutoff)) {
        // The name matched the pattern, so it is safe to splice into the statement.
        jdbc.execute("DROP TABLE cost." + partition);
        dropped.add(partition);
      }
    }
    OffsetDateTime rawEdge =
        dropped.isEmpty()
            ? null
            : rawCutoff.withDayOfMonth(1).atStartOfDay().atOffset(ZoneOffset.UTC);
    int keys = 0;
    if (rawEdge != null) {
      jdbc.update("DELETE FROM cost.usage_event_default WHERE occurred_at < ?", rawEdge);
      keys = jdbc.update("DELETE FROM cost.usage_event_key WHERE occurred_at < ?", rawEdge);
    }
    // Pending deltas of those hours first, or a later fold would bring their rows back.
    rollupStore.foldPending();
    int rollups = jdbc.update("DELETE FROM cost.usage_rollup WHERE hour < ?", utc(rollupsBefore));
    int actors = jdbc.update("DELETE FROM cost.usage_actor WHERE hour < ?", utc(actorsBefore));
    rollupStore.forgetActorsBefore(actorsBefore);
    compaction.forgetBefore(actorsBefore);
    int verdicts =
        jdbc.update("DELETE FROM cost.quality_verdict WHERE received_at < ?", utc(verdictsBefore));
    long repeats = compaction.compactClosedHours(clock.instant());
    Removed removed = new Removed(dropped, keys, rollups, actors, verdicts, repeats);
    if (!dropped.isEmpty() || rollups + actors + verdicts + repeats > 0) {
      log.info("Retention removed {}", removed);
    }
    return removed;
  }

  @Override
  public void configureTasks(ScheduledTaskRegistrar registrar) {
    if (!properties.enabled()) {
      return;
    }
    registrar.addFixedDelayTask(
        new FixedDelayTask(this::applyQuietly, properties.interval(), properties.interval()));
  }

  private void applyQuietly() {
    try {
      apply();
    } catch (RuntimeException e) {
      log.warn("Retention run failed; will retry: {}", e.toString());
    }
  }

  private static OffsetDateTime utc(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }
}
