package dev.tokenwise.local;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;

/**
 * An embedded PostgreSQL server (zonky's binaries, a real server) with one database, {@value
 * #DATABASE}, and one login per service that owns the schema it migrates with Flyway.
 */
final class LocalPostgres implements AutoCloseable {

  static final String DATABASE = "tokenwise";

  private final EmbeddedPostgres server;
  private final Login cost;
  private final Login batch;

  /** A service's database login. The password is needed by clients only; it is not logged. */
  record Login(String username, String password, String schema) {
    @Override
    public String toString() {
      return "Login[username=" + username + ", schema=" + schema + ", password=<redacted>]";
    }
  }

  private LocalPostgres(EmbeddedPostgres server, Login cost, Login batch) {
    this.server = server;
    this.cost = cost;
    this.batch = batch;
  }

  static LocalPostgres start(int port) throws IOException {
    EmbeddedPostgres.Builder builder =
        EmbeddedPostgres.builder()
            .setPort(port)
            .setPGStartupWait(Duration.ofSeconds(60))
            // The launcher's own shutdown hook stops it, after the services that use it.
            .setRegisterShutdownHook(false);
    EmbeddedPostgres server = builder.start();
    Login cost = new Login("tokenwise_cost", randomPassword(), "cost");
    Login batch = new Login("tokenwise_batch", randomPassword(), "batch");
    try {
      createDatabase(server, cost, batch);
    } catch (SQLException e) {
      server.close();
      throw new IOException("could not create the tokenwise database and logins", e);
    }
    return new LocalPostgres(server, cost, batch);
  }

  private static void createDatabase(EmbeddedPostgres server, Login... logins) throws SQLException {
    try (Connection connection = server.getPostgresDatabase().getConnection();
        Statement sql = connection.createStatement()) {
      sql.execute("CREATE DATABASE " + DATABASE);
      for (Login login : logins) {
        // Identifiers and passwords are generated here, never user input.
        sql.execute(
            "CREATE ROLE " + login.username() + " LOGIN PASSWORD '" + login.password() + "'");
        sql.execute("GRANT CONNECT ON DATABASE " + DATABASE + " TO " + login.username());
      }
    }
    try (Connection connection = server.getDatabase("postgres", DATABASE).getConnection();
        Statement sql = connection.createStatement()) {
      for (Login login : logins) {
        // Each service owns its schema; Flyway creates its tables there.
        sql.execute("CREATE SCHEMA " + login.schema() + " AUTHORIZATION " + login.username());
      }
    }
  }

  int port() {
    return server.getPort();
  }

  String jdbcUrl() {
    return "jdbc:postgresql://localhost:" + port() + "/" + DATABASE;
  }

  Login cost() {
    return cost;
  }

  Login batch() {
    return batch;
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String randomPassword() {
    byte[] bytes = new byte[18];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
