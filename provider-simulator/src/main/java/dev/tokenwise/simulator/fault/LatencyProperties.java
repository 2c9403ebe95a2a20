package dev.tokenwise.simulator.fault;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Simulated model latency (both zero by default, so tests run fast).
 *
 * @param timeToFirstToken delay before the first token (the whole response, when not streaming)
 * @param tokensPerSecond output speed after the first token; 0 means unlimited
 */
@ConfigurationProperties("tokenwise.simulator.latency")
public record LatencyProperties(
    @DefaultValue("0s") Duration timeToFirstToken, @DefaultValue("0") double tokensPerSecond) {

  public LatencyProperties {
    if (timeToFirstToken.isNegative() || tokensPerSecond < 0) {
      throw new IllegalArgumentException("tokenwise.simulator.latency values must be >= 0");
    }
  }
}
