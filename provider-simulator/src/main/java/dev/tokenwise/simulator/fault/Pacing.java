package dev.tokenwise.simulator.fault;

import java.time.Duration;

/**
 * How fast one response is produced.
 *
 * @param timeToFirstToken delay before the first token
 * @param tokensPerSecond output speed after it; 0 means unlimited
 */
public record Pacing(Duration timeToFirstToken, double tokensPerSecond) {

  /** No delay at all. */
  public static final Pacing IMMEDIATE = new Pacing(Duration.ZERO, 0);

  /** The time {@code tokens} output tokens take after the first one. */
  public Duration forTokens(long tokens) {
    if (tokensPerSecond <= 0 || tokens <= 0) {
      return Duration.ZERO;
    }
    return Duration.ofNanos((long) (tokens * 1_000_000_000L / tokensPerSecond));
  }
}
