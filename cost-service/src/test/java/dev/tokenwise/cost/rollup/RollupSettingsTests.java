package dev.tokenwise.cost.rollup;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Settings that would make the remembered actor rows wrong are refused at start-up, by name. */
class RollupSettingsTests {

  @Test
  void actorRetentionShorterThanADayIsRefused() {
    assertThatThrownBy(
            () ->
                new RetentionProperties(
                    true,
                    Duration.ofDays(400),
                    Duration.ofDays(1100),
                    Duration.ofHours(3),
                    Duration.ofDays(400),
                    Duration.ofHours(6),
                    Duration.ofHours(2),
                    720))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tokenwise.cost.retention.actors must be at least 1d");
  }

  @Test
  void aNegativeBoundOnRememberedActorsIsRefused() {
    assertThatThrownBy(() -> new RollupProperties(Duration.ofSeconds(10), -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tokenwise.cost.rollup.remembered-actors-per-hour");
  }
}
