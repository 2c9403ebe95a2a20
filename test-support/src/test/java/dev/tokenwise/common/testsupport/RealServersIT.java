package dev.tokenwise.common.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

@SpringBootTest(classes = RealServersIT.App.class)
@RealServers
class RealServersIT {

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {}

  @Autowired StringRedisTemplate redis;
  @Autowired JdbcTemplate jdbc;
  @Autowired Environment environment;

  @Test
  void redisStoresAndReturnsAValue() {
    redis.opsForValue().set("tokenwise:test:greeting", "hello");

    assertThat(redis.opsForValue().get("tokenwise:test:greeting")).isEqualTo("hello");
  }

  @Test
  void postgresAnswersQueriesThroughTheDataSource() {
    jdbc.execute("create table if not exists realservers_probe (id int primary key, name text)");
    jdbc.update("insert into realservers_probe values (1, 'probe') on conflict do nothing");

    assertThat(jdbc.queryForObject("select name from realservers_probe where id = 1", String.class))
        .isEqualTo("probe");
    assertThat(
            jdbc.queryForObject("select current_setting('server_version_num')::int", Integer.class))
        .isGreaterThanOrEqualTo(140000);
  }

  @Test
  void plainJavaApiReachesTheSameServers() throws Exception {
    TestRedis testRedis = TestServers.redis();
    TestPostgres testPostgres = TestServers.postgres();
    assertThat(environment.getProperty("spring.data.redis.port", Integer.class))
        .isEqualTo(testRedis.port());
    assertThat(environment.getProperty("spring.datasource.url")).isEqualTo(testPostgres.jdbcUrl());

    redis.opsForValue().set("tokenwise:test:shared", "seen");
    assertThat(Resp.command(testRedis.host(), testRedis.port(), "GET", "tokenwise:test:shared"))
        .isEqualTo("$4");
    try (Connection connection =
            DriverManager.getConnection(
                testPostgres.jdbcUrl(), testPostgres.username(), testPostgres.password());
        ResultSet rs = connection.createStatement().executeQuery("select 40 + 2")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getInt(1)).isEqualTo(42);
    }
  }

  @Test
  void redisCanBeStoppedAndRestartedOnTheSamePort() {
    TestRedis testRedis = TestServers.redis();
    int port = testRedis.port();

    testRedis.stop();
    assertThat(testRedis.isRunning()).isFalse();

    testRedis.start();
    assertThat(testRedis.isRunning()).isTrue();
    assertThat(testRedis.port()).isEqualTo(port);
    // The application's client reconnects to the restarted server by itself.
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              redis.opsForValue().set("tokenwise:test:after-restart", "back");
              assertThat(redis.opsForValue().get("tokenwise:test:after-restart")).isEqualTo("back");
            });
  }
}
