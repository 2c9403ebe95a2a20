package dev.tokenwise.simulator.batch;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The simulator's accelerated batch clock: how long each stage lasts (a real provider takes minutes
 * to hours; the simulator seconds, so tests and demos can watch a batch end).
 *
 * @param validating time spent {@code validating} before {@code in_progress} (or {@code failed})
 * @param inProgress least time spent {@code in_progress}; also the time until an injected expiry
 * @param finalizing time spent {@code finalizing} before {@code completed}
 * @param cancelling time spent {@code cancelling} before {@code cancelled}
 * @param completionWindow how long after creation a batch reports it expires ({@code expires_at})
 * @param concurrency how many lines of one batch are answered at once
 */
@ConfigurationProperties("tokenwise.simulator.batch")
public record BatchProperties(
    @DefaultValue("200ms") Duration validating,
    @DefaultValue("200ms") Duration inProgress,
    @DefaultValue("200ms") Duration finalizing,
    @DefaultValue("200ms") Duration cancelling,
    @DefaultValue("24h") Duration completionWindow,
    @DefaultValue("8") int concurrency) {

  public BatchProperties {
    for (Duration d : new Duration[] {validating, inProgress, finalizing, cancelling}) {
      if (d.isNegative()) {
        throw new IllegalArgumentException("tokenwise.simulator.batch durations must be >= 0");
      }
    }
    if (concurrency < 1) {
      throw new IllegalArgumentException("tokenwise.simulator.batch.concurrency must be >= 1");
    }
  }
}
