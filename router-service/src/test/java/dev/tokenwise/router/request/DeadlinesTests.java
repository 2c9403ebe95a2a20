package dev.tokenwise.router.request;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class DeadlinesTests {

  @Test
  void aStepThatSignalsNothingFailsWithATimeoutAtTheDeadline() {
    StepVerifier.withVirtualTime(() -> Deadlines.within(Mono.never(), Duration.ofSeconds(2)))
        .expectSubscription()
        .expectNoEvent(Duration.ofMillis(1999))
        .thenAwait(Duration.ofMillis(1))
        .expectErrorSatisfies(
            e ->
                assertThat(e)
                    .isInstanceOf(TimeoutException.class)
                    .hasMessage("No signal within 2000 ms"))
        .verify(Duration.ofSeconds(10));
  }

  @Test
  void aStepThatAnswersInTimeIsPassedOn() {
    StepVerifier.withVirtualTime(
            () ->
                Deadlines.within(
                    Mono.delay(Duration.ofMillis(1500)).map(tick -> "late but in time"),
                    Duration.ofSeconds(2)))
        .thenAwait(Duration.ofMillis(1500))
        .expectNext("late but in time")
        .verifyComplete();
  }

  @Test
  void aValueAlreadyThereGetsNoTimer() {
    Mono<String> value = Mono.just("here");
    assertThat(Deadlines.within(value, Duration.ofSeconds(1))).isSameAs(value);
    Mono<String> nothing = Mono.empty();
    assertThat(Deadlines.within(nothing, Duration.ofSeconds(1))).isSameAs(nothing);
  }

  @Test
  void aDeferredStepStillGetsOne() {
    StepVerifier.withVirtualTime(
            () -> Deadlines.within(Mono.defer(Mono::never), Duration.ofMillis(100)))
        .expectSubscription()
        .thenAwait(Duration.ofMillis(100))
        .expectError(TimeoutException.class)
        .verify(Duration.ofSeconds(10));
  }
}
