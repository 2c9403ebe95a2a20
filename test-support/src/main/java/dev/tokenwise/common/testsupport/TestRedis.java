package dev.tokenwise.common.testsupport;

/**
 * A real Redis server for tests, shared by the whole test JVM. It keeps its host and port across
 * {@link #stop()} and {@link #start()}, so a test can take Redis away under a running application
 * and bring it back. Persistence is off: a restart comes back empty, as after a crash.
 */
public interface TestRedis {

  String host();

  int port();

  /** {@code redis://host:port}. */
  default String url() {
    return "redis://" + host() + ":" + port();
  }

  /** Whether the server answers {@code PING} now. */
  boolean isRunning();

  /** Stops the server; returns once its port refuses connections. Idempotent. */
  void stop();

  /** Starts the server on the same port; returns once it answers {@code PING}. Idempotent. */
  void start();

  /** Deletes every key (test isolation between test classes sharing the server). */
  default void flushAll() {
    Resp.command(host(), port(), "FLUSHALL");
  }
}
