package dev.tokenwise.common.testsupport;

/**
 * Coordinates of the real PostgreSQL server shared by the whole test JVM. The database is the
 * server's default one; services isolate themselves by schema, as in production.
 */
public interface TestPostgres {

  String host();

  int port();

  String database();

  String username();

  String password();

  /** {@code jdbc:postgresql://host:port/database}. */
  default String jdbcUrl() {
    return "jdbc:postgresql://" + host() + ":" + port() + "/" + database();
  }
}
