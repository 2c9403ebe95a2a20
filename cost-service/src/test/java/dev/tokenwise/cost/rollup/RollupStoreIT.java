package dev.tokenwise.cost.rollup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.usage.UsageEvent;
import dev.tokenwise.common.usage.UsageEvent.CacheWriteTokens;
import dev.tokenwise.common.usage.UsageEvent.Mode;
import dev.tokenwise.common.usage.UsageEvent.Status;
import dev.tokenwise.cost.pricing.PricedEvent;
import dev.tokenwise.cost.pricing.UsagePricer;
import java.sql.Array;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A batch is aggregated per rollup row in Java and its histograms sent as sparse deltas: the rows
 * it leaves must be exactly those of adding the same events one at a time, and every histogram the
 * dense count of its events' buckets.
 */
@SpringBootTest
@RealServers
class RollupStoreIT {

  private static final Instant HOUR = Instant.parse("2026-10-14T09:00:00Z");

  @Autowired RollupStore rollups;
  @Autowired UsagePricer pricer;
  @Autowired JdbcTemplate jdbc;
  @Autowired TransactionTemplate transaction;

  @Test
  void aBatchRollsUpAsItsEventsOneAtATime() throws SQLException {
    String batched = "rollup-batch-" + UUID.randomUUID();
    String single = "rollup-single-" + UUID.randomUUID();

    List<PricedEvent> events = mixedEvents(batched);
    // Two batches, so the second updates rows the first inserted and inserts others.
    transaction.executeWithoutResult(s -> rollups.add(events.subList(0, 6)));
    transaction.executeWithoutResult(s -> rollups.add(events.subList(6, events.size())));
    for (PricedEvent e : mixedEvents(single)) {
      transaction.executeWithoutResult(s -> rollups.add(List.of(e)));
    }

    List<Map<String, Object>> batchedRows = rows(batched);
    assertThat(batchedRows).hasSize(5).isEqualTo(rows(single));

    Map<String, long[]> inputHist = new LinkedHashMap<>();
    Map<String, long[]> outputHist = new LinkedHashMap<>();
    for (PricedEvent priced : events) {
      UsageEvent e = priced.event();
      if (RollupStore.isShadow(e) || e.unanswered()) {
        continue;
      }
      String key = RollupKey.of(e).hour() + "/" + RollupKey.of(e).mode();
      inputHist
          .computeIfAbsent(key, k -> new long[TokenHistogram.BUCKETS])[
          TokenHistogram.bucket(e.inputTokens())]++;
      outputHist
          .computeIfAbsent(key, k -> new long[TokenHistogram.BUCKETS])[
          TokenHistogram.bucket(e.outputTokens())]++;
    }
    for (Map<String, Object> row : batchedRows) {
      String key = ((Timestamp) row.get("hour")).toInstant() + "/" + row.get("mode");
      long[] none = new long[TokenHistogram.BUCKETS];
      assertThat(row.get("input_hist")).isEqualTo(boxed(inputHist.getOrDefault(key, none)));
      assertThat(row.get("output_hist")).isEqualTo(boxed(outputHist.getOrDefault(key, none)));
    }
    Map<String, Object> syncRow =
        batchedRows.stream().filter(r -> "sync".equals(r.get("mode"))).findFirst().orElseThrow();
    assertThat(syncRow.get("requests")).isEqualTo(5L);
    assertThat(syncRow.get("error_requests")).isEqualTo(1L);
    assertThat(
            jdbc.queryForObject(
                "SELECT requests FROM cost.usage_shadow_hour WHERE tenant = ?",
                Long.class,
                batched))
        .isEqualTo(1L);
  }

  /**
   * Five rollup rows in two hours: repeated buckets, bucket 0 and the last bucket, an error without
   * usage, an unpriced model, a cache hit and a shadow replay.
   */
  private List<PricedEvent> mixedEvents(String tenant) {
    List<PricedEvent> events = new ArrayList<>();
    events.add(priced(tenant, HOUR, Mode.SYNC, "gpt-4o-mini", 1200, 400, Status.OK));
    events.add(priced(tenant, HOUR, Mode.SYNC, "gpt-4o-mini", 1210, 410, Status.OK));
    events.add(priced(tenant, HOUR, Mode.SYNC, "gpt-4o-mini", 0, 0, Status.ERROR));
    events.add(priced(tenant, HOUR, Mode.BATCH, "gpt-4o-mini", 1, 3_500_000, Status.OK));
    events.add(priced(tenant, HOUR, Mode.CACHE_EXACT, "gpt-4o-mini", 900, 0, Status.OK));
    events.add(
        priced(tenant, HOUR.plusSeconds(3600), Mode.SYNC, "no-such-model", 50, 5, Status.OK));
    events.add(priced(tenant, HOUR, Mode.SYNC, "gpt-4o-mini", 1200, 400, Status.OK));
    events.add(priced(tenant, HOUR, Mode.SYNC, "gpt-4o-mini", 70_000, 2, Status.OK));
    events.add(priced(tenant, HOUR, Mode.BATCH, "gpt-4o-mini", 1200, 400, Status.OK));
    events.add(priced(tenant, HOUR, Mode.CACHE_EXACT, "gpt-4o-mini", 900, 0, Status.OK));
    events.add(
        priced(tenant, HOUR.plusSeconds(3600), Mode.SYNC, "no-such-model", 50, 7, Status.OK));
    events.add(priced(tenant, HOUR.plusSeconds(3600), Mode.STREAM, "gpt-4o-mini", 8, 9, Status.OK));
    UsageEvent shadow = event(tenant, HOUR, Mode.BATCH, "gpt-4o-mini", 10, 10, Status.OK);
    shadow =
        new UsageEvent(
            shadow.schemaVersion(),
            shadow.eventId(),
            shadow.occurredAt(),
            shadow.requestId() + RollupStore.SHADOW_REQUEST_SUFFIX,
            shadow.tenant(),
            shadow.app(),
            shadow.endUser(),
            shadow.conversationId(),
            shadow.route(),
            shadow.requestedModel(),
            shadow.servedModel(),
            shadow.provider(),
            shadow.mode(),
            shadow.inputTokens(),
            shadow.cachedInputTokens(),
            shadow.cacheWriteTokens(),
            shadow.outputTokens(),
            shadow.reasoningTokens(),
            shadow.requestedMaxTokens(),
            shadow.appliedMaxTokens(),
            shadow.latencyMs(),
            shadow.status(),
            shadow.finishReason());
    events.add(new PricedEvent(shadow, pricer.price(shadow)));
    return events;
  }

  private PricedEvent priced(
      String tenant, Instant at, Mode mode, String model, long input, long output, Status status) {
    UsageEvent e = event(tenant, at, mode, model, input, output, status);
    return new PricedEvent(e, pricer.price(e));
  }

  private static UsageEvent event(
      String tenant, Instant at, Mode mode, String model, long input, long output, Status status) {
    UUID id = UUID.randomUUID();
    return new UsageEvent(
        UsageEvent.SCHEMA_VERSION,
        id,
        at.plusSeconds(60),
        "req-" + id,
        tenant,
        "app",
        "user-1",
        "conversation-1",
        "route-a",
        model,
        model,
        "openai",
        mode,
        input,
        0,
        CacheWriteTokens.NONE,
        output,
        0,
        null,
        null,
        100,
        status,
        status == Status.OK ? "stop" : null);
  }

  private List<Map<String, Object>> rows(String tenant) throws SQLException {
    List<Map<String, Object>> rows =
        jdbc.queryForList(
            "SELECT * FROM cost.usage_rollup WHERE tenant = ? ORDER BY hour, mode", tenant);
    for (Map<String, Object> row : rows) {
      row.remove("tenant");
      for (String column : List.of("input_hist", "output_hist")) {
        row.put(column, List.of((Long[]) ((Array) row.get(column)).getArray()));
      }
    }
    return rows;
  }

  private static List<Long> boxed(long[] counts) {
    return Arrays.stream(counts).boxed().toList();
  }
}
