package dev.tokenwise.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.security.StreamSignatures;
import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestRedis;
import dev.tokenwise.common.testsupport.TestServers;
import dev.tokenwise.common.testsupport.TestServiceTokens;
import dev.tokenwise.common.testsupport.TestStreamSignatures;
import dev.tokenwise.common.usage.UsageStream;
import dev.tokenwise.cost.rollup.BinaryCopy;
import dev.tokenwise.cost.rollup.Csv;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.RecordId;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * cost-service against real Redis and PostgreSQL: events go onto the usage stream (or to {@code
 * POST /api/events}) and come out priced in {@code GET /api/usage/summary} and on {@code
 * /actuator/prometheus}. Each test uses its own day in the past as its summary window, so tests do
 * not see each other's events.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "management.endpoint.health.show-details=always",
      "tokenwise.cost.ingest.claim-min-idle=500ms",
      "tokenwise.cost.ingest.claim-interval=500ms",
      "tokenwise.cost.ingest.retain-acknowledged=0s"
    })
@RealServers
class UsageIngestIT {

  /** The report credential the tests' configuration sets ({@code tokenwise.cost.report-token}). */
  private static final String READER = CostHttp.READER;

  private static final Duration WAIT = Duration.ofSeconds(20);

  @LocalServerPort int port;
  @Autowired StringRedisTemplate redis;
  @Autowired JdbcTemplate jdbc;
  @Autowired JsonMapper json;
  @Autowired org.flywaydb.core.Flyway flyway;

  @Test
  void pricesStreamedEventsAndSummarisesThem() {
    Instant day = Instant.parse("2026-06-03T00:00:00Z");
    // GPT-5 mini: $0.25 input, $0.025 cached read, $2 output per million tokens.
    // cost     = (2000 - 1024) x 0.25 + 1024 x 0.025 + 500 x 2   = 244 + 25.6 + 1000 = 1269.6 µ$
    // baseline = 2000 x 0.25 + 500 x 2                            = 500 + 1000        = 1500 µ$
    // savings (prompt caching) = 1024 x (0.25 - 0.025)            = 230.4 µ$
    xadd(
        event(UUID.randomUUID(), day.plusSeconds(60), "openai", "gpt-5-mini", "sync")
            .tokens(2000, 1024, 0, 0, 500)
            .json());
    // Claude Sonnet 4.5: $3 input, $0.30 cache read, $3.75 5-minute cache write, $15 output per
    // million. Anthropic reported input 200, cache_creation 1000 (5m), cache_read 2000, so the
    // normalised input is 200 + 1000 + 2000 = 3200.
    // cost     = 200 x 3 + 2000 x 0.30 + 1000 x 3.75 + 300 x 15   = 600 + 600 + 3750 + 4500 = 9450
    // µ$
    // baseline = 3200 x 3 + 300 x 15                               = 9600 + 4500 = 14100 µ$
    // savings (prompt caching) = 2000 x (3 - 0.30) - 1000 x (3.75 - 3) = 5400 - 750 = 4650 µ$
    xadd(
        event(UUID.randomUUID(), day.plusSeconds(120), "anthropic", "claude-sonnet-4-5", "sync")
            .tokens(3200, 2000, 1000, 0, 300)
            .json());
    // An exact cache hit for the GPT-5 mini request: no provider call, so it costs nothing and
    // saves its whole baseline, 1500 µ$, to the cache tactic.
    xadd(
        event(UUID.randomUUID(), day.plusSeconds(180), "openai", "gpt-5-mini", "cache-exact")
            .tokens(2000, 0, 0, 0, 500)
            .json());

    JsonNode summary = awaitSummary(day, 3);

    // Totals: cost 1269.6 + 9450 + 0 = 10719.6 µ$; baseline 1500 + 14100 + 1500 = 17100 µ$;
    // savings 230.4 + 4650 + 1500 = 6380.4 µ$ = 17100 - 10719.6.
    assertThat(summary.get("inputTokens").asLong()).isEqualTo(2000 + 3200 + 2000);
    assertThat(summary.get("cachedInputTokens").asLong()).isEqualTo(1024 + 2000);
    assertThat(summary.get("outputTokens").asLong()).isEqualTo(500 + 300 + 500);
    assertMoney(summary.get("costUsd"), "0.0107196");
    assertMoney(summary.get("baselineUsd"), "0.0171");
    assertMoney(summary.get("savingsUsd"), "0.0063804");
    assertMoney(summary.at("/savingsByTactic/cache"), "0.0015");
    assertMoney(summary.at("/savingsByTactic/promptCaching"), "0.0048804");

    Map<String, JsonNode> byModel = byModel(summary);
    assertThat(byModel).containsOnlyKeys("gpt-5-mini", "claude-sonnet-4-5");
    assertThat(byModel.get("gpt-5-mini").get("requests").asLong()).isEqualTo(2);
    assertMoney(byModel.get("gpt-5-mini").get("costUsd"), "0.0012696");
    assertMoney(byModel.get("gpt-5-mini").get("baselineUsd"), "0.003");
    assertThat(byModel.get("claude-sonnet-4-5").get("inputTokens").asLong()).isEqualTo(3200);
    assertMoney(byModel.get("claude-sonnet-4-5").get("costUsd"), "0.00945");
    assertMoney(byModel.get("claude-sonnet-4-5").get("baselineUsd"), "0.0141");

    // Counted just after the commit that made the events visible, so wait for the counters too.
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(api().get("/actuator/prometheus").body())
                    .containsPattern(
                        "tokenwise_cost_usd_total\\{[^}]*model=\"gpt-5-mini\"[^}]*\\} \\S+")
                    .containsPattern(
                        "tokenwise_cost_baseline_usd_total\\{[^}]*model=\"claude-sonnet-4-5\"[^}]*\\} \\S+")
                    .containsPattern(
                        "tokenwise_savings_usd_total\\{[^}]*model=\"claude-sonnet-4-5\"[^}]*"
                            + "tactic=\"prompt-caching\"[^}]*\\} \\S+"));
  }

  /**
   * The Prometheus side of the five metrics: per route, answered requests with their cost and token
   * histogram, a failed request counted apart (no tokens, no money), an unpriced one counted as
   * unpriced, and a tactic that cost money counted as a negative saving.
   */
  @Test
  void prometheusCountsPerRouteFailedAndUnpricedApartAndNegativeSavings() {
    Instant at = Instant.parse("2026-06-05T10:00:00Z");
    String route = "\"route\":\"metrics-it\"";
    String answered =
        event(UUID.randomUUID(), at, "openai", "gpt-5-mini", "sync")
            .tokens(2000, 0, 0, 0, 300)
            .json()
            .replace("\"route\":\"default\"", route);
    String failed =
        event(UUID.randomUUID(), at, "openai", "gpt-5-mini", "sync")
            .tokens(0, 0, 0, 0, 0)
            .json()
            .replace("\"route\":\"default\"", route)
            .replace("\"status\":\"ok\"", "\"status\":\"error\"");
    String unpriced =
        event(UUID.randomUUID(), at, "openai", "no-such-model-metrics", "sync")
            .tokens(100, 0, 0, 0, 10)
            .json()
            .replace("\"route\":\"default\"", route);
    // A 5-minute cache write never read: prompt caching cost 1000 x (3.75 - 3) µ$ more.
    String written =
        event(UUID.randomUUID(), at, "anthropic", "claude-sonnet-4-5", "sync")
            .tokens(1200, 0, 1000, 0, 50)
            .json()
            .replace("\"route\":\"default\"", route);
    HttpResponse<String> response =
        api()
            .post("/api/events", "[" + String.join(",", answered, failed, unpriced, written) + "]");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);

    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(api().get("/actuator/prometheus").body())
                    .containsPattern(
                        "tokenwise_cost_requests_total\\{[^}]*model=\"gpt-5-mini\"[^}]*"
                            + "outcome=\"answered\"[^}]*route=\"metrics-it\"[^}]*\\} 1\\.0")
                    .containsPattern(
                        "tokenwise_cost_requests_total\\{[^}]*outcome=\"failed\"[^}]*"
                            + "route=\"metrics-it\"[^}]*\\} 1\\.0")
                    .containsPattern(
                        "tokenwise_cost_requests_total\\{[^}]*model=\"other\"[^}]*"
                            + "outcome=\"unpriced\"[^}]*route=\"metrics-it\"[^}]*\\} 1\\.0")
                    .containsPattern(
                        "tokenwise_cost_usd_total\\{[^}]*model=\"gpt-5-mini\"[^}]*"
                            + "route=\"metrics-it\"[^}]*\\} \\S+")
                    .containsPattern(
                        "gen_ai_client_token_usage_count\\{[^}]*gen_ai_response_model=\"gpt-5-mini\""
                            + "[^}]*gen_ai_token_type=\"output\"[^}]*route=\"metrics-it\"[^}]*\\} 1\\b")
                    .containsPattern(
                        "gen_ai_client_token_usage_sum\\{[^}]*gen_ai_response_model=\"gpt-5-mini\""
                            + "[^}]*gen_ai_token_type=\"input\"[^}]*route=\"metrics-it\"[^}]*\\}"
                            + " 2000\\.0")
                    .containsPattern(
                        "gen_ai_client_token_usage_bucket\\{[^}]*gen_ai_response_model=\"gpt-5-mini\"[^}]*"
                            + "gen_ai_token_type=\"input\"[^}]*route=\"metrics-it\",le=\"4096\\.0\"\\} 1\\b")
                    .containsPattern(
                        "tokenwise_savings_negative_usd_total\\{[^}]*model=\"claude-sonnet-4-5\""
                            + "[^}]*route=\"metrics-it\"[^}]*tactic=\"prompt-caching\"[^}]*\\}"
                            + " 7\\.5E-4"));

    // The REST report agrees: one answered gpt-5-mini request, the failed one apart.
    JsonNode report =
        json.readTree(
            api()
                .get(
                    "/api/reports/cost-per-request?from=2026-06-05T10:00:00Z&to=2026-06-05T11:00:00Z"
                        + "&tenant=acme&route=metrics-it")
                .body());
    JsonNode row = null;
    for (JsonNode candidate : report.path("rows")) {
      if (candidate.path("model").asString().equals("gpt-5-mini")) {
        row = candidate;
      }
    }
    assertThat(row).as(report.toString()).isNotNull();
    assertThat(row.path("requests").asLong()).isEqualTo(1);
    assertThat(row.path("failedRequests").asLong()).isEqualTo(1);
    assertThat(row.path("unpricedRequests").asLong()).isZero();
    // 2000 x 0.25 + 300 x 2 = 1100 µ$ for the one answered request, not half of it
    assertThat(new BigDecimal(row.path("costPerRequestUsd").asString()))
        .isEqualByComparingTo("0.0011");
  }

  @Test
  void storesAnEventDeliveredTwiceOnce() throws Exception {
    Instant day = Instant.parse("2026-06-04T00:00:00Z");
    UUID id = UUID.randomUUID();
    String event =
        event(id, day.plusSeconds(60), "openai", "gpt-5-mini", "sync")
            .tokens(1000, 0, 0, 0, 100)
            .json();
    xadd(event);
    xadd(event);
    awaitSummary(day, 1);

    HttpResponse<String> again = api().post("/api/events", event);

    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(json.readTree(again.body()).get("duplicates").asInt()).isEqualTo(1);
    // 1000 x 0.25 + 100 x 2 = 450 µ$, once.
    JsonNode summary = summary(day);
    assertThat(summary.get("requests").asLong()).isEqualTo(1);
    assertMoney(summary.get("costUsd"), "0.00045");
    // Priced by the catalog version in force on the day it occurred, and that version is kept.
    assertThat(
            jdbc.queryForMap(
                "SELECT catalog_version, pricing_status, cost_usd FROM cost.usage_event"
                    + " WHERE event_id = ?",
                id))
        .containsEntry("catalog_version", "2026-02-17")
        .containsEntry("pricing_status", "priced");
  }

  @Test
  void storesOnlyTheNewEventsOfABatchThatRepeatsOne() throws Exception {
    Instant day = Instant.parse("2026-06-12T00:00:00Z");
    String old =
        event(UUID.randomUUID(), day.plusSeconds(60), "openai", "gpt-5-mini", "sync")
            .tokens(1000, 0, 0, 0, 100)
            .json();
    assertThat(api().post("/api/events", old).statusCode()).isEqualTo(200);
    String fresh =
        event(UUID.randomUUID(), day.plusSeconds(120), "openai", "gpt-5-mini", "sync")
            .tokens(2000, 0, 0, 0, 100)
            .json();

    // The plain claim fails on the stored id; the batch is stored again, skipping it.
    HttpResponse<String> mixed = api().post("/api/events", "[" + fresh + "," + old + "]");

    assertThat(mixed.statusCode()).isEqualTo(200);
    JsonNode body = json.readTree(mixed.body());
    assertThat(body.get("stored").asInt()).isEqualTo(1);
    assertThat(body.get("duplicates").asInt()).isEqualTo(1);
    JsonNode summary = summary(day);
    assertThat(summary.get("requests").asLong()).isEqualTo(2);
    // (1000 + 2000) x 0.25 + 200 x 2 = 1150 µ$: each event once.
    assertMoney(summary.get("costUsd"), "0.00115");
  }

  @Test
  void acceptsEventsOverHttp() throws Exception {
    Instant day = Instant.parse("2026-06-05T00:00:00Z");
    String events =
        "["
            + event(UUID.randomUUID(), day.plusSeconds(60), "openai", "gpt-5-mini", "batch")
                .tokens(1000, 0, 0, 0, 100)
                .json()
            + ","
            + event(UUID.randomUUID(), day.plusSeconds(70), "openai", "gpt-5-mini", "sync")
                .tokens(1000, 0, 0, 0, 100)
                .json()
            + "]";

    HttpResponse<String> response = api().post("/api/events", events);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json.readTree(response.body()).get("stored").asInt()).isEqualTo(2);
    JsonNode summary = summary(day);
    assertThat(summary.get("requests").asLong()).isEqualTo(2);
    // sync 450 µ$; batch at half price 225 µ$, saving 225 µ$ to the batch tactic.
    assertMoney(summary.get("costUsd"), "0.000675");
    assertMoney(summary.at("/savingsByTactic/batch"), "0.000225");
  }

  @Test
  void rejectsAnInvalidEventNamingTheFieldAndStoresNothing() throws Exception {
    Instant day = Instant.parse("2026-06-06T00:00:00Z");
    String valid =
        event(UUID.randomUUID(), day.plusSeconds(60), "openai", "gpt-5-mini", "sync")
            .tokens(1000, 0, 0, 0, 100)
            .json();
    String badTime =
        event(UUID.randomUUID(), day.plusSeconds(70), "openai", "gpt-5-mini", "sync")
            .tokens(1000, 0, 0, 0, 100)
            .json()
            .replaceFirst("\"occurredAt\":\"[^\"]+\"", "\"occurredAt\":\"yesterday\"");

    HttpResponse<String> response = api().post("/api/events", "[" + valid + "," + badTime + "]");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    JsonNode problem = json.readTree(response.body());
    assertThat(problem.get("type").asString())
        .isEqualTo("https://tokenwise.dev/problems/invalid-usage-event");
    assertThat(problem.get("field").asString()).isEqualTo("[1].occurredAt");
    assertThat(summary(day).get("requests").asLong()).isZero();

    HttpResponse<String> missingTenant =
        api().post("/api/events", valid.replace("\"tenant\":\"acme\",", ""));
    assertThat(missingTenant.statusCode()).isEqualTo(400);
    assertThat(json.readTree(missingTenant.body()).get("field").asString()).isEqualTo("tenant");

    HttpResponse<String> notJson = api().post("/api/events", "{\"eventId\":");
    assertThat(notJson.statusCode()).isEqualTo(400);
    assertThat(summary(day).get("requests").asLong()).isZero();
  }

  @Test
  void deadLettersAPoisonEntryWithAReason() {
    RecordId malformed = xadd("{\"eventId\": not json");
    String negative =
        event(
                UUID.randomUUID(),
                Instant.parse("2026-06-07T00:01:00Z"),
                "openai",
                "gpt-5-mini",
                "sync")
            .tokens(1000, 0, 0, 0, 100)
            .json()
            .replace("\"outputTokens\":100", "\"outputTokens\":-1");
    RecordId invalid = xadd(negative);

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Map<String, String> dead = deadLetter(malformed);
              assertThat(dead).containsEntry("event", "{\"eventId\": not json");
              assertThat(dead.get("reason")).startsWith("malformed JSON");
              assertThat(deadLetter(invalid).get("reason")).startsWith("outputTokens:");
            });
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(api().get("/actuator/prometheus").body())
                    .containsPattern(
                        "tokenwise_usage_events_total\\{[^}]*outcome=\"dead-lettered\""));
    // Acknowledged: nothing stays pending for the group.
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        redis
                            .opsForStream()
                            .pending(UsageStream.KEY, UsageStream.GROUP)
                            .getTotalPendingMessages())
                    .isZero());
  }

  @Test
  void storesAnEventForAnUnknownModelUnpriced() {
    Instant day = Instant.parse("2026-06-08T00:00:00Z");
    xadd(
        event(UUID.randomUUID(), day.plusSeconds(60), "openai", "gpt-unheard-of", "sync")
            .tokens(1000, 0, 0, 0, 100)
            .json());

    JsonNode summary = awaitSummary(day, 1);

    assertThat(summary.get("unpricedRequests").asLong()).isEqualTo(1);
    assertThat(summary.get("inputTokens").asLong()).isEqualTo(1000);
    assertMoney(summary.get("costUsd"), "0");
    // Metric tags stay bounded: a model outside the catalog is never a label value.
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(api().get("/actuator/prometheus").body())
                    .containsPattern("tokenwise_usage_events_total\\{[^}]*outcome=\"unpriced\"")
                    .doesNotContain("gpt-unheard-of"));
  }

  @Test
  void takesOverEntriesACrashedConsumerLeftPending() {
    Instant day = Instant.parse("2026-06-09T00:00:00Z");
    String event =
        event(UUID.randomUUID(), day.plusSeconds(60), "openai", "gpt-5-mini", "sync")
            .tokens(1000, 0, 0, 0, 100)
            .json();
    Map<String, String> signed =
        TestStreamSignatures.sign(
            ServiceTokens.ROUTER, UsageStream.KEY, Map.of(UsageStream.FIELD, event));
    // Added and read by another consumer in one atomic step, so this service never sees it as
    // new; that consumer then "crashes" without acknowledging.
    redis.execute(
        new DefaultRedisScript<>(
            "redis.call('XADD', KEYS[1], '*', 'event', ARGV[1], 'producer', ARGV[3], 'sig',"
                + " ARGV[4]) "
                + "redis.call('XREADGROUP', 'GROUP', ARGV[2], 'crashed-replica', 'COUNT', 1000,"
                + " 'STREAMS', KEYS[1], '>') return 1",
            Long.class),
        List.of(UsageStream.KEY),
        event,
        UsageStream.GROUP,
        signed.get(StreamSignatures.PRODUCER),
        signed.get(StreamSignatures.SIGNATURE));

    awaitSummary(day, 1);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        redis
                            .opsForStream()
                            .pending(UsageStream.KEY, UsageStream.GROUP)
                            .getPendingMessagesPerConsumer())
                    .doesNotContainKey("crashed-replica"));
  }

  @Test
  void trimsAcknowledgedEntriesButKeepsThoseAnotherGroupStillNeeds() {
    Instant day = Instant.parse("2026-06-11T00:00:00Z");
    RecordId mine =
        xadd(
            event(UUID.randomUUID(), day.plusSeconds(60), "openai", "gpt-5-mini", "sync")
                .tokens(1000, 0, 0, 0, 100)
                .json());
    awaitSummary(day, 1);
    await().atMost(WAIT).untilAsserted(() -> assertThat(entry(mine)).isEmpty());

    // Another reader that has not caught up holds back the trim.
    redis.opsForStream().createGroup(UsageStream.KEY, ReadOffset.from("0-0"), "slow-reader");
    try {
      RecordId shared =
          xadd(
              event(UUID.randomUUID(), day.plusSeconds(120), "openai", "gpt-5-mini", "sync")
                  .tokens(1000, 0, 0, 0, 100)
                  .json());
      awaitSummary(day, 2);
      // Two claim-and-trim rounds (500 ms each) after the store: still there.
      await()
          .pollDelay(Duration.ofMillis(1200))
          .atMost(WAIT)
          .untilAsserted(() -> assertThat(entry(shared)).hasSize(1));
    } finally {
      redis.opsForStream().destroyGroup(UsageStream.KEY, "slow-reader");
    }
  }

  @Test
  void resumesAfterRedisRestartsEmpty() {
    Instant day = Instant.parse("2026-06-10T00:00:00Z");
    TestRedis server = TestServers.redis();

    // A restart without persistence loses the stream and the consumer group, as after a crash.
    server.stop();
    server.start();
    xadd(
        event(UUID.randomUUID(), day.plusSeconds(60), "openai", "gpt-5-mini", "sync")
            .tokens(1000, 0, 0, 0, 100)
            .json());

    assertThat(awaitSummary(day, 1).get("costUsd").asString()).isEqualTo("0.00045");
    JsonNode health = json.readTree(api().get("/actuator/health/usageStream").body());
    assertThat(health.get("status").asString()).isEqualTo("UP");
    assertThat(health.at("/details/group").asString()).isEqualTo(UsageStream.GROUP);
  }

  @Test
  void keepsEventsOfMonthsWithoutAPartitionAndMovesThemWhenOneIsCreated() {
    Instant day = Instant.parse("2019-03-10T00:00:00Z");
    UUID id = UUID.randomUUID();
    xadd(
        event(id, day.plusSeconds(60), "openai", "gpt-5-mini", "sync")
            .tokens(1000, 0, 0, 0, 100)
            .json());
    awaitSummary(day, 1);
    assertThat(partitionOf(id)).isEqualTo("cost.usage_event_default");

    jdbc.queryForObject(
        "SELECT cost.ensure_usage_event_partition(DATE '2019-03-01')", Boolean.class);

    assertThat(partitionOf(id)).isEqualTo("cost.usage_event_2019_03");
    assertThat(summary(day).get("requests").asLong()).isEqualTo(1);
  }

  @Test
  void actorScopesInSqlMatchTheOnesIngestWrites() {
    // V10 computed the scope of rows stored before it in SQL; ingest computes it in Java.
    for (String[] dims :
        new String[][] {
          {"acme", "web", "support", "gpt-5-mini"},
          {"tenant-\u00fc", "", "", ""},
          {"a:b", "", "c", ""}
        }) {
      Long sql =
          jdbc.queryForObject("SELECT cost.actor_scope(?, ?, ?, ?)", Long.class, (Object[]) dims);
      assertThat(sql)
          .as(String.join("/", dims))
          .isEqualTo(
              dev.tokenwise.cost.rollup.RollupStore.scope(dims[0], dims[1], dims[2], dims[3]));
    }
  }

  @Test
  void rejectsABadWindow() throws Exception {
    HttpResponse<String> missing = api().get("/api/usage/summary?from=2026-06-01T00:00:00Z");
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(json.readTree(missing.body()).get("field").asString()).isEqualTo("to");

    HttpResponse<String> reversed =
        api().get("/api/usage/summary?from=2026-06-02T00:00:00Z&to=2026-06-01T00:00:00Z");
    assertThat(reversed.statusCode()).isEqualTo(400);
    assertThat(json.readTree(reversed.body()).get("type").asString())
        .isEqualTo("https://tokenwise.dev/problems/invalid-time-window");
  }

  // --- helpers ---

  /** Adds an event as the router does: signed as router-service. */
  private RecordId xadd(String eventJson) {
    return xaddFields(
        TestStreamSignatures.sign(
            ServiceTokens.ROUTER, UsageStream.KEY, Map.of(UsageStream.FIELD, eventJson)));
  }

  /** Adds an entry with exactly these fields, signed or not. */
  private RecordId xaddFields(Map<String, String> fields) {
    MapRecord<String, String, String> record =
        StreamRecords.newRecord().in(UsageStream.KEY).ofMap(fields);
    return redis.opsForStream().add(record);
  }

  private List<MapRecord<String, Object, Object>> entry(RecordId id) {
    return redis.opsForStream().range(UsageStream.KEY, Range.closed(id.getValue(), id.getValue()));
  }

  private Map<String, String> deadLetter(RecordId source) {
    return redis.opsForStream().range(UsageStream.DEAD_LETTER_KEY, Range.unbounded()).stream()
        .map(r -> (Map<String, String>) (Map<?, ?>) r.getValue())
        .filter(fields -> source.getValue().equals(fields.get("sourceId")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no dead letter for " + source));
  }

  private String partitionOf(UUID id) {
    return jdbc.queryForObject(
        "SELECT tableoid::regclass::text FROM cost.usage_event WHERE event_id = ?",
        String.class,
        id);
  }

  private JsonNode awaitSummary(Instant day, long requests) {
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(summary(day).get("requests").asLong()).isEqualTo(requests));
    return summary(day);
  }

  private JsonNode summary(Instant day) {
    HttpResponse<String> response =
        api().get("/api/usage/summary?from=" + day + "&to=" + day.plus(Duration.ofDays(1)));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json.readTree(response.body());
  }

  private Map<String, JsonNode> byModel(JsonNode summary) {
    Map<String, JsonNode> byModel = new java.util.LinkedHashMap<>();
    summary.get("byModel").forEach(m -> byModel.put(m.get("model").asString(), m));
    return byModel;
  }

  private static void assertMoney(JsonNode actual, String expected) {
    assertThat(actual.isString()).as("money is a JSON string: %s", actual).isTrue();
    assertThat(new BigDecimal(actual.asString())).isEqualByComparingTo(expected);
  }

  @Test
  void forgedAndMisdirectedWritesAreRefusedAndStoreNothing() {
    UUID id = UUID.randomUUID();
    String acmes =
        event(id, Instant.parse("2026-06-20T00:01:00Z"), "openai", "gpt-5-mini", "sync")
            .tokens(1000, 0, 0, 0, 100)
            .json();
    String forged =
        new ServiceTokens(
                "not-this-deployments-secret-0123456789", ServiceTokens.ROUTER, Clock.systemUTC())
            .mint(ServiceTokens.COST, "acme");
    String expired =
        new ServiceTokens(
                TestServiceTokens.secret(),
                ServiceTokens.ROUTER,
                Clock.fixed(Instant.now().minusSeconds(600), ZoneOffset.UTC))
            .mint(ServiceTokens.COST, "acme");
    String mallory = TestServiceTokens.token(ServiceTokens.ROUTER, ServiceTokens.COST, "mallory");
    String fromCache = TestServiceTokens.token(ServiceTokens.CACHE, ServiceTokens.COST, "acme");
    String feedback = "{\"requestId\":\"req-" + id + "\",\"verdict\":\"bad\",\"tenant\":\"acme\"}";
    String shadow =
        "{\"shadowId\":\""
            + UUID.randomUUID()
            + "\",\"requestId\":\"r\",\"tenant\":\"acme\",\"route\":\"default\","
            + "\"reason\":\"cache-exact\",\"referenceModel\":\"gpt-5\",\"servedAnswer\":\"x\","
            + "\"jobId\":\"j\"}";
    Object[][] cases = {
      {"/api/events", acmes, null, 401, "service_token_missing"},
      {"/api/events", acmes, "tw1.nope", 401, "service_token_malformed"},
      {"/api/events", acmes, forged, 401, "service_token_invalid"},
      {"/api/events", acmes, expired, 401, "service_token_expired"},
      {"/api/events", acmes, mallory, 403, "caller_not_allowed"},
      {"/api/events", "[" + acmes + "]", mallory, 403, "caller_not_allowed"},
      {"/api/events", acmes, fromCache, 403, "caller_not_allowed"},
      {"/api/feedback", feedback, null, 401, "service_token_missing"},
      {"/api/feedback", feedback, mallory, 403, "caller_not_allowed"},
      {"/api/quality/shadow-requests", shadow, null, 401, "service_token_missing"},
      {"/api/quality/shadow-requests", shadow, mallory, 403, "caller_not_allowed"},
    };
    int refused = 0;
    for (Object[] c : cases) {
      HttpResponse<String> answer = postAs((String) c[0], (String) c[1], (String) c[2]);
      assertThat(answer.statusCode()).as(c[0] + " " + c[4]).isEqualTo((int) c[3]);
      assertThat(json.readTree(answer.body()).path("code").asString()).isEqualTo(c[4]);
      refused++;
    }
    HttpResponse<String> oversize =
        postAs(
            "/api/events",
            "[" + (acmes + ",").repeat(4_000) + acmes + "]",
            TestServiceTokens.token(ServiceTokens.ROUTER, ServiceTokens.COST, "acme"));
    assertThat(oversize.statusCode()).isEqualTo(413);
    assertThat(json.readTree(oversize.body()).path("detail").asString())
        .contains("tokenwise.cost.max-body-size");
    refused++;
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM cost.usage_event WHERE event_id = ?", Long.class, id))
        .isZero();
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM cost.quality_verdict WHERE request_id = ?",
                Long.class,
                "req-" + id))
        .isZero();
    System.out.printf(
        "cost-service adversarial cases: %d, refused: %d%n", cases.length + 1, refused);
  }

  /**
   * Whoever holds the Redis password but not the deployment's secret cannot make up usage: every
   * entry not signed by the router or batch-service with this deployment's secret is dead-lettered
   * with its reason and acknowledged, and stores, prices, rolls up and settles nothing; a signed
   * entry beside them is stored as usual.
   */
  @Test
  void forgedUsageStreamEntriesAreDeadLetteredAndChangeNothing() {
    Instant day = Instant.parse("2026-06-21T00:00:00Z");
    StreamSignatures router = TestStreamSignatures.as(ServiceTokens.ROUTER);
    List<UUID> forgedIds = new java.util.ArrayList<>();
    java.util.function.Function<Integer, String> forgedEvent =
        minute -> {
          UUID id = UUID.randomUUID();
          forgedIds.add(id);
          return event(id, day.plusSeconds(60L * minute), "openai", "gpt-5", "sync")
              .tokens(900_000, 0, 0, 0, 100_000)
              .json();
        };

    Map<String, String> wrongSig =
        router.sign(UsageStream.KEY, Map.of(UsageStream.FIELD, forgedEvent.apply(2)));
    wrongSig.put(
        StreamSignatures.SIGNATURE,
        java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]));
    Map<String, String> changed =
        router.sign(
            UsageStream.KEY,
            Map.of(
                UsageStream.FIELD,
                event(UUID.randomUUID(), day.plusSeconds(240), "openai", "gpt-5", "sync")
                    .tokens(10, 0, 0, 0, 1)
                    .json()));
    changed.put(UsageStream.FIELD, forgedEvent.apply(4));
    Map<String, String> relabelled =
        router.sign(UsageStream.KEY, Map.of(UsageStream.FIELD, forgedEvent.apply(6)));
    relabelled.put(StreamSignatures.PRODUCER, ServiceTokens.BATCH);
    Object[][] cases = {
      {"unsigned", Map.of(UsageStream.FIELD, forgedEvent.apply(1)), "signature missing"},
      {"wrong signature", wrongSig, "signature invalid"},
      {
        "another deployment's secret",
        new StreamSignatures("another-deployment-secret-0123456789abcdef", ServiceTokens.ROUTER)
            .sign(UsageStream.KEY, Map.of(UsageStream.FIELD, forgedEvent.apply(3))),
        "signature invalid"
      },
      {"event changed after signing", changed, "signature invalid"},
      {
        "signed as cache-service",
        TestStreamSignatures.sign(
            ServiceTokens.CACHE, UsageStream.KEY, Map.of(UsageStream.FIELD, forgedEvent.apply(5))),
        "producer cache-service not allowed"
      },
      {"producer relabelled", relabelled, "signature invalid"},
      {
        "signed for the settlement stream",
        router.sign(
            dev.tokenwise.common.budget.SpendSettlement.STREAM_KEY,
            Map.of(UsageStream.FIELD, forgedEvent.apply(7))),
        "signature invalid"
      },
    };
    List<RecordId> forged = new java.util.ArrayList<>();
    for (Object[] c : cases) {
      @SuppressWarnings("unchecked")
      Map<String, String> fields = (Map<String, String>) c[1];
      forged.add(xaddFields(fields));
    }
    UUID genuine = UUID.randomUUID();
    xadd(
        event(genuine, day.plusSeconds(600), "openai", "gpt-5-mini", "sync")
            .tokens(1000, 0, 0, 0, 100)
            .json());

    JsonNode summary = awaitSummary(day, 1);
    int refused = 0;
    for (int i = 0; i < cases.length; i++) {
      int at = i;
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(deadLetter(forged.get(at)).get("reason"))
                      .as((String) cases[at][0])
                      .isEqualTo(cases[at][2]));
      refused++;
    }

    // Nothing stored, priced, rolled up or settled but the genuine event.
    for (UUID id : forgedIds) {
      assertThat(
              jdbc.queryForObject(
                  "SELECT count(*) FROM cost.usage_event WHERE event_id = ?", Long.class, id))
          .isZero();
    }
    assertThat(summary.get("inputTokens").asLong()).isEqualTo(1000);
    assertThat(
            jdbc.queryForObject(
                "SELECT coalesce(sum(requests), 0) FROM cost.usage_rollup"
                    + " WHERE hour >= ? AND hour < ?",
                Long.class,
                java.sql.Timestamp.from(day),
                java.sql.Timestamp.from(day.plus(Duration.ofDays(1)))))
        .isEqualTo(1);
    List<String> settled =
        redis
            .opsForStream()
            .range(dev.tokenwise.common.budget.SpendSettlement.STREAM_KEY, Range.unbounded())
            .stream()
            .flatMap(
                r -> {
                  Map<String, String> fields = new java.util.LinkedHashMap<>();
                  r.getValue().forEach((k, v) -> fields.put((String) k, (String) v));
                  return dev.tokenwise.common.budget.SpendSettlement.fromEntry(fields).stream()
                      .map(dev.tokenwise.common.budget.SpendSettlement::requestId);
                })
            .toList();
    assertThat(settled).contains("req-" + genuine);
    for (UUID id : forgedIds) {
      assertThat(settled).doesNotContain("req-" + id);
    }
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(
                      redis
                          .opsForStream()
                          .pending(UsageStream.KEY, UsageStream.GROUP)
                          .getTotalPendingMessages())
                  .isZero();
              assertThat(api().get("/actuator/prometheus").body())
                  .containsPattern(
                      "tokenwise_stream_entries_refused_total\\{[^}]*reason=\"signature-missing\"")
                  .containsPattern(
                      "tokenwise_stream_entries_refused_total\\{[^}]*reason=\"signature-invalid\"")
                  .containsPattern(
                      "tokenwise_stream_entries_refused_total\\{[^}]*"
                          + "reason=\"producer-not-allowed\"");
            });
    System.out.printf(
        "cost-service usage stream adversarial cases: %d, refused: %d%n", cases.length, refused);
  }

  @Test
  void aDatabaseThatAppliedTheOldCommentsOfV1AndV7StillStartsAndAnyOtherChangeStillStops() {
    // as a database migrated before the comments of V1 and V7 were reworded records them
    jdbc.update("UPDATE cost.flyway_schema_history SET checksum = -2135064837 WHERE version = '1'");
    jdbc.update("UPDATE cost.flyway_schema_history SET checksum = 686060747 WHERE version = '7'");

    flyway.validate();

    assertThat(
            jdbc.queryForList(
                "SELECT checksum FROM cost.flyway_schema_history WHERE version IN ('1', '7')"
                    + " ORDER BY version",
                Integer.class))
        .containsExactly(639385179, 1082431706);
    jdbc.update("UPDATE cost.flyway_schema_history SET checksum = 12345 WHERE version = '1'");
    try {
      org.assertj.core.api.Assertions.assertThatThrownBy(flyway::validate)
          .isInstanceOf(org.flywaydb.core.api.FlywayException.class);
    } finally {
      jdbc.update("UPDATE cost.flyway_schema_history SET checksum = 639385179 WHERE version = '1'");
    }
  }

  private HttpResponse<String> postAs(String path, String body, String token) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(api().uri(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header(ServiceTokens.HEADER, token);
    }
    return api().send(request.build());
  }

  private static EventBuilder event(
      UUID id, Instant at, String provider, String model, String mode) {
    return new EventBuilder(id, at, provider, model, mode);
  }

  /** A usage event as the router writes it. */
  private static final class EventBuilder {
    private final UUID id;
    private final Instant at;
    private final String provider;
    private final String model;
    private final String mode;
    private long input;
    private long cached;
    private long write5m;
    private long write1h;
    private long output;

    EventBuilder(UUID id, Instant at, String provider, String model, String mode) {
      this.id = id;
      this.at = at;
      this.provider = provider;
      this.model = model;
      this.mode = mode;
    }

    EventBuilder tokens(long input, long cached, long write5m, long write1h, long output) {
      this.input = input;
      this.cached = cached;
      this.write5m = write5m;
      this.write1h = write1h;
      this.output = output;
      return this;
    }

    String json() {
      return """
          {"schemaVersion":1,"eventId":"%s","occurredAt":"%s","requestId":"req-%s",\
          "tenant":"acme","app":"demo-app","endUser":"u-hash","conversationId":"c1",\
          "route":"default","requestedModel":"%s","servedModel":"%s","provider":"%s",\
          "mode":"%s","inputTokens":%d,"cachedInputTokens":%d,\
          "cacheWriteTokens":{"ttl5m":%d,"ttl1h":%d},"outputTokens":%d,"reasoningTokens":0,\
          "latencyMs":420,"status":"ok","finishReason":"stop"}"""
          .formatted(
              id, at, id, model, model, provider, mode, input, cached, write5m, write1h, output);
    }
  }

  private CostHttp api() {
    return new CostHttp(port);
  }

  /**
   * Events reach the table as binary COPY rows; each value must be stored exactly as its text form,
   * the way it was stored before, would have been: instants rounded to the microsecond as the
   * server rounds a text fraction (ties to even), numerics with their scale, text in UTF-8.
   */
  @Test
  void binaryCopyRowsStoreWhatTheTextFormStores() {
    SplittableRandom random = new SplittableRandom(11);
    List<Object[]> values = new java.util.ArrayList<>();
    String[] texts = {"", "tenant-1", "quote \" and, comma", "naïve – ünïcode ✓", "emoji 🙂", null};
    String[] numbers = {
      "0", "-0.5", "1E+3", "0.000000001234", "123456789012345.123456789012", "-98765.4321000", null
    };
    for (int i = 0; i < 2_000; i++) {
      int nanos =
          switch (i % 5) {
            case 0 -> random.nextInt(1_000_000) * 1000 + 500; // a tie at the microsecond
            case 1 -> random.nextInt(1_000_000_000);
            case 2 -> 999_999_500 + random.nextInt(500); // rounds into the next second
            case 3 -> random.nextInt(1000) * 1_000_000;
            default -> 0;
          };
      Instant at =
          Instant.ofEpochSecond(
              random.nextLong(
                  Instant.parse("1950-01-01T00:00:00Z").getEpochSecond(),
                  Instant.parse("2200-01-01T00:00:00Z").getEpochSecond()),
              nanos);
      String number =
          switch (i % 3) {
            case 0 -> numbers[random.nextInt(numbers.length)];
            // Any sign, width and scale, including negative scales and values past 63 bits.
            case 1 ->
                new BigDecimal(
                        java.math.BigInteger.valueOf(random.nextLong())
                            .shiftRight(random.nextInt(64)),
                        random.nextInt(-6, 30))
                    .toString();
            default ->
                new BigDecimal(new java.math.BigInteger(90, new java.util.Random(i)), i % 25)
                    .negate()
                    .toString();
          };
      values.add(
          new Object[] {
            i,
            UUID.randomUUID(),
            at,
            random.nextInt(),
            random.nextLong(),
            texts[random.nextInt(texts.length)],
            number == null ? null : new BigDecimal(number),
            histogram(random)
          });
    }
    jdbc.execute(
        (org.springframework.jdbc.core.ConnectionCallback<Void>)
            connection -> {
              try (var statement = connection.createStatement()) {
                statement.execute(
                    "CREATE TEMP TABLE copied (k int, u uuid, t timestamptz, i int, b bigint,"
                        + " x text, n numeric, hb smallint[], hc bigint[])");
                statement.execute("CREATE TEMP TABLE typed (LIKE copied)");
              }
              BinaryCopy rows = new BinaryCopy(64);
              for (Object[] v : values) {
                rows.row(9)
                    .int4((Integer) v[0])
                    .uuid((UUID) v[1])
                    .timestamptz((Instant) v[2])
                    .int4((Integer) v[3])
                    .int8((Long) v[4])
                    .text((String) v[5])
                    .numeric((BigDecimal) v[6])
                    .sparse((long[]) v[7]);
              }
              try {
                connection
                    .unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyIn("COPY copied FROM STDIN (FORMAT binary)", rows.finish());
              } catch (java.io.IOException e) {
                throw new java.sql.SQLException(e);
              }
              try (var insert =
                  connection.prepareStatement(
                      "INSERT INTO typed VALUES (?, ?::uuid, ?::timestamptz, ?, ?, ?,"
                          + " ?::numeric, ?::smallint[], ?::bigint[])")) {
                for (Object[] v : values) {
                  insert.setInt(1, (Integer) v[0]);
                  insert.setString(2, v[1].toString());
                  insert.setString(3, Csv.instant((Instant) v[2]));
                  insert.setInt(4, (Integer) v[3]);
                  insert.setLong(5, (Long) v[4]);
                  insert.setString(6, (String) v[5]);
                  insert.setString(7, v[6] == null ? null : ((BigDecimal) v[6]).toPlainString());
                  long[] hist = (long[]) v[7];
                  java.util.StringJoiner buckets = new java.util.StringJoiner(",", "{", "}");
                  java.util.StringJoiner counts = new java.util.StringJoiner(",", "{", "}");
                  for (int b = 0; b < hist.length; b++) {
                    if (hist[b] != 0) {
                      buckets.add(Integer.toString(b));
                      counts.add(Long.toString(hist[b]));
                    }
                  }
                  insert.setString(8, buckets.toString());
                  insert.setString(9, counts.toString());
                  insert.addBatch();
                }
                insert.executeBatch();
              }
              try (var statement = connection.createStatement();
                  var differ =
                      statement.executeQuery(
                          "SELECT count(*) FROM copied c FULL JOIN typed t ON c.k = t.k"
                              + " WHERE c.k IS NULL OR t.k IS NULL"
                              + " OR (c.u, c.t, c.i, c.b, c.x, c.n::text, c.hb, c.hc)"
                              + " IS DISTINCT FROM (t.u, t.t, t.i, t.b, t.x, t.n::text, t.hb, t.hc)")) {
                differ.next();
                assertThat(differ.getLong(1))
                    .as("rows whose binary and text forms differ")
                    .isZero();
              }
              // Claims are copied in the order PostgreSQL sorts ids: the same order in every
              // transaction.
              List<UUID> sorted =
                  values.stream().map(v -> (UUID) v[1]).sorted(BinaryCopy::uuidOrder).toList();
              try (var statement = connection.createStatement();
                  var ordered = statement.executeQuery("SELECT u FROM copied ORDER BY u")) {
                List<UUID> byServer = new java.util.ArrayList<>();
                while (ordered.next()) {
                  byServer.add(ordered.getObject(1, UUID.class));
                }
                assertThat(byServer).isEqualTo(sorted);
              }
              try (var statement = connection.createStatement()) {
                statement.execute("DROP TABLE copied, typed");
              }
              return null;
            });
  }

  /** A token histogram of 88 buckets, now and then empty, otherwise a few non-zero ones. */
  private static long[] histogram(SplittableRandom random) {
    long[] hist = new long[88];
    if (random.nextInt(5) > 0) {
      for (int i = random.nextInt(1, 6); i > 0; i--) {
        hist[random.nextInt(hist.length)] = random.nextLong(1, Long.MAX_VALUE);
      }
    }
    return hist;
  }
}
