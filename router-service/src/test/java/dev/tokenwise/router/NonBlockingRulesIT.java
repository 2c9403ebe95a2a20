package dev.tokenwise.router;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** BlockHound is live in the non-blocking run: a blocking call on a parallel thread fails. */
class NonBlockingRulesIT {

  @Test
  void sleepingOnAParallelThreadFails() {
    Mono<Void> sleeps =
        Mono.<Void>fromRunnable(
                () -> {
                  try {
                    Thread.sleep(1);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                })
            .subscribeOn(Schedulers.parallel());
    assertThatThrownBy(() -> sleeps.block(Duration.ofSeconds(10)))
        .hasCauseInstanceOf(BlockingOperationError.class);
  }
}
