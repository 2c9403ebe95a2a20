package dev.tokenwise.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tokenwise.common.budget.SpendSettlement;
import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestServiceTokens;
import dev.tokenwise.cost.budget.TenantSpend;
import dev.tokenwise.cost.rollup.Retention;
import dev.tokenwise.cost.rollup.RollupStore;
import dev.tokenwise.cost.rollup.UncappedOutput;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The reports, the savings split, tenant spend and the quality loop over six known events whose
 * costs are worked out by hand below. Events are posted to {@code POST /api/events} (stored before
 * the response), under their own tenant and day so other ITs sharing the database do not show.
 *
 * <p>Prices (USD per million tokens, catalog 2026-02-17): GPT-5 mini 0.25 in / 0.025 cached / 2
 * out; GPT-5 nano 0.05 / 0.005 / 0.40; Claude Sonnet 4.5 3 in / 0.30 cache read / 3.75 5-minute
 * write / 15 out; batch 50% off. Amounts below in µ$ (1e-6 USD).
 *
 * <pre>
 * route support
 *   e1 sync, asked gpt-5-mini, served gpt-5-nano; in 1000, out 200 (user u1, conversation c1)
 *      baseline 1000x0.25 + 200x2 = 650; actual 1000x0.05 + 200x0.40 = 130; routing 520
 *   e2 sync gpt-5-mini; in 4000 of which 3072 cached, out 100 (u1, c2)
 *      baseline 4000x0.25 + 100x2 = 1200; actual 928x0.25 + 3072x0.025 + 100x2 = 508.8;
 *      prompt caching 3072 x (0.25 - 0.025) = 691.2
 *   e3 cache-exact gpt-5-mini; in 1000, out 200 (u2, c3): baseline 650, actual 0, cache 650
 *   e4 batch gpt-5-mini; in 2000, out 500 (u2, c3): baseline 500 + 1000 = 1500; batch 750;
 *      actual 750
 *   totals: cost 130 + 508.8 + 0 + 750 = 1388.8; baseline 650 + 1200 + 650 + 1500 = 4000
 * route extract
 *   e5 sync claude-sonnet-4-5; in 3200 (2000 read, 1000 written 5m), out 300 (u3, c4)
 *      baseline 3200x3 + 300x15 = 14100; actual 200x3 + 2000x0.30 + 1000x3.75 + 300x15 = 9450;
 *      prompt caching 2000 x 2.70 - 1000 x 0.75 = 4650
 *   e6 cache-semantic claude-sonnet-4-5; in 3200, out 300 (u3, c4): baseline 14100, cache 14100
 *   totals: cost 9450; baseline 28200
 * overall: cost 10838.8; baseline 32200; savings 21361.2 = cache 14750 + routing 520
 *          + prompt caching 5341.2 + batch 750
 * </pre>
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "tokenwise.cost.quality.min-evaluated=3",
      "tokenwise.cost.quality.routes.support.regression-budget=0.25",
      "tokenwise.cost.quality.refresh-interval=1h",
      "tokenwise.cost.budget.refresh-interval=1h",
      // Per-route gauges over a window reaching back to this test's days.
      "tokenwise.cost.metrics.gauge-window=3650d",
      "tokenwise.cost.metrics.gauge-refresh=500ms",
      "tokenwise.cost.output-cap.min-requests=2",
      "tokenwise.cost.output-cap.refresh-interval=1h"
    })
@RealServers
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReportsIT {

  /** The report credential the tests' configuration sets ({@code tokenwise.cost.report-token}). */
  private static final String READER = CostHttp.READER;

  private static final String TENANT = "reports-it";
  private static final String DAY = "2026-07-01";
  private static final String WINDOW = "from=2026-07-01T00:00:00Z&to=2026-07-02T00:00:00Z";

  @LocalServerPort int port;
  @Autowired JsonMapper json;
  @Autowired StringRedisTemplate redis;
  @Autowired TenantSpend spend;
  @Autowired JdbcTemplate jdbc;
  @Autowired Retention retention;
  @Autowired RollupStore rollups;
  @Autowired UncappedOutput uncappedOutput;

  private final String run = UUID.randomUUID().toString().substring(0, 8);

  @BeforeAll
  void storeTheSixEvents() {
    String body =
        "["
            + String.join(
                ",",
                event(
                    "e1",
                    "10:01",
                    "support",
                    "gpt-5-mini",
                    "gpt-5-nano",
                    "sync",
                    1000,
                    0,
                    0,
                    200,
                    "u1",
                    "c1"),
                event(
                    "e2",
                    "10:02",
                    "support",
                    "gpt-5-mini",
                    "gpt-5-mini",
                    "sync",
                    4000,
                    3072,
                    0,
                    100,
                    "u1",
                    "c2"),
                event(
                    "e3",
                    "10:03",
                    "support",
                    "gpt-5-mini",
                    "gpt-5-mini",
                    "cache-exact",
                    1000,
                    0,
                    0,
                    200,
                    "u2",
                    "c3"),
                event(
                    "e4",
                    "11:04",
                    "support",
                    "gpt-5-mini",
                    "gpt-5-mini",
                    "batch",
                    2000,
                    0,
                    0,
                    500,
                    "u2",
                    "c3"),
                event(
                    "e5",
                    "11:05",
                    "extract",
                    "claude-sonnet-4-5",
                    "claude-sonnet-4-5",
                    "sync",
                    3200,
                    2000,
                    1000,
                    300,
                    "u3",
                    "c4"),
                event(
                    "e6",
                    "12:06",
                    "extract",
                    "claude-sonnet-4-5",
                    "claude-sonnet-4-5",
                    "cache-semantic",
                    3200,
                    0,
                    0,
                    300,
                    "u3",
                    "c4"))
            + "]";
    HttpResponse<String> response = api().postAsAdmin("/api/events", body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(json.readTree(response.body()).get("stored").asInt()).isEqualTo(6);
  }

  @Test
  void costPerRequestByRouteAndModel() {
    JsonNode report = report("cost-per-request");
    // 10838.8 / 6 = 1806.4666.. µ$
    assertMoney(report.at("/overall/costPerRequestUsd"), "0.0018064667");
    assertThat(report.at("/overall/requests").asLong()).isEqualTo(6);
    Map<String, JsonNode> rows = rows(report.get("rows"), "route", "model");
    assertThat(rows)
        .containsOnlyKeys("support/gpt-5-nano", "support/gpt-5-mini", "extract/claude-sonnet-4-5");
    // e1 alone: 130 µ$
    assertMoney(rows.get("support/gpt-5-nano").get("costPerRequestUsd"), "0.00013");
    // e2 + e3 + e4: (508.8 + 0 + 750) / 3 = 419.6; baseline (1200 + 650 + 1500) / 3 = 1116.67
    assertMoney(rows.get("support/gpt-5-mini").get("costPerRequestUsd"), "0.0004196");
    assertMoney(rows.get("support/gpt-5-mini").get("baselinePerRequestUsd"), "0.0011166667");
    // (9450 + 0) / 2 = 4725
    assertMoney(rows.get("extract/claude-sonnet-4-5").get("costPerRequestUsd"), "0.004725");
  }

  /**
   * No report is anonymous. Each read below is refused with the right status, and a router token
   * for one tenant reads that tenant's numbers and no other's.
   */
  @Test
  void readingReportsNeedsACredentialAndATenantTokenReadsOnlyItsTenant() {
    String costs = "/api/reports/cost-per-request?" + WINDOW;
    String router = ServiceTokens.ROUTER;
    String cost = ServiceTokens.COST;
    record Case(String name, String path, String header, String value, int status) {}
    List<Case> cases =
        List.of(
            new Case("no credential", costs, null, null, 401),
            new Case("wrong bearer token", costs, "Authorization", "Bearer not-the-token", 401),
            new Case("forged service token", costs, ServiceTokens.HEADER, "tw1.forged", 401),
            new Case(
                "batch-service's token",
                costs,
                ServiceTokens.HEADER,
                TestServiceTokens.token(ServiceTokens.BATCH, cost, TENANT),
                403),
            new Case(
                "a router token for another tenant naming this one",
                costs + "&tenant=" + TENANT,
                ServiceTokens.HEADER,
                TestServiceTokens.token(router, cost, "someone-else"),
                403),
            new Case(
                "a one-tenant token on the all-tenant usage summary",
                "/api/usage/summary?" + WINDOW,
                ServiceTokens.HEADER,
                TestServiceTokens.token(router, cost, TENANT),
                403),
            new Case(
                "a one-tenant token on route advice",
                "/api/quality/routes",
                ServiceTokens.HEADER,
                TestServiceTokens.token(router, cost, TENANT),
                403),
            new Case(
                "a token minted for another service",
                costs,
                ServiceTokens.HEADER,
                TestServiceTokens.token(router, ServiceTokens.CACHE, ServiceTokens.ANY_TENANT),
                401),
            new Case(
                "the report token on a write", "/api/admin/reprice", "Authorization", READER, 401));
    int refused = 0;
    for (Case c : cases) {
      HttpRequest.Builder request = HttpRequest.newBuilder(api().uri(c.path()));
      if (c.header() != null) {
        request.header(c.header(), c.value());
      }
      HttpRequest built =
          c.path().startsWith("/api/admin/")
              ? request
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString("{}"))
                  .build()
              : request.GET().build();
      HttpResponse<String> response = api().send(built);
      assertThat(response.statusCode()).as(c.name() + ": " + response.body()).isEqualTo(c.status());
      refused++;
    }
    System.out.println("[reports] adversarial cases: " + cases.size() + ", refused: " + refused);

    // a router token for this tenant: the tenant's own six requests, with or without naming it
    for (String path : List.of(costs, costs + "&tenant=" + TENANT)) {
      HttpResponse<String> own =
          api()
              .send(
                  HttpRequest.newBuilder(api().uri(path))
                      .header(ServiceTokens.HEADER, TestServiceTokens.token(router, cost, TENANT))
                      .GET()
                      .build());
      assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
      assertThat(json.readTree(own.body()).at("/overall/requests").asLong()).isEqualTo(6);
    }
    // another tenant's token sees none of them
    HttpResponse<String> other =
        api()
            .send(
                HttpRequest.newBuilder(api().uri(costs))
                    .header(
                        ServiceTokens.HEADER, TestServiceTokens.token(router, cost, "someone-else"))
                    .GET()
                    .build());
    assertThat(other.statusCode()).as(other.body()).isEqualTo(200);
    assertThat(json.readTree(other.body()).at("/overall/requests").asLong()).isZero();
    // the admin token and the router's every-tenant token read the rest
    for (String[] reader :
        new String[][] {
          {"Authorization", "Bearer test-only-admin-token"},
          {ServiceTokens.HEADER, TestServiceTokens.token(router, cost, ServiceTokens.ANY_TENANT)}
        }) {
      HttpResponse<String> read =
          api()
              .send(
                  HttpRequest.newBuilder(api().uri("/api/usage/summary?" + WINDOW))
                      .header(reader[0], reader[1])
                      .GET()
                      .build());
      assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
    }
  }

  @Test
  void tokensPerRequestWithPercentilesAndInputSplit() {
    JsonNode support = rows(report("tokens-per-request").get("routes"), "route").get("support");
    // inputs 1000, 4000, 1000, 2000: mean 2000; cache reads 3072 / 4 = 768; uncached 4928 / 4
    assertThat(support.at("/input/mean").asDouble()).isEqualTo(2000.0);
    assertThat(support.at("/input/cacheReadMean").asDouble()).isEqualTo(768.0);
    assertThat(support.at("/input/uncachedMean").asDouble()).isEqualTo(1232.0);
    assertThat(support.at("/input/cacheWriteMean").asDouble()).isEqualTo(0.0);
    // p50 is the 2nd of 4 sorted (1000), p95 the 4th (4000): read from the buckets that hold
    // them, [2^(39/4), 2^10) = [861, 1024) and [2^(47/4), 2^12) = [3444, 4096).
    assertThat(support.at("/input/p50").asDouble()).isBetween(861.0, 1024.0);
    assertThat(support.at("/input/p95").asDouble()).isBetween(3444.0, 4096.0);
    // outputs 200, 100, 200, 500: mean 250
    assertThat(support.at("/output/mean").asDouble()).isEqualTo(250.0);
  }

  @Test
  void cacheHitRatesForResponseAndPromptCache() {
    Map<String, JsonNode> routes = rows(report("cache-hit-rate").get("routes"), "route");
    // support: 1 exact hit of 4; provider input 1000 + 4000 + 2000 = 7000, 3072 read
    assertThat(routes.get("support").get("responseCacheHitRate").asDouble()).isEqualTo(0.25);
    assertThat(routes.get("support").get("exactHits").asLong()).isEqualTo(1);
    assertThat(routes.get("support").at("/promptCache/readShare").asDouble())
        .isCloseTo(3072.0 / 7000, within(1e-6));
    // extract: 1 semantic hit of 2; provider input 3200: 2000 read (0.625), 1000 written
    assertThat(routes.get("extract").get("semanticHitRate").asDouble()).isEqualTo(0.5);
    assertThat(routes.get("extract").at("/promptCache/readShare").asDouble()).isEqualTo(0.625);
    assertThat(routes.get("extract").at("/promptCache/writeShare").asDouble()).isEqualTo(0.3125);
  }

  @Test
  void costPerActiveUserAndConversation() {
    JsonNode report = report("cost-per-user");
    // overall: users u1 u2 u3, conversations c1..c4; 10838.8 / 3 and / 4
    assertThat(report.at("/overall/activeUsers").asLong()).isEqualTo(3);
    assertThat(report.at("/overall/conversations").asLong()).isEqualTo(4);
    assertMoney(report.at("/overall/costPerActiveUserUsd"), "0.0036129333");
    assertMoney(report.at("/overall/costPerConversationUsd"), "0.0027097");
    // support: u1 u2 and c1 c2 c3; 1388.8 / 2 = 694.4 and 1388.8 / 3 = 462.933..
    JsonNode support = rows(report.get("routes"), "route").get("support");
    assertThat(support.get("activeUsers").asLong()).isEqualTo(2);
    assertMoney(support.get("costPerActiveUserUsd"), "0.0006944");
    assertMoney(support.get("costPerConversationUsd"), "0.0004629333");
  }

  @Test
  void savingsSplitByTacticPerRouteAndOverall() {
    JsonNode report = report("savings");
    assertMoney(report.at("/overall/baselineUsd"), "0.0322");
    assertMoney(report.at("/overall/costUsd"), "0.0108388");
    assertMoney(report.at("/overall/savingsUsd"), "0.0213612");
    assertMoney(report.at("/overall/byTactic/cache"), "0.01475");
    assertMoney(report.at("/overall/byTactic/routing"), "0.00052");
    assertMoney(report.at("/overall/byTactic/promptCaching"), "0.0053412");
    assertMoney(report.at("/overall/byTactic/batch"), "0.00075");
    assertMoney(report.at("/overall/byTactic/outputCap"), "0");
    JsonNode support = rows(report.get("routes"), "route").get("support");
    // 4000 - 1388.8 = 2611.2 = 520 + 691.2 + 650 + 750
    assertMoney(support.get("savingsUsd"), "0.0026112");
    assertMoney(support.at("/byTactic/routing"), "0.00052");
    assertMoney(support.at("/byTactic/promptCaching"), "0.0006912");
    assertMoney(support.at("/byTactic/cache"), "0.00065");
    assertMoney(support.at("/byTactic/batch"), "0.00075");
    // filters: one model only (e1)
    JsonNode nano = report("savings", "&model=gpt-5-nano");
    assertMoney(nano.at("/overall/savingsUsd"), "0.00052");
  }

  @Test
  void overviewHoldsTheOverallRowOfEveryReport() {
    JsonNode overview = report("overview");
    assertMoney(overview.at("/savings/savingsUsd"), "0.0213612");
    assertMoney(overview.at("/costPerRequest/costPerRequestUsd"), "0.0018064667");
    // 2 cache hits of 6 requests
    assertThat(overview.at("/cacheHitRate/responseCacheHitRate").asDouble())
        .isCloseTo(2.0 / 6, within(1e-6));
    assertThat(overview.at("/costPerUser/activeUsers").asLong()).isEqualTo(3);
  }

  @Test
  void tenantSpendIsKeptInRedis() {
    String key = "tokenwise:budget:spend:" + TENANT + ":2026-07";
    // Incremented after the commit: 10838.8 µ$ (INCRBYFLOAT, so compared with a tolerance).
    assertThat(new BigDecimal(redis.opsForValue().get(key)).doubleValue())
        .isCloseTo(0.0108388, within(1e-12));
    // Recomputed from the rollups: the exact decimal.
    spend.refresh(YearMonth.of(2026, 7));
    assertThat(redis.opsForValue().get(key)).isEqualTo("0.0108388");
  }

  /**
   * Every stored event is settled for the router's budgets on the settlement stream, with its
   * tenant, the UTC month it occurred in and its recorded cost: together what the tenant spent.
   */
  @Test
  void everyStoredEventIsSettledForTheRouter() {
    Map<String, SpendSettlement> settled = new java.util.LinkedHashMap<>();
    for (var entry :
        redis
            .opsForStream()
            .range(SpendSettlement.STREAM_KEY, org.springframework.data.domain.Range.unbounded())) {
      Map<String, String> fields = new java.util.LinkedHashMap<>();
      entry.getValue().forEach((k, v) -> fields.put((String) k, (String) v));
      for (SpendSettlement settlement : SpendSettlement.fromEntry(fields)) {
        if (settlement.tenant().equals(TENANT)) {
          settled.putIfAbsent(settlement.requestId(), settlement);
        }
      }
    }
    assertThat(settled)
        .containsKeys(
            requestId("e1"),
            requestId("e2"),
            requestId("e3"),
            requestId("e4"),
            requestId("e5"),
            requestId("e6"));
    assertThat(settled.values()).allMatch(s -> s.month().equals(YearMonth.of(2026, 7)));
    BigDecimal total =
        settled.values().stream()
            .map(SpendSettlement::costUsd)
            .filter(java.util.Objects::nonNull)
            .reduce(BigDecimal.ZERO, BigDecimal::add);
    assertThat(total).isEqualByComparingTo("0.0108388");
  }

  @Test
  void feedbackPushingARouteOverItsBudgetFlipsItsAdvice() {
    // Budget 0.25 for support, at least 3 evaluated requests.
    assertThat(feedback("e1", "good").at("/advice/tighten").asBoolean()).isFalse();
    // Two of two bad would be a rate of 1.0, but two requests are too few to judge.
    JsonNode second = feedback("e2", "bad");
    assertThat(second.at("/advice/tighten").asBoolean()).isFalse();
    assertThat(second.at("/advice/evaluated").asLong()).isEqualTo(2);
    // 1 bad of 3 = 0.333 > 0.25: tighten.
    JsonNode third = feedback("e3", "good");
    assertThat(third.at("/advice/regressionRate").asDouble()).isCloseTo(1.0 / 3, within(1e-9));
    assertThat(third.at("/advice/tighten").asBoolean()).isTrue();
    JsonNode published = advice("support");
    assertThat(published.get("tighten").asBoolean()).isTrue();
    assertThat(published.get("budget").asDouble()).isEqualTo(0.25);
    // common's RouteAdvice as JSON: the window as an ISO-8601 duration.
    assertThat(published.get("window").asString()).isEqualTo("PT168H");
    assertThat(api().get("/actuator/prometheus").body())
        .contains(
            "tokenwise_quality_budget_exceeded{application=\"cost-service\",route=\"support\"} 1.0");
    // A good shadow evaluation of e4: 1 bad of 4 = 0.25, not over the budget: advice withdrawn.
    HttpResponse<String> shadow =
        api()
            .postAsAdmin(
                "/api/quality/shadow",
                """
            {"requestId":"%s","route":"support","similarity":0.93,"judge":"embedding-similarity"}"""
                    .formatted(requestId("e4")));
    assertThat(shadow.statusCode()).as(shadow.body()).isEqualTo(200);
    assertThat(json.readTree(shadow.body()).at("/advice/tighten").asBoolean()).isFalse();
    Map<String, JsonNode> routes =
        rows(json.readTree(api().get("/api/quality/routes").body()), "route");
    assertThat(routes.get("support").get("tighten").asBoolean()).isFalse();
    // The fifth metric in the report window.
    JsonNode quality =
        rows(
                json.readTree(
                        api()
                            .get(
                                "/api/reports/quality?from=2026-01-01T00:00:00Z&to=2099-01-01T00:00:00Z"
                                    + "&route=support&tenant="
                                    + TENANT)
                            .body())
                    .get("routes"),
                "route")
            .get("support");
    assertThat(quality.get("evaluated").asLong()).isEqualTo(4);
    assertThat(quality.get("regressionRate").asDouble()).isEqualTo(0.25);
  }

  @Test
  void rejectsBadFeedbackAndHidesOtherTenantsRequests() {
    HttpResponse<String> badVerdict =
        api()
            .postAsAdmin(
                "/api/feedback",
                """
            {"requestId":"%s","verdict":"meh","tenant":"%s"}"""
                    .formatted(requestId("e5"), TENANT));
    assertThat(badVerdict.statusCode()).isEqualTo(400);
    assertThat(json.readTree(badVerdict.body()).get("field").asString()).isEqualTo("verdict");
    HttpResponse<String> otherTenant =
        api()
            .postAsAdmin(
                "/api/feedback",
                """
            {"requestId":"%s","verdict":"bad","tenant":"someone-else"}"""
                    .formatted(requestId("e5")));
    assertThat(otherTenant.statusCode()).isEqualTo(404);
    HttpResponse<String> notYetIngested =
        api()
            .postAsAdmin(
                "/api/feedback",
                """
            {"requestId":"not-ingested-%s","verdict":"bad","tenant":"%s"}"""
                    .formatted(run, TENANT));
    assertThat(notYetIngested.statusCode()).isEqualTo(202);
    assertThat(json.readTree(notYetIngested.body()).get("status").asString()).isEqualTo("pending");
  }

  @Test
  void reportsAreDescribedByOpenApi() {
    HttpResponse<String> docs = api().get("/v3/api-docs");
    assertThat(docs.statusCode()).isEqualTo(200);
    JsonNode paths = json.readTree(docs.body()).get("paths");
    assertThat(paths.has("/api/reports/cost-per-request")).isTrue();
    assertThat(paths.has("/api/reports/savings")).isTrue();
    assertThat(paths.has("/api/reports/quality")).isTrue();
    assertThat(paths.has("/api/feedback")).isTrue();
  }

  @Test
  void repricingAnIntervalIsAuditedAndCorrectsEventsRollupsAndSpend() {
    // gpt-5-mini sync, 1000 in, 100 out: 1000 x 0.25 + 100 x 2 = 450 µ$.
    String tenant = "reprice-it-" + run;
    api()
        .postAsAdmin(
            "/api/events",
            event(
                "r1",
                tenant,
                "2026-08-03T09:00",
                "chat",
                "gpt-5-mini",
                "gpt-5-mini",
                "sync",
                1000,
                0,
                0,
                100,
                "u9",
                "c9"));
    // A catalog error at ingest time priced it at 900 µ$: what a correction has to undo.
    jdbc.update(
        "UPDATE cost.usage_event SET cost_usd = 0.0009, catalog_version = 'wrong' WHERE tenant = ?",
        tenant);
    rollups.foldPending();
    jdbc.update(
        "UPDATE cost.usage_rollup SET cost_usd = cost_usd + 0.00045 WHERE tenant = ?", tenant);

    HttpResponse<String> response =
        api()
            .postAsAdmin(
                "/api/admin/reprice",
                """
            {"from":"2026-08-03T09:00:00Z","to":"2026-08-03T10:00:00Z",\
            "reason":"gpt-5-mini output price corrected","requestedBy":"it"}""");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode result = json.readTree(response.body());
    assertThat(result.get("eventsChanged").asLong()).isEqualTo(1);
    assertMoney(result.get("costBeforeUsd"), "0.0009");
    assertMoney(result.get("costAfterUsd"), "0.00045");
    assertMoney(result.get("costDeltaUsd"), "-0.00045");
    assertThat(
            jdbc.queryForObject(
                "SELECT reason FROM cost.reprice_audit WHERE id = ?",
                String.class,
                result.get("auditId").asLong()))
        .isEqualTo("gpt-5-mini output price corrected");
    JsonNode savings =
        json.readTree(
            api()
                .get(
                    "/api/reports/savings?from=2026-08-03T00:00:00Z&to=2026-08-04T00:00:00Z&tenant="
                        + tenant)
                .body());
    assertMoney(savings.at("/overall/costUsd"), "0.00045");
    assertThat(redis.opsForValue().get("tokenwise:budget:spend:" + tenant + ":2026-08"))
        .isEqualTo("0.00045");
    // Nothing left to correct: a second run changes nothing.
    HttpResponse<String> again =
        api()
            .postAsAdmin(
                "/api/admin/reprice",
                """
            {"from":"2026-08-03T09:00:00Z","to":"2026-08-03T10:00:00Z","reason":"check"}""");
    assertThat(json.readTree(again.body()).get("eventsChanged").asLong()).isZero();
    HttpResponse<String> noAdmin =
        api()
            .send(
                HttpRequest.newBuilder(api().uri("/api/admin/reprice"))
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"from\":\"2026-08-03T09:00:00Z\",\"to\":\"2026-08-03T10:00:00Z\","
                                + "\"reason\":\"forged\"}"))
                    .build());
    assertThat(noAdmin.statusCode()).isEqualTo(401);
    assertThat(json.readTree(noAdmin.body()).path("code").asString())
        .isEqualTo("admin_unauthorized");
    HttpResponse<String> noReason =
        api()
            .postAsAdmin(
                "/api/admin/reprice",
                """
            {"from":"2026-08-03T09:00:00Z","to":"2026-08-03T10:00:00Z"}""");
    assertThat(noReason.statusCode()).isEqualTo(400);
  }

  @Test
  void weeklyReportFlagsAPromptCacheDropAndACostPerRequestJump() {
    String tenant = "weekly-it-" + run;
    // Week of 22 June: 2000 in with 1024 cached, 100 out: 976 x 0.25 + 1024 x 0.025 + 100 x 2
    // = 469.6 µ$ each; prompt-cache read share 1024 / 2000 = 0.512.
    // Week of 29 June: nothing cached: 2000 x 0.25 + 200 = 700 µ$ each (+49%), share 0.
    api()
        .postAsAdmin(
            "/api/events",
            "["
                + String.join(
                    ",",
                    event(
                        "w1",
                        tenant,
                        "2026-06-23T10:00",
                        "chat",
                        "gpt-5-mini",
                        "gpt-5-mini",
                        "sync",
                        2000,
                        1024,
                        0,
                        100,
                        "u1",
                        "c1"),
                    event(
                        "w2",
                        tenant,
                        "2026-06-24T10:00",
                        "chat",
                        "gpt-5-mini",
                        "gpt-5-mini",
                        "sync",
                        2000,
                        1024,
                        0,
                        100,
                        "u1",
                        "c1"),
                    event(
                        "w3",
                        tenant,
                        "2026-06-30T10:00",
                        "chat",
                        "gpt-5-mini",
                        "gpt-5-mini",
                        "sync",
                        2000,
                        0,
                        0,
                        100,
                        "u1",
                        "c1"),
                    event(
                        "w4",
                        tenant,
                        "2026-07-01T10:00",
                        "chat",
                        "gpt-5-mini",
                        "gpt-5-mini",
                        "sync",
                        2000,
                        0,
                        0,
                        100,
                        "u1",
                        "c1"))
                + "]");

    HttpResponse<String> response =
        api().get("/api/reports/weekly?week=2026-07-02&tenant=" + tenant);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode report = json.readTree(response.body());
    assertThat(report.get("week").asString()).isEqualTo("2026-06-29");
    JsonNode chat = rows(report.get("routes"), "route").get("chat");
    assertMoney(chat.at("/metrics/costPerRequestUsd/current"), "0.0007");
    assertMoney(chat.at("/metrics/costPerRequestUsd/previous"), "0.0004696");
    assertThat(chat.at("/metrics/costPerRequestUsd/change").asDouble())
        .isCloseTo((700 - 469.6) / 469.6, within(1e-6));
    assertThat(chat.at("/metrics/promptCacheReadShare/previous").asDouble()).isEqualTo(0.512);
    List<String> flagged = new java.util.ArrayList<>();
    chat.get("flags").forEach(f -> flagged.add(f.get("metric").asString()));
    assertThat(flagged).containsExactlyInAnyOrder("promptCacheReadShare", "costPerRequestUsd");
  }

  @Test
  void retentionDropsOldMonthsAndRollups() {
    String tenant = "retention-it-" + run;
    jdbc.queryForObject("SELECT cost.ensure_usage_event_partition('2018-01-01')", Boolean.class);
    api()
        .postAsAdmin(
            "/api/events",
            event(
                "old",
                tenant,
                "2018-01-15T10:00",
                "chat",
                "gpt-5-mini",
                "gpt-5-mini",
                "sync",
                1000,
                0,
                0,
                100,
                "u1",
                "c1"));
    Instant cutoff = Instant.parse("2018-06-01T00:00:00Z");

    Retention.Removed removed = retention.apply(cutoff, cutoff, cutoff, cutoff);

    assertThat(removed.partitions()).contains("usage_event_2018_01");
    assertThat(removed.partitions()).noneMatch(p -> p.compareTo("usage_event_2018_06") >= 0);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM cost.usage_rollup WHERE tenant = ?", Long.class, tenant))
        .isZero();
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM cost.usage_actor_hour WHERE tenant = ?", Long.class, tenant))
        .as("the old hour's user and conversation rows")
        .isZero();
    assertThat(api().get("/actuator/prometheus").body())
        .contains(
            "tokenwise_cost_per_active_user_usd{application=\"cost-service\",route=\"support\"}");
  }

  @Test
  void outputCapSavingIsEstimatedAgainstTheRoutesUncappedOutput() {
    String tenant = "cap-it-" + run;
    String route = "capped-" + run;
    Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
    String minute = now.toString().substring(0, 16);
    // Two uncapped answers on the route: 1000 and 1400 output tokens, a measured mean of 1200.
    api()
        .postAsAdmin(
            "/api/events",
            "["
                + String.join(
                    ",",
                    event(
                        "u1",
                        tenant,
                        minute,
                        route,
                        "gpt-5-mini",
                        "gpt-5-mini",
                        "sync",
                        1000,
                        0,
                        0,
                        1000,
                        "u1",
                        "c1"),
                    event(
                        "u2",
                        tenant,
                        minute,
                        route,
                        "gpt-5-mini",
                        "gpt-5-mini",
                        "sync",
                        1000,
                        0,
                        0,
                        1400,
                        "u1",
                        "c1"))
                + "]");
    uncappedOutput.refresh();
    // Tokenwise capped this one at 300 (the client set no limit) and it wrote 300 tokens:
    // output cap = (1200 - 300) x 2 = 1800 µ$, added to its baseline (250 + 600 + 1800 = 2650 µ$).
    api()
        .postAsAdmin(
            "/api/events",
            event(
                    "c1",
                    tenant,
                    minute,
                    route,
                    "gpt-5-mini",
                    "gpt-5-mini",
                    "sync",
                    1000,
                    0,
                    0,
                    300,
                    "u1",
                    "c1")
                .replace("\"latencyMs\"", "\"appliedMaxTokens\":300,\"latencyMs\""));

    String hour = now.truncatedTo(java.time.temporal.ChronoUnit.HOURS).toString();
    JsonNode savings =
        json.readTree(
            api()
                .get(
                    "/api/reports/savings?from="
                        + hour
                        + "&to="
                        + Instant.parse(hour).plusSeconds(3600)
                        + "&tenant="
                        + tenant)
                .body());
    assertMoney(savings.at("/overall/byTactic/outputCap"), "0.0018");
    assertThat(
            jdbc.queryForObject(
                "SELECT uncapped_output_estimate FROM cost.usage_event WHERE request_id = ?",
                Long.class,
                requestId("c1")))
        .isEqualTo(1200L);
  }

  // --- helpers ---

  private JsonNode feedback(String event, String verdict) {
    HttpResponse<String> response =
        api()
            .postAsAdmin(
                "/api/feedback",
                """
            {"requestId":"%s","verdict":"%s","tenant":"%s"}"""
                    .formatted(requestId(event), verdict, TENANT));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json.readTree(response.body());
  }

  private String requestId(String event) {
    return "req-" + run + "-" + event;
  }

  private JsonNode report(String name) {
    return report(name, "");
  }

  private JsonNode report(String name, String extra) {
    HttpResponse<String> response =
        api().get("/api/reports/" + name + "?" + WINDOW + "&tenant=" + TENANT + extra);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json.readTree(response.body());
  }

  private static Map<String, JsonNode> rows(JsonNode array, String... keys) {
    Map<String, JsonNode> rows = new java.util.LinkedHashMap<>();
    array.forEach(
        row -> {
          StringBuilder key = new StringBuilder();
          for (String k : keys) {
            key.append(key.isEmpty() ? "" : "/").append(row.get(k).asString());
          }
          rows.put(key.toString(), row);
        });
    return rows;
  }

  private static void assertMoney(JsonNode actual, String expected) {
    assertThat(actual.isString()).as("money is a JSON string: %s", actual).isTrue();
    assertThat(new BigDecimal(actual.asString())).isEqualByComparingTo(expected);
  }

  private String event(
      String name,
      String time,
      String route,
      String requested,
      String served,
      String mode,
      long input,
      long cached,
      long write5m,
      long output,
      String user,
      String conversation) {
    return event(
        name,
        TENANT,
        DAY + "T" + time,
        route,
        requested,
        served,
        mode,
        input,
        cached,
        write5m,
        output,
        user,
        conversation);
  }

  private String event(
      String name,
      String tenant,
      String minute,
      String route,
      String requested,
      String served,
      String mode,
      long input,
      long cached,
      long write5m,
      long output,
      String user,
      String conversation) {
    return """
        {"schemaVersion":1,"eventId":"%s","occurredAt":"%s:00Z","requestId":"%s",\
        "tenant":"%s","app":"reports-app","endUser":"%s","conversationId":"%s","route":"%s",\
        "requestedModel":"%s","servedModel":"%s","provider":"%s","mode":"%s",\
        "inputTokens":%d,"cachedInputTokens":%d,"cacheWriteTokens":{"ttl5m":%d,"ttl1h":0},\
        "outputTokens":%d,"reasoningTokens":0,"latencyMs":300,"status":"ok","finishReason":"stop"}"""
        .formatted(
            UUID.randomUUID(),
            minute,
            requestId(name),
            tenant,
            user,
            conversation,
            route,
            requested,
            served,
            served.startsWith("gpt") ? "openai" : "anthropic",
            mode,
            input,
            cached,
            write5m,
            output);
  }

  /** The route's advice as the router reads it: {@code GET /api/quality/routes}. */
  private JsonNode advice(String route) {
    for (JsonNode advice : json.readTree(api().get("/api/quality/routes").body())) {
      if (route.equals(advice.path("route").asString())) {
        return advice;
      }
    }
    throw new AssertionError("no advice for route " + route);
  }

  private CostHttp api() {
    return new CostHttp(port);
  }
}
