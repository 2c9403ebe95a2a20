package dev.tokenwise.cost.rollup;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How stored events reach the hourly rollups ({@link RollupStore}).
 *
 * @param foldInterval how often pending rollup deltas are moved into the rollups. Readers fold
 *     before reading, so this bounds how many deltas wait (and so the work a reader may have to do
 *     first), not how stale a report can be. Each fold rewrites every rollup row it touches once:
 *     the longer the interval, the fewer rewrites under heavy traffic spread over many rows.
 * @param rememberedActorsPerHour how many user/conversation rows stored in an hour ingest remembers
 *     so as not to insert them again ({@link StoredActors}): up to 32 bytes a row, so 16 MB an hour
 *     at the default of 2^20, and at most four hours held; 0 turns it off
 */
@ConfigurationProperties("tokenwise.cost.rollup")
record RollupProperties(
    @DefaultValue("10s") Duration foldInterval,
    @DefaultValue("1048576") int rememberedActorsPerHour) {

  RollupProperties {
    if (foldInterval.isNegative() || foldInterval.isZero()) {
      throw new IllegalArgumentException("tokenwise.cost.rollup.fold-interval must be positive");
    }
    if (rememberedActorsPerHour < 0) {
      throw new IllegalArgumentException(
          "tokenwise.cost.rollup.remembered-actors-per-hour must be 0 (off) or more, was "
              + rememberedActorsPerHour);
    }
  }
}
