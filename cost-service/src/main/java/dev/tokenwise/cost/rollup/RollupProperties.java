package dev.tokenwise.cost.rollup;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How stored events reach the hourly rollups ({@link RollupStore}).
 *
 * @param foldInterval how often pending rollup deltas are moved into the rollups. Readers fold
 *     before reading, so this bounds how many deltas wait (and the work a reader may do first), not
 *     how stale a report can be. Longer: fewer rewrites of each rollup row under heavy traffic.
 */
@ConfigurationProperties("tokenwise.cost.rollup")
record RollupProperties(@DefaultValue("1s") Duration foldInterval) {

  RollupProperties {
    if (foldInterval.isNegative() || foldInterval.isZero()) {
      throw new IllegalArgumentException("tokenwise.cost.rollup.fold-interval must be positive");
    }
  }
}
