package dev.tokenwise.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

class LocalServersIT {

  @TempDir Path temp;

  @Test
  void postgresGivesEachServiceALoginThatOwnsItsSchema() throws Exception {
    try (LocalPostgres postgres = LocalPostgres.start(Ports.allFree().forInfrastructure(5432))) {
      LocalPostgres.Login cost = postgres.cost();
      try (Connection connection =
              DriverManager.getConnection(postgres.jdbcUrl(), cost.username(), cost.password());
          Statement sql = connection.createStatement()) {
        sql.execute("CREATE TABLE cost.probe (id int)");
        sql.execute("INSERT INTO cost.probe VALUES (42)");
        try (ResultSet rows = sql.executeQuery("SELECT id FROM cost.probe")) {
          assertThat(rows.next()).isTrue();
          assertThat(rows.getInt(1)).isEqualTo(42);
        }
      }
    }
  }

  @Test
  void redisAnswersAndWritesNothingToDisk() throws Exception {
    int port = Ports.allFree().forInfrastructure(6379);
    Path directory = temp.resolve("redis");
    try (LocalRedis redis = LocalRedis.start(port, directory);
        Jedis jedis = new Jedis("localhost", port)) {
      jedis.set("k", "v");
      assertThat(jedis.get("k")).isEqualTo("v");
    }
    try (var files = Files.list(directory)) {
      assertThat(files).isEmpty();
    }
  }
}
