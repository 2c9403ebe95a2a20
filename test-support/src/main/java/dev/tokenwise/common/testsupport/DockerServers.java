package dev.tokenwise.common.testsupport;

import com.redis.testcontainers.RedisContainer;
import java.time.Duration;
import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Servers as Testcontainers. Containers are JVM-wide: their {@code stop()} is a no-op so that
 * neither Spring's destroy callbacks nor Boot's Testcontainers lifecycle stop them when one test
 * context closes; a shutdown hook (and Ryuk, where enabled) removes them when the JVM exits.
 */
final class DockerServers {

  static final DockerImageName REDIS_IMAGE = DockerImageName.parse("redis:7.4-alpine");
  static final DockerImageName POSTGRES_IMAGE = DockerImageName.parse("postgres:17-alpine");
  private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(30);

  private static SharedRedisContainer redisContainer;
  private static SharedPostgresContainer postgresContainer;

  private DockerServers() {}

  static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  static synchronized SharedRedisContainer redisContainer() {
    if (redisContainer == null) {
      SharedRedisContainer container = new SharedRedisContainer();
      // A fixed host port, so that stopping and starting the container keeps the address the
      // application under test was configured with.
      container.setPortBindings(List.of(TestServers.freePort() + ":" + RedisContainer.REDIS_PORT));
      container.withCommand("redis-server", "--save", "", "--appendonly", "no");
      container.start();
      stopAtExit(container::shutdown, "redis");
      redisContainer = container;
    }
    return redisContainer;
  }

  static synchronized SharedPostgresContainer postgresContainer() {
    if (postgresContainer == null) {
      SharedPostgresContainer container = new SharedPostgresContainer();
      container.start();
      stopAtExit(container::shutdown, "postgres");
      postgresContainer = container;
    }
    return postgresContainer;
  }

  private static void stopAtExit(Runnable stop, String name) {
    Runtime.getRuntime().addShutdownHook(new Thread(stop, "tokenwise-test-" + name + "-stop"));
  }

  static TestRedis redis() {
    return new ContainerRedis(redisContainer());
  }

  static TestPostgres postgres() {
    SharedPostgresContainer c = postgresContainer();
    return new EmbeddedServers.Postgres(
        c.getHost(),
        c.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT),
        c.getDatabaseName(),
        c.getUsername(),
        c.getPassword());
  }

  /** A Redis container that outlives any one Spring context. */
  static final class SharedRedisContainer extends RedisContainer {
    SharedRedisContainer() {
      super(REDIS_IMAGE);
    }

    @Override
    public void stop() {
      // JVM-wide; see the class comment of DockerServers.
    }

    void shutdown() {
      super.stop();
    }
  }

  /** A PostgreSQL container that outlives any one Spring context. */
  static final class SharedPostgresContainer extends PostgreSQLContainer {
    SharedPostgresContainer() {
      super(POSTGRES_IMAGE);
    }

    @Override
    public void stop() {
      // JVM-wide; see the class comment of DockerServers.
    }

    void shutdown() {
      super.stop();
    }
  }

  private static final class ContainerRedis implements TestRedis {
    private final SharedRedisContainer container;
    private final String host;
    private final int port;

    ContainerRedis(SharedRedisContainer container) {
      this.container = container;
      this.host = container.getHost();
      this.port = container.getMappedPort(RedisContainer.REDIS_PORT);
    }

    @Override
    public String host() {
      return host;
    }

    @Override
    public int port() {
      return port;
    }

    @Override
    public synchronized boolean isRunning() {
      return Resp.pings(host, port);
    }

    @Override
    public synchronized void stop() {
      if (isRunning()) {
        container.getDockerClient().stopContainerCmd(container.getContainerId()).exec();
      }
      Resp.awaitDown(host, port, REDIS_TIMEOUT);
    }

    @Override
    public synchronized void start() {
      if (isRunning()) {
        return;
      }
      container.getDockerClient().startContainerCmd(container.getContainerId()).exec();
      Resp.awaitUp(host, port, REDIS_TIMEOUT);
    }
  }
}
