package dev.tokenwise.router.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenwise.common.budget.SpendSettlement;
import dev.tokenwise.common.metrics.MetricNames;
import dev.tokenwise.common.metrics.MetricTags;
import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.security.StreamSignatures;
import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestStreamSignatures;
import dev.tokenwise.common.usage.UsageStream;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.data.redis.connection.stream.RecordId;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Settlements the router applies only when cost-service signed them: whoever holds the Redis
 * password but not the deployment's secret cannot release a reservation or rewrite a tenant's
 * spend. Each forged settlement below targets a real reservation; none moves it or the spend, each
 * is acknowledged and counted; the settlement cost-service signed then settles it as usual.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers(postgres = false)
class SignedSettlementsIT {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) throws IOException {
    String spool = Files.createTempDirectory("signed-settlements-spool").toString();
    registry.add("tokenwise.router.usage.spool-dir", () -> spool);
    registry.add("tokenwise.router.budgets.settlements.block", () -> "200ms");
    registry.add("tokenwise.router.cache.enabled", () -> "false");
  }

  @Autowired StringRedisTemplate redis;
  @Autowired MeterRegistry meters;

  @Test
  void forgedSettlementsMoveNothingAndCostServicesSettles() {
    String tenant = "victim-" + UUID.randomUUID().toString().substring(0, 8);
    String requestId = "req-" + UUID.randomUUID();
    YearMonth month = YearMonth.now(ZoneOffset.UTC);
    String spendKey = Budgets.spendKey(tenant, month);
    // a request in flight: its worst case reserved, the tenant's month spend so far 1.25 USD
    redis.opsForValue().set(spendKey, "1.25");
    redis.opsForHash().put(Budgets.reservedKey(tenant), requestId, "0.5");
    redis
        .opsForZSet()
        .add(Budgets.deadlinesKey(tenant), requestId, Instant.now().getEpochSecond() + 3600);

    // what a forger wants: the request settled at nothing, its reservation released
    Map<String, String> free =
        new SpendSettlement(requestId, tenant, month, BigDecimal.ZERO).toFields();
    StreamSignatures cost = TestStreamSignatures.as(ServiceTokens.COST);
    Map<String, String> wrongSig = cost.sign(SpendSettlement.STREAM_KEY, free);
    wrongSig.put(
        StreamSignatures.SIGNATURE,
        Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]));
    Map<String, String> costChanged =
        cost.sign(
            SpendSettlement.STREAM_KEY,
            new SpendSettlement(requestId, tenant, month, new BigDecimal("0.4")).toFields());
    costChanged.put("costUsd", "0");
    Map<String, String> tenantChanged =
        cost.sign(
            SpendSettlement.STREAM_KEY,
            new SpendSettlement(requestId, "someone-else", month, BigDecimal.ZERO).toFields());
    tenantChanged.put("tenant", tenant);
    Object[][] cases = {
      {"unsigned", free},
      {"wrong signature", wrongSig},
      {
        "another deployment's secret",
        new StreamSignatures("another-deployment-secret-0123456789abcdef", ServiceTokens.COST)
            .sign(SpendSettlement.STREAM_KEY, free)
      },
      {"cost changed after signing", costChanged},
      {"tenant changed after signing", tenantChanged},
      {
        "signed by the router, not cost-service",
        TestStreamSignatures.sign(ServiceTokens.ROUTER, SpendSettlement.STREAM_KEY, free)
      },
      {"signed for the usage stream", cost.sign(UsageStream.KEY, free)},
      {"a batch changed after signing", batchChanged(cost, requestId, tenant, month)},
    };
    double refusedBefore = refused();
    double missingBefore = refused("signature-missing");
    double invalidBefore = refused("signature-invalid");
    double notAllowedBefore = refused("producer-not-allowed");
    List<RecordId> ids = new ArrayList<>();
    for (Object[] c : cases) {
      @SuppressWarnings("unchecked")
      Map<String, String> fields = (Map<String, String>) c[1];
      ids.add(add(fields));
    }

    await().atMost(WAIT).until(() -> refused() - refusedBefore >= cases.length);
    assertThat(refused() - refusedBefore).isEqualTo(cases.length);
    assertThat(redis.opsForHash().get(Budgets.reservedKey(tenant), requestId)).isEqualTo("0.5");
    assertThat(redis.opsForZSet().score(Budgets.deadlinesKey(tenant), requestId)).isNotNull();
    assertThat(redis.opsForValue().get(spendKey)).isEqualTo("1.25");
    assertThat(redis.opsForZSet().score(Budgets.settledKey(tenant), requestId)).isNull();
    // acknowledged, not left pending to be retried
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        redis
                            .opsForStream()
                            .pending(SpendSettlement.STREAM_KEY, SpendSettlementConsumer.GROUP)
                            .getTotalPendingMessages())
                    .isZero());
    assertThat(ids).hasSize(cases.length);
    assertThat(refused("signature-missing") - missingBefore).isEqualTo(1);
    assertThat(refused("producer-not-allowed") - notAllowedBefore).isEqualTo(1);
    assertThat(refused("signature-invalid") - invalidBefore).isEqualTo(cases.length - 2);
    System.out.printf(
        "router-service settlement adversarial cases: %d, refused: %d%n",
        cases.length, (long) (refused() - refusedBefore));

    add(
        cost.sign(
            SpendSettlement.STREAM_KEY,
            new SpendSettlement(requestId, tenant, month, new BigDecimal("0.1")).toFields()));

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(redis.opsForHash().get(Budgets.reservedKey(tenant), requestId)).isNull();
              assertThat(new BigDecimal(redis.opsForValue().get(spendKey)))
                  .isEqualByComparingTo("1.35");
            });
    assertThat(redis.opsForZSet().score(Budgets.settledKey(tenant), requestId)).isNotNull();
    assertThat(refused() - refusedBefore).isEqualTo(cases.length);
  }

  @Test
  void aSignedBatchSettlesEachOfItsRequestsOnceEvenWhenDeliveredTwice() {
    String tenant = "batch-" + UUID.randomUUID().toString().substring(0, 8);
    YearMonth month = YearMonth.now(ZoneOffset.UTC);
    String spendKey = Budgets.spendKey(tenant, month);
    redis.opsForValue().set(spendKey, "1");
    List<SpendSettlement> settlements = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String requestId = "req-" + UUID.randomUUID();
      redis.opsForHash().put(Budgets.reservedKey(tenant), requestId, "0.5");
      redis
          .opsForZSet()
          .add(Budgets.deadlinesKey(tenant), requestId, Instant.now().getEpochSecond() + 3600);
      settlements.add(new SpendSettlement(requestId, tenant, month, new BigDecimal("0.25")));
    }
    Map<String, String> batch =
        TestStreamSignatures.as(ServiceTokens.COST)
            .sign(SpendSettlement.STREAM_KEY, SpendSettlement.batchFields(settlements));

    add(batch);
    add(batch);

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(redis.opsForHash().size(Budgets.reservedKey(tenant))).isZero();
              assertThat(
                      redis
                          .opsForStream()
                          .pending(SpendSettlement.STREAM_KEY, SpendSettlementConsumer.GROUP)
                          .getTotalPendingMessages())
                  .isZero();
            });
    // 1 + 3 x 0.25, once: the second delivery settled nothing again
    assertThat(new BigDecimal(redis.opsForValue().get(spendKey))).isEqualByComparingTo("1.75");
    for (SpendSettlement settlement : settlements) {
      assertThat(redis.opsForZSet().score(Budgets.settledKey(tenant), settlement.requestId()))
          .isNotNull();
    }
  }

  /** A batch cost-service signed, with one settlement's cost set to 0 afterwards. */
  private static Map<String, String> batchChanged(
      StreamSignatures cost, String requestId, String tenant, YearMonth month) {
    Map<String, String> batch =
        cost.sign(
            SpendSettlement.STREAM_KEY,
            SpendSettlement.batchFields(
                List.of(
                    new SpendSettlement("req-other", tenant, month, BigDecimal.ONE),
                    new SpendSettlement(requestId, tenant, month, new BigDecimal("0.4")))));
    batch.put(
        SpendSettlement.BATCH_FIELD,
        batch.get(SpendSettlement.BATCH_FIELD).replace("\"0.4\"", "\"0\""));
    return batch;
  }

  private RecordId add(Map<String, String> fields) {
    return redis
        .opsForStream()
        .add(StreamRecords.string(fields).withStreamKey(SpendSettlement.STREAM_KEY));
  }

  private double refused() {
    return refused(null);
  }

  /** Settlement entries refused so far for {@code reason} (null: for any). */
  private double refused(String reason) {
    var search =
        meters
            .find(MetricNames.STREAM_ENTRIES_REFUSED)
            .tag(MetricTags.STREAM, SpendSettlement.STREAM_KEY);
    if (reason != null) {
      search = search.tag(MetricTags.REASON, reason);
    }
    return search.counters().stream().mapToDouble(Counter::count).sum();
  }
}
