package dev.tokenwise.batch.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenwise.common.testsupport.RealServers;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.node.ObjectNode;

/**
 * With the schedule on, a deferred request travels on its own: assembled, collected, delivered. The
 * context closes after the class, so its timers stop while PostgreSQL is still up.
 */
@DirtiesContext
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers
@TestPropertySource(
    properties = {
      "tokenwise.batch.scheduling.enabled=true",
      "tokenwise.batch.assembly.max-age=0s",
      "tokenwise.batch.assembly.interval=100ms",
      "tokenwise.batch.collect.interval=100ms",
      "tokenwise.batch.collect.first-poll=100ms",
      "tokenwise.batch.webhook.interval=100ms"
    })
class ScheduledFlowIT extends BatchTestSupport {

  @Test
  void aDeferredRequestIsAnsweredAndDeliveredWithoutHelp() {
    ObjectNode submission = deferred("openai", "openai", "On schedule");
    submission.put("webhookUrl", provider.baseUrl() + "/hooks");
    String id = submit(submission);

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> "delivered".equals(job(id).path("webhook").asString()));

    assertThat(job(id).path("status").asString()).isEqualTo("succeeded");
    assertThat(usageEvents()).hasSize(1);
    assertThat(provider.hooks).hasSize(1);
  }
}
