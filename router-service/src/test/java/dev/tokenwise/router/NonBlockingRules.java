package dev.tokenwise.router;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;
import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Installs BlockHound when the test JVM runs with {@code tokenwise.blockhound=true} (the router's
 * {@code non-blocking} Failsafe execution), before any test: from then on a blocking call on a
 * Netty event loop or a Reactor {@code parallel} thread throws {@code BlockingOperationError} and
 * fails the test that made it.
 *
 * <p>Allowed: Logback's synchronous console appender (production logs to stdout, which the
 * container runtime drains), and the short critical sections of libraries that only park when two
 * threads meet there (Lettuce's per-connection write lock, Jackson's deserializer cache on first
 * use, Resilience4j's sliding window): waiting for another thread's microseconds of work, not for
 * I/O.
 */
public class NonBlockingRules implements LauncherSessionListener, BlockHoundIntegration {

  @Override
  public void launcherSessionOpened(LauncherSession session) {
    if (Boolean.getBoolean("tokenwise.blockhound")) {
      BlockHound.install(this);
    }
  }

  @Override
  public void applyTo(BlockHound.Builder builder) {
    builder
        .allowBlockingCallsInside("ch.qos.logback.classic.Logger", "callAppenders")
        .allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "incrementWriters")
        .allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "decrementWriters")
        .allowBlockingCallsInside(
            "tools.jackson.databind.deser.DeserializerCache", "_createAndCacheValueDeserializer")
        .allowBlockingCallsInside(
            "io.github.resilience4j.core.metrics.FixedSizeSlidingWindowMetrics", "record");
  }
}
