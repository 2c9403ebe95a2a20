package dev.tokenwise.router.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestServers;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * The reservation script run twice for one request, as {@link Budgets} does when the first run's
 * reply is lost with its connection (Redis restarted, a connection dropped): the second run does
 * not count the request's first reservation against it, so a retry cannot refuse a request the
 * budget has room for; and when the second run refuses, the first run's reservation goes with it.
 */
@RealServers(postgres = false)
class ReservationRerunIT {

  private static LettuceConnectionFactory connections;
  private static StringRedisTemplate redis;

  @BeforeAll
  static void connect() {
    connections =
        new LettuceConnectionFactory(
            new RedisStandaloneConfiguration(
                TestServers.redis().host(), TestServers.redis().port()));
    connections.afterPropertiesSet();
    connections.start();
    redis = new StringRedisTemplate(connections);
  }

  @AfterAll
  static void disconnect() {
    connections.destroy();
  }

  @Test
  void aRequestReservedAgainIsNotCountedTwice() {
    Budgets.Subject tenant = Budgets.Subject.tenant("rerun-" + UUID.randomUUID());
    assertThat(reserve(tenant, "req-1", "0.3")).isEqualTo("1");
    // the same request again: 0.3 + 0.3 would pass the 0.4 cap, but it is the same 0.3
    assertThat(reserve(tenant, "req-1", "0.3")).isEqualTo("1");
    assertThat(redis.opsForHash().entries(Budgets.reservedKey(tenant)))
        .containsExactly(java.util.Map.entry("req-1", "0.3"));
    // another request still sees the first one's reservation
    assertThat(reserve(tenant, "req-2", "0.3")).isEqualTo("0");
  }

  @Test
  void aRequestRefusedWhenReservedAgainLeavesNoReservation() {
    Budgets.Subject tenant = Budgets.Subject.tenant("rerun-" + UUID.randomUUID());
    assertThat(reserve(tenant, "req-1", "0.3")).isEqualTo("1");
    assertThat(reserve(tenant, "req-2", "0.1")).isEqualTo("1");
    // req-1 again, for more than the room left beside req-2: refused, and its first hold released
    assertThat(reserve(tenant, "req-1", "0.35")).isEqualTo("0");
    assertThat(redis.opsForHash().keys(Budgets.reservedKey(tenant))).containsExactly("req-2");
    assertThat(redis.opsForZSet().score(Budgets.deadlinesKey(tenant), "req-1")).isNull();
    assertThat(reserve(tenant, "req-3", "0.3")).isEqualTo("1");
  }

  /** One run of the script against a 0.4 USD cap; its first reply ("1" allowed, "0" refused). */
  private static String reserve(Budgets.Subject subject, String requestId, String amount) {
    List<?> reply =
        redis.execute(
            Budgets.RESERVE,
            List.of(
                Budgets.spendKey(subject, YearMonth.now(ZoneOffset.UTC)),
                Budgets.reservedKey(subject),
                Budgets.deadlinesKey(subject),
                Budgets.lapsedKey(subject),
                Budgets.keyOfKey(subject.tenant())),
            requestId,
            amount,
            "0.4",
            "600",
            "3600",
            "3600",
            "");
    return String.valueOf(reply.get(0));
  }
}
