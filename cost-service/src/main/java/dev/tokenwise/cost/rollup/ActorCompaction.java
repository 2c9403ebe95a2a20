package dev.tokenwise.cost.rollup;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Deletes the repeated user/conversation rows of closed hours. {@code cost.usage_actor} has no
 * unique key (ingest appends its rows), so an actor's row may be stored more than once in an hour;
 * every reader counts distinct actors, so repeats cost storage only. Once an hour is closed (older
 * than {@code compact-actors-after}), its repeats are deleted, keeping the first physical copy of
 * each (hour, scope, kind, actor) so that rows stay in the order ingest wrote them.
 *
 * <p>Each hour is compacted once: {@code cost.usage_actor_compaction} gets its row in the same
 * transaction as the delete, with {@code ON CONFLICT DO NOTHING}, so a replica that finds the row
 * there (or waits on another replica's uncommitted one) leaves the hour alone. A row stored for an
 * hour after it was compacted (an event arriving hours late) stays, as a repeat would have before.
 */
@Component
public class ActorCompaction {

  private static final Logger log = LoggerFactory.getLogger(ActorCompaction.class);

  private static final String CLAIM =
      """
      INSERT INTO cost.usage_actor_compaction (hour, compacted_at) VALUES (?, now())
      ON CONFLICT DO NOTHING
      """;

  /** The repeats' row ids, every copy of a row after its first, by a TID scan. */
  private static final String REMOVE =
      """
      DELETE FROM cost.usage_actor
      WHERE hour = ? AND ctid = ANY (ARRAY(
        SELECT ctid FROM (
          SELECT ctid, row_number() OVER (PARTITION BY scope, kind, actor_key ORDER BY ctid) AS copy
          FROM cost.usage_actor WHERE hour = ?) copies
        WHERE copy > 1))
      """;

  private static final String RECORD =
      "UPDATE cost.usage_actor_compaction SET rows_removed = ? WHERE hour = ?";

  private final JdbcTemplate jdbc;
  private final TransactionTemplate transaction;
  private final RetentionProperties properties;

  ActorCompaction(
      JdbcTemplate jdbc, TransactionTemplate transaction, RetentionProperties properties) {
    this.jdbc = jdbc;
    this.transaction = transaction;
    this.properties = properties;
  }

  /**
   * Compacts {@code hour} (the start of an hour) unless it was compacted already; returns the rows
   * removed, or -1 when the hour was compacted before.
   */
  public long compact(Instant hour) {
    OffsetDateTime at = utc(hour.truncatedTo(ChronoUnit.HOURS));
    Long removed =
        transaction.execute(
            status -> {
              if (jdbc.update(CLAIM, at) == 0) {
                return -1L;
              }
              long rows = jdbc.update(REMOVE, at, at);
              jdbc.update(RECORD, rows, at);
              return rows;
            });
    return removed == null ? -1 : removed;
  }

  /**
   * Compacts the closed hours after the last one compacted (the first time: from the oldest hour
   * stored), oldest first, at most {@code compact-hours-per-run} of them; returns the rows removed.
   */
  public long compactClosedHours(Instant now) {
    Instant closed = now.minus(properties.compactActorsAfter()).truncatedTo(ChronoUnit.HOURS);
    OffsetDateTime last =
        jdbc.queryForObject(
            "SELECT max(hour) FROM cost.usage_actor_compaction", OffsetDateTime.class);
    Instant next;
    if (last != null) {
      next = last.toInstant().plus(Duration.ofHours(1));
    } else {
      OffsetDateTime oldest =
          jdbc.queryForObject("SELECT min(hour) FROM cost.usage_actor", OffsetDateTime.class);
      if (oldest == null) {
        return 0;
      }
      next = oldest.toInstant().truncatedTo(ChronoUnit.HOURS);
    }
    long removed = 0;
    int hours = 0;
    for (Instant hour = next;
        hour.isBefore(closed) && hours < properties.compactHoursPerRun();
        hour = hour.plus(Duration.ofHours(1)), hours++) {
      removed += Math.max(0, compact(hour));
    }
    if (removed > 0) {
      log.info(
          "Compacted {} closed hours of user/conversation rows: {} repeats removed",
          hours,
          removed);
    }
    return removed;
  }

  /** Forgets the compaction records of hours retention has deleted. */
  int forgetBefore(Instant before) {
    return jdbc.update("DELETE FROM cost.usage_actor_compaction WHERE hour < ?", utc(before));
  }

  private static OffsetDateTime utc(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }
}
