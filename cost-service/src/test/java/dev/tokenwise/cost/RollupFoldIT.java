package dev.tokenwise.cost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.cost.rollup.RollupStore;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Ingest appends rollup deltas to {@code cost.usage_rollup_pending}; {@link RollupStore#fold} moves
 * them into {@code cost.usage_rollup}. Here the scheduled fold runs once at start-up and then not
 * for an hour, so the tests see deltas waiting, and check that readers fold first, that folds
 * racing each other and ingest count every event exactly once, and that a re-pricing of events
 * still pending corrects their row.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "tokenwise.cost.rollup.fold-interval=1h",
      "tokenwise.cost.budget.refresh-interval=1h",
      "tokenwise.cost.output-cap.refresh-interval=1h"
    })
@RealServers
class RollupFoldIT {

  private static final String READER = CostHttp.READER;

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  @Autowired JsonMapper json;
  @Autowired RollupStore rollups;
  @Autowired dev.tokenwise.cost.rollup.ActorCompaction compaction;

  @Test
  void aReportFoldsWhatIsPendingBeforeItReads() {
    String tenant = "fold-read-" + UUID.randomUUID();
    store(List.of(event(tenant, "09:01", 1000, 100), event(tenant, "09:02", 2000, 10)));
    assertThat(pending(tenant)).as("deltas waiting for a fold").isPositive();
    assertThat(rolledUp(tenant)).isZero();

    JsonNode report = costPerRequest(tenant);

    assertThat(report.at("/overall/requests").asLong()).isEqualTo(2);
    assertThat(pending(tenant)).isZero();
    assertThat(rolledUp(tenant)).isEqualTo(2);
    assertThat(
            jdbc.queryForObject(
                "SELECT sum(input_tokens) FROM cost.usage_rollup WHERE tenant = ?",
                Long.class,
                tenant))
        .isEqualTo(3000);
  }

  @Test
  void foldsRacingEachOtherAndIngestCountEveryEventOnce() throws Exception {
    String tenant = "fold-race-" + UUID.randomUUID();
    int writers = 3;
    int batches = 15;
    int perBatch = 20;
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger folds = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(writers + 3);
    try {
      List<Future<?>> producers = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        producers.add(
            pool.submit(
                () -> {
                  for (int b = 0; b < batches; b++) {
                    List<String> events = new ArrayList<>();
                    for (int i = 0; i < perBatch; i++) {
                      // Two modes and two hours: several rollup rows per batch.
                      events.add(
                          event(tenant, (i % 2 == 0 ? "09:" : "10:") + "0" + (i % 10), 100 + i, i));
                    }
                    store(events);
                  }
                }));
      }
      List<Future<?>> folders = new ArrayList<>();
      for (int f = 0; f < 3; f++) {
        boolean wait = f == 0;
        folders.add(
            pool.submit(
                () -> {
                  while (writing.get()) {
                    rollups.fold(wait);
                    folds.incrementAndGet();
                  }
                }));
      }
      for (Future<?> producer : producers) {
        producer.get();
      }
      writing.set(false);
      for (Future<?> folder : folders) {
        folder.get();
      }
    } finally {
      pool.shutdownNow();
    }
    rollups.foldPending();

    long stored =
        jdbc.queryForObject(
            "SELECT count(*) FROM cost.usage_event WHERE tenant = ?", Long.class, tenant);
    assertThat(stored).isEqualTo((long) writers * batches * perBatch);
    assertThat(folds.get()).as("folds that ran alongside ingest").isGreaterThan(3);
    assertThat(pending(tenant)).isZero();
    assertThat(rolledUp(tenant)).isEqualTo(stored);
    // Every request is in exactly one histogram bucket, input and output alike.
    assertThat(
            jdbc.queryForObject(
                "SELECT sum(x) FROM cost.usage_rollup, unnest(input_hist) x WHERE tenant = ?",
                Long.class,
                tenant))
        .isEqualTo(stored);
    assertThat(
            jdbc.queryForObject(
                "SELECT sum(x) FROM cost.usage_rollup, unnest(output_hist) x WHERE tenant = ?",
                Long.class,
                tenant))
        .isEqualTo(stored);
    BigDecimal eventCost =
        jdbc.queryForObject(
            "SELECT sum(cost_usd) FROM cost.usage_event WHERE tenant = ?",
            BigDecimal.class,
            tenant);
    BigDecimal rolledCost =
        jdbc.queryForObject(
            "SELECT sum(cost_usd) FROM cost.usage_rollup WHERE tenant = ?",
            BigDecimal.class,
            tenant);
    assertThat(rolledCost).isEqualByComparingTo(eventCost);
  }

  @Test
  void aRepricingOfEventsStillPendingCorrectsTheirRow() {
    String tenant = "fold-reprice-" + UUID.randomUUID();
    store(List.of(event(tenant, "09:05", 1000, 100)));
    // A catalog error at ingest: 900 µ$ stored, in the event and in its pending delta alike.
    jdbc.update(
        "UPDATE cost.usage_event SET cost_usd = 0.0009, catalog_version = 'wrong' WHERE tenant = ?",
        tenant);
    jdbc.update(
        "UPDATE cost.usage_rollup_pending SET cost_usd = cost_usd + 0.00045 WHERE tenant = ?",
        tenant);
    assertThat(rolledUp(tenant)).isZero();

    HttpResponse<String> repriced =
        api()
            .postAsAdmin(
                "/api/admin/reprice",
                """
            {"from":"2025-03-17T09:00:00Z","to":"2025-03-17T10:00:00Z",\
            "reason":"fold test","requestedBy":"it"}""");
    assertThat(repriced.statusCode()).as(repriced.body()).isEqualTo(200);

    JsonNode report = costPerRequest(tenant);
    assertThat(new BigDecimal(report.at("/overall/costUsd").asString()))
        .isEqualByComparingTo("0.00045");
    assertThat(pending(tenant)).isZero();
  }

  @Test
  void usersAndConversationsAreCountedOnceAcrossBatchesAndModes() {
    String tenant = "fold-actors-" + UUID.randomUUID();
    // sync and cache-exact: two rollup rows of one actor scope
    store(
        List.of(
            event(tenant, "09:01", 1000, 100, "u1", "c1"),
            event(tenant, "09:02", 1000, 101, "u1", "c1")));
    store(
        List.of(
            event(tenant, "09:03", 1000, 100, "u1", "c2"),
            event(tenant, "09:04", 1000, 101, "u2", "c2")));

    JsonNode report = report("cost-per-user", tenant);

    assertThat(report.at("/overall/activeUsers").asLong()).isEqualTo(2);
    assertThat(report.at("/overall/conversations").asLong()).isEqualTo(2);
    assertThat(actors(tenant, "user")).isEqualTo(2);
    assertThat(actors(tenant, "conversation")).isEqualTo(2);
  }

  @Test
  void anActorRowStoredTwiceCountsOnceInEveryReport() {
    // 2025 is past the hours a replica remembers, as another replica's rows or this one's before
    // a restart are unknown to it: u1's and c1's rows are appended again, and nothing refuses them.
    String tenant = "fold-twice-" + UUID.randomUUID();
    store(List.of(event(tenant, "10:01", 1000, 100, "u1", "c1")));
    store(List.of(event(tenant, "10:02", 1000, 100, "u1", "c1")));
    store(List.of(event(tenant, "10:03", 1000, 100, "u2", "c1")));
    assertThat(actorRows(tenant, "user")).isEqualTo(3);
    assertThat(actorRows(tenant, "conversation")).isEqualTo(3);

    JsonNode report = report("cost-per-user", tenant);

    assertThat(report.at("/overall/activeUsers").asLong()).isEqualTo(2);
    assertThat(report.at("/overall/conversations").asLong()).isEqualTo(1);
    JsonNode chat = report.get("routes").get(0);
    assertThat(chat.get("route").asString()).isEqualTo("chat");
    assertThat(chat.get("activeUsers").asLong()).isEqualTo(2);
    assertThat(chat.get("conversations").asLong()).isEqualTo(1);
  }

  @Test
  void compactingAClosedHourKeepsOneRowPerActorOnceAndChangesNoReport() {
    // An hour of its own (compaction is per hour, for every tenant), as another replica or a
    // restart would have stored it: u1 and c1 twice, c1 a third time.
    java.time.Instant hour =
        java.time.Instant.parse("2023-01-01T00:00:00Z")
            .plus(java.time.Duration.ofHours(1 + new java.util.Random().nextInt(8000)));
    String tenant = "fold-compact-" + UUID.randomUUID();
    store(List.of(eventAt(tenant, hour.plusSeconds(60).toString(), 1000, 100, "u1", "c1")));
    store(List.of(eventAt(tenant, hour.plusSeconds(120).toString(), 1000, 100, "u1", "c1")));
    store(List.of(eventAt(tenant, hour.plusSeconds(180).toString(), 1000, 100, "u2", "c1")));
    assertThat(actorRows(tenant, "user")).isEqualTo(3);
    assertThat(actorRows(tenant, "conversation")).isEqualTo(3);
    String from = hour.toString();
    String to = hour.plusSeconds(3600).toString();
    JsonNode before = report("cost-per-user", tenant, from, to);
    assertThat(before.at("/overall/activeUsers").asLong()).isEqualTo(2);
    assertThat(before.at("/overall/conversations").asLong()).isEqualTo(1);

    assertThat(compaction.compact(hour)).isEqualTo(3);

    assertThat(actorRows(tenant, "user")).isEqualTo(2);
    assertThat(actorRows(tenant, "conversation")).isEqualTo(1);
    assertThat(report("cost-per-user", tenant, from, to)).isEqualTo(before);
    assertThat(
            jdbc.queryForObject(
                "SELECT rows_removed FROM cost.usage_actor_compaction WHERE hour = ?",
                Long.class,
                java.time.OffsetDateTime.ofInstant(hour, java.time.ZoneOffset.UTC)))
        .isEqualTo(3);
    // Once: a repeat stored after the hour was compacted stays, and a second run leaves it.
    store(List.of(eventAt(tenant, hour.plusSeconds(240).toString(), 1000, 100, "u2", "c1")));
    assertThat(compaction.compact(hour)).isEqualTo(-1);
    assertThat(actorRows(tenant, "user")).isEqualTo(3);
  }

  @Test
  void anActorRowStoredThisHourIsNotInsertedAgainUntilRetentionForgetsIt() {
    String tenant = "fold-recent-" + UUID.randomUUID();
    String now =
        java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    store(List.of(eventAt(tenant, now, 1000, 100, "u1", "c1")));
    assertThat(actors(tenant, "user")).isEqualTo(1);

    // The row removed behind the service's back: a second request of the same user and
    // conversation this hour is known stored, so it is not inserted again.
    jdbc.update(
        "DELETE FROM cost.usage_actor WHERE scope IN"
            + " (SELECT scope FROM cost.usage_actor_scope WHERE tenant = ?)",
        tenant);
    store(List.of(eventAt(tenant, now, 1000, 100, "u1", "c1")));
    assertThat(actors(tenant, "user")).isZero();
    assertThat(actors(tenant, "conversation")).isZero();
    // Another user is.
    store(List.of(eventAt(tenant, now, 1000, 100, "u2", "c1")));
    assertThat(actors(tenant, "user")).isEqualTo(1);

    // Retention deleting the hour makes the replica forget it: the next request stores the row.
    rollups.forgetActorsBefore(java.time.Instant.parse(now).plusSeconds(3600));
    store(List.of(eventAt(tenant, now, 1000, 100, "u1", "c1")));
    assertThat(actors(tenant, "user")).isEqualTo(2);
    assertThat(actors(tenant, "conversation")).isEqualTo(1);
  }

  /** Distinct actors of the kind stored for the tenant. */
  private long actors(String tenant, String kind) {
    return jdbc.queryForObject(
        "SELECT count(DISTINCT actor_key) FROM cost.usage_actor_hour WHERE tenant = ? AND kind = ?",
        Long.class,
        tenant,
        kind);
  }

  /** Actor rows of the kind stored for the tenant, repeats included. */
  private long actorRows(String tenant, String kind) {
    return jdbc.queryForObject(
        "SELECT count(*) FROM cost.usage_actor_hour WHERE tenant = ? AND kind = ?",
        Long.class,
        tenant,
        kind);
  }

  private long pending(String tenant) {
    return jdbc.queryForObject(
        "SELECT count(*) FROM cost.usage_rollup_pending WHERE tenant = ?", Long.class, tenant);
  }

  private long rolledUp(String tenant) {
    return jdbc.queryForObject(
        "SELECT coalesce(sum(requests), 0) FROM cost.usage_rollup WHERE tenant = ?",
        Long.class,
        tenant);
  }

  private JsonNode costPerRequest(String tenant) {
    return report("cost-per-request", tenant);
  }

  private JsonNode report(String name, String tenant) {
    return report(name, tenant, "2025-03-17T00:00:00Z", "2025-03-18T00:00:00Z");
  }

  private JsonNode report(String name, String tenant, String from, String to) {
    HttpResponse<String> response =
        api()
            .send(
                HttpRequest.newBuilder(
                        api()
                            .uri(
                                "/api/reports/"
                                    + name
                                    + "?from="
                                    + from
                                    + "&to="
                                    + to
                                    + "&tenant="
                                    + tenant))
                    .header("Authorization", READER)
                    .GET()
                    .build());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json.readTree(response.body());
  }

  private void store(List<String> events) {
    HttpResponse<String> response =
        api().postAsAdmin("/api/events", "[" + String.join(",", events) + "]");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  /** A GPT-5 mini answer on 2025-03-17 at {@code minute} (HH:mm), sync or an exact cache hit. */
  private static String event(String tenant, String minute, long input, long output) {
    return event(tenant, minute, input, output, "u1", "c1");
  }

  private static String event(
      String tenant, String minute, long input, long output, String user, String conversation) {
    return eventJson(tenant, "2025-03-17T" + minute + ":00Z", input, output, user, conversation);
  }

  /** A GPT-5 mini answer at {@code occurredAt} (ISO-8601). */
  private static String eventAt(
      String tenant, String occurredAt, long input, long output, String user, String conversation) {
    return eventJson(tenant, occurredAt, input, output, user, conversation);
  }

  private static String eventJson(
      String tenant, String occurredAt, long input, long output, String user, String conversation) {
    return """
        {"schemaVersion":1,"eventId":"%s","occurredAt":"%s","requestId":"%s",\
        "tenant":"%s","app":"fold-app","endUser":"%s","conversationId":"%s","route":"chat",\
        "requestedModel":"gpt-5-mini","servedModel":"gpt-5-mini","provider":"openai","mode":"%s",\
        "inputTokens":%d,"cachedInputTokens":0,"cacheWriteTokens":{"ttl5m":0,"ttl1h":0},\
        "outputTokens":%d,"reasoningTokens":0,"latencyMs":300,"status":"ok","finishReason":"stop"}"""
        .formatted(
            UUID.randomUUID(),
            occurredAt,
            UUID.randomUUID(),
            tenant,
            user,
            conversation,
            output % 2 == 0 ? "sync" : "cache-exact",
            input,
            output);
  }

  private CostHttp api() {
    return new CostHttp(port);
  }
}
