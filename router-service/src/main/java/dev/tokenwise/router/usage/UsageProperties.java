package dev.tokenwise.router.usage;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Delivery of usage events ({@code tokenwise.router.usage.*}).
 *
 * @param spoolDir where events wait, one JSON per line, while Redis is unreachable
 * @param publishTimeout how long one XADD may take before the event is spooled instead
 * @param drainInterval how often the spool is replayed into the stream
 * @param shutdownDrain how long a stopping router keeps trying to replay what is still spooled,
 *     after it has stopped taking requests (0: not at all); keep it under the time the platform
 *     gives a stopping process (Kubernetes' {@code terminationGracePeriodSeconds}, 30 s by default)
 */
@ConfigurationProperties("tokenwise.router.usage")
public record UsageProperties(
    @DefaultValue("./spool") Path spoolDir,
    @DefaultValue("2s") Duration publishTimeout,
    @DefaultValue("5s") Duration drainInterval,
    @DefaultValue("20s") Duration shutdownDrain) {

  public UsageProperties {
    if (shutdownDrain.isNegative()) {
      throw new IllegalArgumentException(
          "tokenwise.router.usage.shutdown-drain must not be negative");
    }
  }
}
