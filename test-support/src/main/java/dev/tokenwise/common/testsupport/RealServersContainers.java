package dev.tokenwise.common.testsupport;

import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The shared containers as {@code @ServiceConnection} beans (Docker backend only). */
final class RealServersContainers {

  private RealServersContainers() {}

  @Configuration(proxyBeanMethods = false)
  static class Redis {
    @Bean
    @ServiceConnection
    DockerServers.SharedRedisContainer tokenwiseRedisContainer() {
      return DockerServers.redisContainer();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class Postgres {
    @Bean
    @ServiceConnection
    DockerServers.SharedPostgresContainer tokenwisePostgresContainer() {
      return DockerServers.postgresContainer();
    }
  }
}
