package dev.tokenwise.router;

import dev.tokenwise.common.testsupport.TestServers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Another router in the test JVM beside the one {@code @SpringBootTest} starts: the same
 * application with the given properties, on a port of its own, on the test Redis, with its own
 * usage spool (events spooled while a test stops Redis must not reach another replica's stream).
 */
final class RouterReplica {

  private RouterReplica() {}

  /** Starts it; close the context to stop it. */
  static ConfigurableApplicationContext start(Map<String, String> properties, String name) {
    Map<String, String> p = new LinkedHashMap<>(properties);
    p.put("server.port", "0");
    p.put("spring.data.redis.host", TestServers.redis().host());
    p.put("spring.data.redis.port", String.valueOf(TestServers.redis().port()));
    p.put("spring.data.redis.lettuce.pool.enabled", "false"); // as RealServers: no pool ships
    try {
      p.put(
          "tokenwise.router.usage.spool-dir",
          Files.createTempDirectory(name + "-spool").toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new SpringApplicationBuilder(RouterApplication.class)
        .run(
            p.entrySet().stream()
                .map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new));
  }

  /** The port it listens on. */
  static int port(ConfigurableApplicationContext replica) {
    return Integer.parseInt(replica.getEnvironment().getProperty("local.server.port"));
  }
}
