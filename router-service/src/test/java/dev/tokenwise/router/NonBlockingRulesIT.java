package dev.tokenwise.router;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * BlockHound is live in the non-blocking run: parking on a parallel thread (what a contended lock
 * or a latch does, as Lettuce's write lock did under load) fails.
 */
class NonBlockingRulesIT {

  @Test
  void parkingOnAParallelThreadFails() {
    CountDownLatch never = new CountDownLatch(1);
    Mono<Void> parks =
        Mono.<Void>fromRunnable(
                () -> {
                  try {
                    never.await(1, TimeUnit.MILLISECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                })
            .subscribeOn(Schedulers.parallel());
    assertThatThrownBy(() -> parks.block(Duration.ofSeconds(10)))
        .hasCauseInstanceOf(BlockingOperationError.class);
  }
}
