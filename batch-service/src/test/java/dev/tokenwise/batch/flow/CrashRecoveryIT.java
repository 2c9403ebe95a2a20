package dev.tokenwise.batch.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenwise.batch.crash.CrashPoint;
import dev.tokenwise.batch.crash.SimulatedCrash;
import dev.tokenwise.batch.intake.DeferredIntake;
import dev.tokenwise.batch.intake.DeferredRequests;
import dev.tokenwise.batch.intake.NewRequest;
import dev.tokenwise.batch.lock.WorkLock;
import dev.tokenwise.common.testsupport.RealServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;

/**
 * Kill tests: batch work stops at each step as if the process died there (the step's open
 * transaction rolls back, nothing after it runs), then runs again as a restart would. No request is
 * lost, none is sent to the provider twice, and each has exactly one usage event.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers
class CrashRecoveryIT extends BatchTestSupport {

  /** More lines than one collect chunk (200), so a crash mid-collect leaves some applied. */
  private static final int REQUESTS = 230;

  @Autowired WorkLock lock;
  @Autowired DeferredIntake intake;
  @Autowired DeferredRequests requests;

  @ParameterizedTest(name = "{0} crash {1}")
  @CsvSource({
    "openai, AFTER_ASSIGN",
    "openai, AFTER_WRITE",
    "openai, AFTER_UPLOAD",
    "openai, AFTER_CREATE",
    "openai, MID_COLLECT",
    "openai, AFTER_COLLECT",
    "anthropic, AFTER_ASSIGN",
    "anthropic, AFTER_WRITE",
    "anthropic, AFTER_CREATE",
    "anthropic, MID_COLLECT",
    "anthropic, AFTER_COLLECT"
  })
  void aCrashLosesNothingAndSubmitsNothingTwice(String providerName, CrashPoint point) {
    List<NewRequest> batch = new ArrayList<>();
    List<UUID> ids = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      batch.add(intake.read(deferred(providerName, "openai", "Question number " + i)));
      ids.add(UUID.randomUUID());
    }
    requests.addAll(ids, batch);

    crashes.arm(point);
    assertThatThrownBy(
            () -> {
              assembler.runOnce(true);
              collector.runOnce(true);
            })
        .satisfies(e -> assertThat(crashIn(e)).as("crash in " + e).isNotNull());
    if (point == CrashPoint.MID_COLLECT) {
      assertThat(count("select count(*) from batch.deferred_request where status = 'succeeded'"))
          .isBetween(1, REQUESTS - 1);
    }

    crashes.disarmAll();
    runAll();

    assertThat(count("select count(*) from batch.deferred_request where status = 'succeeded'"))
        .isEqualTo(REQUESTS);
    assertThat(job(ids.get(0).toString()).path("status").asString()).isEqualTo("succeeded");
    List<List<String>> batches =
        providerName.equals("openai") ? provider.openAiBatchLines : provider.anthropicBatchLines;
    assertThat(batches).as("provider batches created").hasSize(1);
    assertThat(new HashSet<>(batches.get(0))).hasSize(REQUESTS);
    List<JsonNode> events = usageEvents();
    Set<String> eventIds = new HashSet<>();
    events.forEach(e -> eventIds.add(e.path("eventId").asString()));
    assertThat(eventIds).hasSize(REQUESTS);
    assertThat(events).hasSize(REQUESTS);
    assertThat(events).allSatisfy(e -> assertThat(e.path("mode").asString()).isEqualTo("batch"));
  }

  private static SimulatedCrash crashIn(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SimulatedCrash crash) {
        return crash;
      }
    }
    return null;
  }

  @Test
  void oneAssemblerRunsAtATime() throws Exception {
    String id = submit(deferred("openai", "openai", "Wait your turn"));
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Boolean> other =
        CompletableFuture.supplyAsync(
            () ->
                lock.runExclusively(
                    "assemble-and-submit",
                    Duration.ofMinutes(1),
                    () -> {
                      held.countDown();
                      try {
                        release.await(20, TimeUnit.SECONDS);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    }));
    assertThat(held.await(20, TimeUnit.SECONDS)).isTrue();

    assertThat(assembler.runOnce(true)).isEmpty();
    assertThat(job(id).path("status").asString()).isEqualTo("queued");

    release.countDown();
    assertThat(other.get(20, TimeUnit.SECONDS)).isTrue();
    assertThat(assembler.runOnce(true)).hasSize(1);
    assertThat(job(id).path("status").asString()).isEqualTo("in_progress");
  }
}
