package dev.tokenwise.cache.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.cache.VerdictStream;
import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.security.StreamSignatures;
import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestStreamSignatures;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.data.redis.connection.stream.Consumer;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.connection.stream.StreamReadOptions;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * Verdicts delivered through the verdict stream against a real Redis: written while no replica
 * consumes, they are recorded once one starts and move the route's learned threshold; forged and
 * malformed entries are acknowledged and never recorded; a verdict id delivered twice counts once;
 * an entry left pending by a dead consumer is taken over; one whose recording fails stays pending
 * and is recorded once Redis lets it.
 */
@SpringBootTest(
    properties = {
      "tokenwise.cache.semantic.routes.verdicts-learned.max-false-hit-rate=0.3",
      "tokenwise.cache.semantic.bound.verdicts-per-step=5",
      "tokenwise.cache.verdicts.claim-min-idle=1s",
      "tokenwise.cache.verdicts.claim-interval=200ms",
      "tokenwise.cache.verdicts.block=100ms",
      "tokenwise.cache.verdicts.retry-backoff=100ms",
      "tokenwise.cache.verdicts.max-retry-backoff=300ms"
    })
@RealServers(postgres = false)
class VerdictStreamIT {

  private static final String LEARNED = "verdicts-learned";
  private static final String BROKEN = "verdicts-broken";

  @Autowired VerdictStreamConsumer consumer;
  @Autowired StringRedisTemplate redis;
  @Autowired MeterRegistry meters;

  @Test
  void verdictsOnTheStreamAreRecordedOnceAndOnlyWhenSignedByTheRouter() {
    consumer.stop();
    double applied = consumed("applied");
    // Read by a replica that then died: pending, never acknowledged.
    add(signed(report(LEARNED, true, "taken-by-the-dead")));
    try {
      redis
          .opsForStream()
          .createGroup(VerdictStream.KEY, ReadOffset.from("0-0"), VerdictStream.GROUP);
    } catch (RuntimeException alreadyThere) {
      // the consumer created it at start
    }
    assertThat(
            redis
                .opsForStream()
                .read(
                    Consumer.from(VerdictStream.GROUP, "dead-replica"),
                    StreamReadOptions.empty().count(1),
                    StreamOffset.create(VerdictStream.KEY, ReadOffset.lastConsumed())))
        .hasSize(1);
    // Written while no replica consumes: ten agreeing verdicts, one of them delivered twice.
    for (int i = 0; i < 10; i++) {
      add(signed(report(LEARNED, true, "learned-" + i)));
    }
    add(signed(report(LEARNED, true, "learned-3")));
    // Forged: unsigned, signed with another deployment's secret, signed by cache-service.
    add(Map.of(VerdictStream.FIELD, report(LEARNED, false, "forged-1")));
    add(
        new StreamSignatures("another-deployments-secret-0123456789abcdef", ServiceTokens.ROUTER)
            .sign(VerdictStream.KEY, Map.of(VerdictStream.FIELD, report(LEARNED, false, "f-2"))));
    add(
        TestStreamSignatures.sign(
            ServiceTokens.CACHE,
            VerdictStream.KEY,
            Map.of(VerdictStream.FIELD, report(LEARNED, false, "forged-3"))));
    // Signed but not a report the HTTP endpoint would take.
    add(signed("{\"tenant\":\"t\",\"route\":\"" + LEARNED + "\",\"model\":\"m\"}"));
    assertThat(redis.opsForHash().get(stateKey(LEARNED), "seq")).isNull();

    consumer.start();

    // The fifteen written meanwhile are read at once; the dead replica's entry is taken over once
    // idle for claim-min-idle.
    Awaitility.await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> pending() == 0 && consumed("applied") - applied == 11);
    assertThat(redis.opsForHash().get(stateKey(LEARNED), "seq")).isEqualTo("11");
    assertThat(consumed("duplicate")).isEqualTo(1);
    assertThat(consumed("refused")).isEqualTo(3);
    assertThat(consumed("invalid")).isEqualTo(1);
    // Eleven agreeing verdicts at 0.995 widen a route bounded at 30% one step from 0.99.
    assertThat(redis.opsForHash().get(stateKey(LEARNED), "threshold")).isEqualTo("0.985");
    assertThat(shadowReports(LEARNED, "agree")).isEqualTo(11);
    assertThat(shadowReports(LEARNED, "disagree")).isZero();
    assertThat(
            meters
                .find("tokenwise.stream.entries.refused")
                .tag("stream", VerdictStream.KEY)
                .counters()
                .stream()
                .mapToDouble(Counter::count)
                .sum())
        .isEqualTo(3);
  }

  @Test
  void aVerdictNotRecordedStaysPendingAndIsRecordedLater() {
    // A route whose stored bound cannot be read: recording its verdicts fails until it is fixed.
    redis.opsForHash().put(stateKey(BROKEN), "bound", "not-a-number");
    double failed = consumed("failed");
    add(signed(report(BROKEN, false, "broken-1")));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> consumed("failed") > failed);
    assertThat(pending()).isEqualTo(1);
    assertThat(shadowReports(BROKEN, "disagree")).isZero();

    redis.opsForHash().delete(stateKey(BROKEN), "bound");
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> pending() == 0);
    assertThat(shadowReports(BROKEN, "disagree")).isEqualTo(1);
  }

  private static String report(String route, boolean agreed, String verdictId) {
    return """
        {"tenant":"t","route":"%s","model":"gpt-5-mini","similarity":0.995,"agreed":%s,\
        "verdictId":"%s"}"""
        .formatted(route, agreed, verdictId);
  }

  private static Map<String, String> signed(String report) {
    return TestStreamSignatures.sign(
        ServiceTokens.ROUTER, VerdictStream.KEY, Map.of(VerdictStream.FIELD, report));
  }

  private void add(Map<String, String> fields) {
    redis.opsForStream().add(StreamRecords.string(fields).withStreamKey(VerdictStream.KEY));
  }

  private long pending() {
    return redis
        .opsForStream()
        .pending(VerdictStream.KEY, VerdictStream.GROUP)
        .getTotalPendingMessages();
  }

  private double consumed(String outcome) {
    return meters.get(VerdictStreamConsumer.CONSUMED).tag("outcome", outcome).counter().count();
  }

  private double shadowReports(String route, String outcome) {
    Counter counter =
        meters
            .find("tokenwise.cache.semantic.shadow.reports")
            .tag("route", route)
            .tag("outcome", outcome)
            .counter();
    return counter == null ? 0 : counter.count();
  }

  private static String stateKey(String route) {
    return "tokenwise:cache:bound:{" + route + "}";
  }
}
