package dev.tokenwise.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.testsupport.TestServers;
import dev.tokenwise.common.usage.UsageStream;
import dev.tokenwise.router.usage.UsageSpool;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A router that stops with usage events still spooled replays them into the stream before it exits,
 * so a spool on a volume that goes with the process (a pod's {@code emptyDir}) loses nothing when
 * Redis is there at the end; with Redis away it gives up after {@code shutdown-drain} and leaves
 * them on disk for the next router on that directory.
 */
class UsageSpoolShutdownIT {

  @Test
  void eventsStillSpooledAtShutdownReachTheStreamBeforeTheRouterExits() throws Exception {
    // The periodic drain never runs in this test: only the shutdown's can deliver.
    ConfigurableApplicationContext router =
        RouterReplica.start(
            Map.of(
                "tokenwise.router.usage.drain-interval", "1h",
                "tokenwise.router.usage.shutdown-drain", "10s",
                "tokenwise.router.cache.enabled", "false"),
            "shutdown-drain");
    String marker = "shutdown-drain-" + UUID.randomUUID();
    UsageSpool spool = router.getBean(UsageSpool.class);
    for (int i = 0; i < 3; i++) {
      spool.append("{\"eventId\":\"" + marker + "-" + i + "\"}");
    }
    assertThat(spool.pending()).isEqualTo(3);

    router.close();

    assertThat(streamEntriesContaining(marker)).hasSize(3);
    assertThat(spool.pending()).isZero();
  }

  @Test
  void withRedisAwayAtShutdownTheEventsStayOnDiskForTheNextRouter() throws Exception {
    ConfigurableApplicationContext router =
        RouterReplica.start(
            Map.of(
                "tokenwise.router.usage.drain-interval", "1h",
                "tokenwise.router.usage.shutdown-drain", "2s",
                "tokenwise.router.usage.publish-timeout", "500ms",
                "tokenwise.router.cache.enabled", "false"),
            "shutdown-no-redis");
    String marker = "shutdown-kept-" + UUID.randomUUID();
    Path dir = Path.of(router.getEnvironment().getProperty("tokenwise.router.usage.spool-dir"));
    router.getBean(UsageSpool.class).append("{\"eventId\":\"" + marker + "\"}");

    TestServers.redis().stop();
    try {
      router.close();
    } finally {
      TestServers.redis().start();
    }

    assertThat(streamEntriesContaining(marker)).isEmpty();
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(
              files.anyMatch(
                  file -> {
                    try {
                      return Files.readString(file).contains(marker);
                    } catch (java.io.IOException e) {
                      return false;
                    }
                  }))
          .isTrue();
    }
  }

  private static List<StreamMessage<String, String>> streamEntriesContaining(String marker) {
    RedisClient client = RedisClient.create(TestServers.redis().url());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      return connection.sync().xrange(UsageStream.KEY, Range.create("-", "+")).stream()
          .filter(entry -> entry.getBody().getOrDefault(UsageStream.FIELD, "").contains(marker))
          .toList();
    } finally {
      client.shutdown();
    }
  }
}
