package dev.tokenwise.cost.rollup;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How long cost-service keeps what it stores. Raw events go by whole monthly partitions (dropped
 * once the whole month is older than {@code rawEvents}); rollups outlive them, so reports over old
 * periods keep working.
 *
 * @param enabled whether the retention job runs
 * @param rawEvents age after which a month of raw usage events (and their idempotency keys) is
 *     dropped; a redelivery of an event that old would be stored again
 * @param rollups age after which hourly rollup rows are deleted
 * @param actors age after which distinct user/conversation rows are deleted; at least a day, since
 *     ingest remembers the rows it stored in the last hours and does not insert them again
 * @param verdicts age after which quality verdicts are deleted
 * @param interval how often the job runs (first run one interval after start-up)
 * @param compactActorsAfter how long after its end an hour's repeated user/conversation rows are
 *     deleted ({@link ActorCompaction}); events arriving later than that for the hour may store
 *     repeats that stay
 * @param compactHoursPerRun how many closed hours one run compacts at most (a first run on a large
 *     table catches up over several runs)
 */
@ConfigurationProperties("tokenwise.cost.retention")
record RetentionProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("400d") Duration rawEvents,
    @DefaultValue("1100d") Duration rollups,
    @DefaultValue("400d") Duration actors,
    @DefaultValue("400d") Duration verdicts,
    @DefaultValue("6h") Duration interval,
    @DefaultValue("2h") Duration compactActorsAfter,
    @DefaultValue("720") int compactHoursPerRun) {

  RetentionProperties {
    if (compactActorsAfter.isNegative() || compactHoursPerRun < 0) {
      throw new IllegalArgumentException(
          "tokenwise.cost.retention.compact-actors-after and compact-hours-per-run must not be"
              + " negative");
    }
    if (actors.compareTo(Duration.ofDays(1)) < 0) {
      throw new IllegalArgumentException(
          "tokenwise.cost.retention.actors must be at least 1d, was "
              + actors
              + ": ingest remembers the user/conversation rows it stored in the last hours");
    }
  }
}
