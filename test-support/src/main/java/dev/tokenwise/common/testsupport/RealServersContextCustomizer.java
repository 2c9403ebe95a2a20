package dev.tokenwise.common.testsupport;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * Points a test's application context at the shared servers. Both backends set the Spring Boot
 * connection properties (read by code that binds them directly); with Docker the containers are
 * also registered as {@code @ServiceConnection} beans, which Boot's connection details prefer.
 *
 * <p>A record, so equal customizers let Spring's test-context cache share contexts.
 */
record RealServersContextCustomizer(TestServers.Backend backend, boolean redis, boolean postgres)
    implements ContextCustomizer {

  static final String PROPERTY_SOURCE = "tokenwiseRealServers";

  @Override
  public void customizeContext(
      ConfigurableApplicationContext context, MergedContextConfiguration mergedConfig) {
    Map<String, Object> properties = new LinkedHashMap<>();
    if (redis) {
      TestRedis server = TestServers.redis();
      properties.put("spring.data.redis.host", server.host());
      properties.put("spring.data.redis.port", server.port());
      // The embedded Redis brings Jedis and with it commons-pool2 onto the test classpath, which
      // turns Lettuce's connection pool on; the services ship without it. Tests run what ships (a
      // pooled borrow can also park an event-loop thread, which BlockHound then fails).
      properties.put("spring.data.redis.lettuce.pool.enabled", false);
    }
    if (postgres) {
      TestPostgres server = TestServers.postgres();
      properties.put("spring.datasource.url", server.jdbcUrl());
      properties.put("spring.datasource.username", server.username());
      properties.put("spring.datasource.password", server.password());
    }
    context
        .getEnvironment()
        .getPropertySources()
        .addFirst(new MapPropertySource(PROPERTY_SOURCE, properties));
    if (backend == TestServers.Backend.DOCKER
        && context.getBeanFactory() instanceof BeanDefinitionRegistry registry) {
      if (redis) {
        registry.registerBeanDefinition(
            "tokenwiseRealServersRedis", new RootBeanDefinition(RealServersContainers.Redis.class));
      }
      if (postgres) {
        registry.registerBeanDefinition(
            "tokenwiseRealServersPostgres",
            new RootBeanDefinition(RealServersContainers.Postgres.class));
      }
    }
  }
}
