package dev.tokenwise.router.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * A poll outlives a step slower than its interval and a failing step: Reactor's interval ends with
 * an overflow error when a tick finds no demand, which is what a bare {@code concatMap} after it
 * gives while a step runs long (seen in a router whose Redis stalled).
 */
class PollingTests {

  @Test
  void aStepSlowerThanTheIntervalOrFailingDoesNotEndThePoll() {
    AtomicInteger steps = new AtomicInteger();
    Disposable poll =
        Polling.every(
            Duration.ofMillis(10),
            Duration.ofMillis(10),
            () -> {
              int step = steps.incrementAndGet();
              if (step == 1) {
                // Ten intervals long: the ticks meanwhile are dropped, not an error.
                return Mono.delay(Duration.ofMillis(100));
              }
              if (step == 2) {
                return Mono.error(new IllegalStateException("Redis unavailable"));
              }
              return Mono.just(step);
            });
    try {
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> steps.get() >= 6);
    } finally {
      poll.dispose();
    }
    assertThat(poll.isDisposed()).isTrue();
  }
}
