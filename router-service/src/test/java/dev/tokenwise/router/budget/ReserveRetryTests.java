package dev.tokenwise.router.budget;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.RedisSystemException;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** What {@link Budgets#reserveRetry} tries again, how often, and what it reports at the end. */
class ReserveRetryTests {

  private final AtomicInteger calls = new AtomicInteger();

  /** A reservation whose first {@code failures} calls fail with {@code error}. */
  private Mono<String> reservation(int failures, RuntimeException error) {
    return Mono.defer(
            () ->
                calls.incrementAndGet() <= failures
                    ? Mono.<String>error(error)
                    : Mono.just("reserved"))
        .retryWhen(Budgets.reserveRetry(Duration.ofMillis(1)));
  }

  /** A reservation that always fails with {@code error} reports it after {@code calls} calls. */
  private void assertFailsWithItsOwnErrorAfter(RuntimeException error, int expectedCalls) {
    StepVerifier.create(reservation(Integer.MAX_VALUE, error))
        .expectErrorMatches(error::equals)
        .verify();
    assertThat(calls).hasValue(expectedCalls);
  }

  @Test
  void aDroppedConnectionIsTriedAgainAndTheSecondCallAnswers() {
    StepVerifier.create(
            reservation(
                1,
                new RedisSystemException(
                    "Redis exception", new io.lettuce.core.RedisException("Connection closed"))))
        .expectNext("reserved")
        .verifyComplete();
    assertThat(calls).hasValue(2);
  }

  @Test
  void aConnectionThatStaysDownIsTriedThreeTimesAndItsOwnErrorIsReported() {
    RedisConnectionFailureException down =
        new RedisConnectionFailureException("Redis connection failed", new IOException("refused"));
    assertFailsWithItsOwnErrorAfter(down, 3);
  }

  @Test
  void anErrorRedisAnsweredWithIsNotTriedAgain() {
    RedisSystemException scriptError =
        new RedisSystemException(
            "Error in execution",
            new RedisCommandExecutionException("ERR user_script:1: Script attempted to access"));
    assertFailsWithItsOwnErrorAfter(scriptError, 1);
  }

  @Test
  void aTimeoutIsNotTriedAgain() {
    QueryTimeoutException timeout =
        new QueryTimeoutException(
            "Redis command timed out", new RedisCommandTimeoutException("after 2 s"));
    assertFailsWithItsOwnErrorAfter(timeout, 1);
  }

  @Test
  void onlyTransportFailuresCountAsPossiblyUnsent() {
    assertThat(Budgets.mayNotHaveReachedRedis(new IOException("Broken pipe"))).isTrue();
    assertThat(
            Budgets.mayNotHaveReachedRedis(
                new RedisConnectionFailureException("Redis connection failed")))
        .isTrue();
    assertThat(
            Budgets.mayNotHaveReachedRedis(
                new RedisSystemException(
                    "Error in execution", new RedisCommandExecutionException("OOM"))))
        .isFalse();
    assertThat(Budgets.mayNotHaveReachedRedis(new java.util.concurrent.TimeoutException()))
        .isFalse();
  }
}
