package dev.tokenwise.common.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import redis.embedded.RedisServer;

/** Servers run as local processes from binaries shipped in Maven artifacts (no Docker needed). */
final class EmbeddedServers {

  private static final String HOST = "127.0.0.1";
  private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(20);

  private EmbeddedServers() {}

  static TestRedis redis(int port) {
    return new EmbeddedRedis(port);
  }

  static TestPostgres postgres(int port) {
    try {
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
      // Extra server settings for load harnesses, e.g. -Dtokenwise.test.postgres-config=
      // shared_preload_libraries=pg_stat_statements,shared_buffers=1GB. Tests set none.
      String extra = System.getProperty("tokenwise.test.postgres-config", "");
      for (String setting : extra.split(",")) {
        if (setting.contains("=")) {
          builder.setServerConfig(
              setting.substring(0, setting.indexOf('=')).trim(),
              setting.substring(setting.indexOf('=') + 1).trim());
        }
      }
      EmbeddedPostgres server =
          builder
              .setPort(port)
              .setPGStartupWait(Duration.ofSeconds(60))
              .setCleanDataDirectory(true)
              .setRegisterShutdownHook(true)
              .start();
      return new Postgres(HOST, server.getPort(), "postgres", "postgres", "postgres");
    } catch (IOException e) {
      throw new UncheckedIOException("embedded PostgreSQL did not start on port " + port, e);
    }
  }

  record Postgres(String host, int port, String database, String username, String password)
      implements TestPostgres {}

  private static final class EmbeddedRedis implements TestRedis {
    private final int port;
    private final RedisServer server;

    EmbeddedRedis(int port) {
      this.port = port;
      try {
        // No RDB/AOF files in the working directory, and a restart comes back empty.
        this.server =
            RedisServer.newRedisServer()
                .port(port)
                .bind(HOST)
                .setting("save \"\"")
                .setting("appendonly no")
                .onShutdownForceStop(true)
                .build();
      } catch (IOException e) {
        throw new UncheckedIOException("embedded Redis could not be prepared", e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(this::stopQuietly, "embedded-redis-stop"));
    }

    @Override
    public String host() {
      return HOST;
    }

    @Override
    public int port() {
      return port;
    }

    @Override
    public synchronized boolean isRunning() {
      return Resp.pings(HOST, port);
    }

    @Override
    public synchronized void stop() {
      try {
        server.stop();
      } catch (IOException e) {
        throw new UncheckedIOException("embedded Redis did not stop", e);
      }
      Resp.awaitDown(HOST, port, REDIS_TIMEOUT);
    }

    @Override
    public synchronized void start() {
      if (server.isActive() && Resp.pings(HOST, port)) {
        return;
      }
      try {
        server.start();
      } catch (IOException e) {
        throw new UncheckedIOException("embedded Redis did not start on port " + port, e);
      }
      Resp.awaitUp(HOST, port, REDIS_TIMEOUT);
    }

    private void stopQuietly() {
      try {
        server.stop();
      } catch (IOException | RuntimeException e) {
        // JVM is exiting; the process dies with it or was already gone.
      }
    }
  }
}
