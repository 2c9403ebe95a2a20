package dev.tokenwise.cost.rollup;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;

/**
 * Folds pending rollup deltas into the rollups every {@link RollupProperties#foldInterval()}. Every
 * replica runs it; when another replica is folding, this one skips the round.
 */
@Component
class RollupFolder implements SchedulingConfigurer {

  private static final Logger log = LoggerFactory.getLogger(RollupFolder.class);

  private final RollupStore rollups;
  private final RollupProperties properties;

  RollupFolder(RollupStore rollups, RollupProperties properties) {
    this.rollups = rollups;
    this.properties = properties;
  }

  @Override
  public void configureTasks(ScheduledTaskRegistrar registrar) {
    registrar.addFixedDelayTask(
        new FixedDelayTask(this::foldQuietly, properties.foldInterval(), Duration.ZERO));
  }

  private void foldQuietly() {
    try {
      while (rollups.fold(false) == RollupStore.FOLD_CHUNK) {
        // A backlog: keep moving.
      }
    } catch (RuntimeException e) {
      // Nothing is lost: the deltas stay pending until a fold commits.
      log.warn("Could not fold pending rollup deltas; will retry: {}", e.toString());
    }
  }
}
