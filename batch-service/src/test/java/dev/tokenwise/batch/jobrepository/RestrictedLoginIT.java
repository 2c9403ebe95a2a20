package dev.tokenwise.batch.jobrepository;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.testsupport.TestPostgres;
import dev.tokenwise.common.testsupport.TestServers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * batch-service as it is deployed: its own login, owning a schema {@code batch} that an operator
 * created (as the local launcher does), with no privilege to create schemas in the database.
 */
@SpringBootTest
class RestrictedLoginIT {

  private static final String LOGIN = "tw_batch_" + UUID.randomUUID().toString().substring(0, 8);
  private static final String PASSWORD = UUID.randomUUID().toString();
  private static final String DATABASE = LOGIN + "_db";

  @DynamicPropertySource
  static void restrictedLogin(DynamicPropertyRegistry registry) throws SQLException {
    TestPostgres server = TestServers.postgres();
    try (Connection admin =
            DriverManager.getConnection(server.jdbcUrl(), server.username(), server.password());
        Statement sql = admin.createStatement()) {
      sql.execute("CREATE DATABASE " + DATABASE);
      sql.execute("CREATE ROLE " + LOGIN + " LOGIN PASSWORD '" + PASSWORD + "'");
      sql.execute("GRANT CONNECT ON DATABASE " + DATABASE + " TO " + LOGIN);
    }
    String url = "jdbc:postgresql://" + server.host() + ":" + server.port() + "/" + DATABASE;
    try (Connection admin = DriverManager.getConnection(url, server.username(), server.password());
        Statement sql = admin.createStatement()) {
      sql.execute("CREATE SCHEMA batch AUTHORIZATION " + LOGIN);
    }
    registry.add("spring.datasource.url", () -> url);
    registry.add("spring.datasource.username", () -> LOGIN);
    registry.add("spring.datasource.password", () -> PASSWORD);
  }

  @Autowired JdbcTemplate jdbc;

  @Autowired JobRepository jobRepository;

  @Test
  void migratesAndUsesTheJobRepositoryWithoutDatabasePrivileges() {
    assertThat(jdbc.queryForObject("select current_user", String.class)).isEqualTo(LOGIN);
    assertThat(
            jdbc.queryForObject(
                "select count(*) from information_schema.tables"
                    + " where table_schema = 'batch' and table_name like 'batch_%'",
                Integer.class))
        .isEqualTo(6);
    assertThat(jobRepository.getJobNames()).isEmpty();
  }
}
