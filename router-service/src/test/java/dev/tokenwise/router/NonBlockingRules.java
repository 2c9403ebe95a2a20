package dev.tokenwise.router;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * What BlockHound (installed in every router test JVM by {@code blockhound-junit-platform}) lets a
 * non-blocking thread do: write log lines (Logback's console appender writes synchronously; in
 * production logs are asynchronous or go to stdout, which a container runtime drains). Anything
 * else that blocks on a Netty event loop or a Reactor parallel thread fails the test that caused
 * it.
 */
public class NonBlockingRules implements BlockHoundIntegration {

  @Override
  public void applyTo(BlockHound.Builder builder) {
    builder.allowBlockingCallsInside("ch.qos.logback.classic.Logger", "callAppenders");
  }
}
