package dev.tokenwise.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import redis.embedded.RedisServer;

/** An embedded Redis server (a real redis-server binary) bound to loopback, persisting nothing. */
final class LocalRedis implements AutoCloseable {

  private final RedisServer server;
  private final int port;

  private LocalRedis(RedisServer server, int port) {
    this.server = server;
    this.port = port;
  }

  static LocalRedis start(int port, Path directory) throws IOException {
    Files.createDirectories(directory);
    RedisServer server =
        RedisServer.newRedisServer()
            .port(port)
            .bind("127.0.0.1")
            // A local demo keeps nothing between runs, and writes no dump.rdb into the cwd.
            .setting("save \"\"")
            .setting("appendonly no")
            .setting("dir " + directory.toAbsolutePath())
            .build();
    server.start();
    return new LocalRedis(server, port);
  }

  int port() {
    return port;
  }

  @Override
  public void close() throws IOException {
    server.stop();
  }
}
