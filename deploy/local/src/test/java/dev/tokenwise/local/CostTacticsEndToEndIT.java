package dev.tokenwise.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.tokenwise.common.pricing.PriceCatalogs;
import dev.tokenwise.common.pricing.Rates;
import dev.tokenwise.common.tokens.TokenEstimator;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Each of the router's cost tactics end to end, with its saving read back from cost-service: the
 * launcher's {@link Suite} (real Redis and PostgreSQL, the provider simulator with its prompt-cache
 * emulation and batch API, all four services), requests over HTTP to the router, and cost-service's
 * {@code /api/reports/savings} and {@code /api/reports/cache-hit-rate} per route. Every tactic has
 * its own route, so the tests do not read each other's figures.
 */
class CostTacticsEndToEndIT {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Instant SUITE_STARTED = Instant.now();
  private static final Duration PATIENCE = Duration.ofMinutes(3);

  /** A tenant with a budget that fits about five of its dearest answers, for the burst. */
  private static final DemoTenant BURSTING = DemoTenant.generate("bursting");

  /** A tenant with a budget that fits two deferred requests' worst cases. */
  private static final DemoTenant DEFERRING = DemoTenant.generate("deferring");

  private static final BigDecimal BURST_CAP = new BigDecimal("0.02");
  private static final BigDecimal DEFERRED_CAP = new BigDecimal("0.002");

  /** The output an uncapped request of a budgeted tenant is reserved for. */
  private static final int UNCAPPED_CEILING = 400;

  private static Suite suite;
  private static HttpClient http;

  @BeforeAll
  static void startSuite() {
    suite =
        new Suite(
            TestSuites.withQuickBatches(TestSuites.simulatorOnly("tactics"))
                .withProperty(Service.ROUTER, "tokenwise.router.cache.timeout", "10s")
                // routing: tokenwise/auto picks gpt-5-nano or gpt-5; the baseline is gpt-5
                .withProperty(
                    Service.ROUTER, "tokenwise.router.routes.tiered.tiers[0]", "gpt-5-nano")
                .withProperty(Service.ROUTER, "tokenwise.router.routes.tiered.tiers[1]", "gpt-5")
                // prompt caching: the lint's safe fix and OpenAI's prompt_cache_key
                .withProperty(
                    Service.ROUTER, "tokenwise.router.routes.chat.prompt-cache.fix-order", "true")
                .withProperty(Service.ROUTER, "tokenwise.router.routes.chat.cache.enabled", "false")
                // output cap: 8 tokens injected when the client sets none
                .withProperty(
                    Service.ROUTER, "tokenwise.router.routes.capped.output.default-max-tokens", "8")
                .withProperty(
                    Service.ROUTER, "tokenwise.router.routes.capped.output.max-tokens", "4000")
                // batch: every request of the route is deferred to batch-service
                .withProperty(Service.ROUTER, "tokenwise.router.routes.later.mode", "deferred")
                // every request here is new to the response cache; no paraphrase may answer one
                .withProperty(
                    Service.ROUTER, "tokenwise.router.routes.tiered.cache.enabled", "false")
                .withProperty(
                    Service.ROUTER, "tokenwise.router.routes.capped.cache.enabled", "false")
                .withProperty(
                    Service.ROUTER, "tokenwise.router.routes.later.cache.enabled", "false")
                // the output-cap estimate needs the route's uncapped output length: 3 requests
                .withProperty(Service.COST, "tokenwise.cost.output-cap.min-requests", "3")
                .withProperty(Service.COST, "tokenwise.cost.output-cap.refresh-interval", "1s")
                // budgets: two tenants of their own, a route whose first model fails over to a
                // pricier one
                .withProperty(Service.ROUTER, "tokenwise.router.tenants[2].id", BURSTING.id())
                .withProperty(
                    Service.ROUTER, "tokenwise.router.tenants[2].key-hashes[0]", BURSTING.keyHash())
                .withProperty(
                    Service.ROUTER,
                    "tokenwise.router.budgets.tenants.bursting.hard-usd",
                    BURST_CAP.toPlainString())
                .withProperty(
                    Service.ROUTER,
                    "tokenwise.router.budgets.tenants.bursting.when-redis-down",
                    "closed")
                .withProperty(Service.ROUTER, "tokenwise.router.tenants[3].id", DEFERRING.id())
                .withProperty(
                    Service.ROUTER,
                    "tokenwise.router.tenants[3].key-hashes[0]",
                    DEFERRING.keyHash())
                .withProperty(
                    Service.ROUTER,
                    "tokenwise.router.budgets.tenants.deferring.hard-usd",
                    DEFERRED_CAP.toPlainString())
                .withProperty(
                    Service.ROUTER,
                    "tokenwise.router.budgets.default-max-output-tokens",
                    String.valueOf(UNCAPPED_CEILING))
                .withProperty(
                    Service.ROUTER, "tokenwise.router.routes.burst.fallbacks[0]", "gpt-4.1")
                .withProperty(
                    Service.ROUTER, "tokenwise.router.routes.burst.cache.enabled", "false")
                .withProgress(line -> System.out.println("[suite] " + line)));
    suite.start();
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void stopSuite() {
    if (suite != null) {
      suite.stop();
    }
  }

  @Test
  void aRoutedDownRequestShowsARoutingSaving() throws Exception {
    HttpResponse<String> response =
        post(
            "tiered",
            Map.of(),
            chat("tokenwise/auto", "Say hi. (" + UUID.randomUUID() + ")", null));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("Tokenwise-Model")).hasValue("gpt-5-nano");
    assertThat(response.headers().firstValue("Tokenwise-Tier"))
        .hasValueSatisfying(tier -> assertThat(tier).startsWith("0 ("));
    JsonNode row = awaitSavings("tiered", 1);
    assertThat(money(row.path("byTactic").path("routing"))).isPositive();
    assertThat(money(row.path("savingsUsd"))).isPositive();
    System.out.println("[tactics] routing: " + row);
  }

  /**
   * The prompt-caching test through the whole suite: a 50-turn conversation with a
   * 3,000-token system prompt sent the naive way (the system prompt after the first user message, a
   * fresh timestamp in it) reaches a prompt-cache read share of at least 80% of input tokens in
   * cost-service's report, and an input cost at least 35% below the same conversation sent straight
   * to the simulator. Straight, OpenAI's token-level cache still reads the ~2,900 tokens before the
   * timestamp (about 80% of input; the emulation at message boundaries read none and made this
   * saving look like 87%); shaped, it reads about 95% and the input costs about half.
   */
  @Test
  void aNaiveConversationIsShapedIntoPromptCacheReads() throws Exception {
    String rules = systemPrompt();
    String conversation = UUID.randomUUID().toString();
    for (int turn = 0; turn < 50; turn++) {
      HttpResponse<String> response = post("chat", Map.of(), naiveTurn(rules, conversation, turn));
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }
    long directInput = 0;
    long directCached = 0;
    String other = UUID.randomUUID().toString();
    for (int turn = 0; turn < 50; turn++) {
      HttpResponse<String> reply =
          http.send(
              HttpRequest.newBuilder(
                      suite.url(Service.PROVIDER_SIMULATOR).resolve("/v1/chat/completions"))
                  .timeout(Duration.ofSeconds(60))
                  .header("Authorization", "Bearer sk-direct")
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(naiveTurn(rules, other, turn)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
      JsonNode usage = JSON.readTree(reply.body()).path("usage");
      directInput += usage.path("prompt_tokens").asLong();
      directCached += usage.path("prompt_tokens_details").path("cached_tokens").asLong(0);
    }

    JsonNode savings = awaitSavings("chat", 50);
    assertThat(money(savings.path("byTactic").path("promptCaching"))).isPositive();
    JsonNode cache = routeRow("/api/reports/cache-hit-rate", "chat").path("promptCache");
    long input = cache.path("inputTokens").asLong();
    long cached = cache.path("cacheReadTokens").asLong();
    assertThat(cache.path("readShare").asDouble()).isGreaterThanOrEqualTo(0.80);
    assertThat((double) cached / input).isGreaterThanOrEqualTo(0.80);

    Rates rates = PriceCatalogs.bundled().current().require("gpt-5-mini").rates();
    BigDecimal through = inputCost(rates, input, cached);
    BigDecimal straight = inputCost(rates, directInput, directCached);
    System.out.printf(
        "[tactics] prompt caching: through Tokenwise %d input tokens, %d cached (%.3f), input"
            + " %s USD; direct %d input, %d cached, input %s USD (%.1f%% less)%n",
        input,
        cached,
        (double) cached / input,
        through.toPlainString(),
        directInput,
        directCached,
        straight.toPlainString(),
        100 * (1 - through.doubleValue() / straight.doubleValue()));
    assertThat(through.doubleValue()).isLessThanOrEqualTo(straight.doubleValue() * 0.65);
  }

  @Test
  void anInjectedOutputCapIsAttributedAnEstimatedSaving() throws Exception {
    // the route's uncapped output length: client caps Tokenwise does not lower
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> uncapped =
          post(
              "capped",
              Map.of(),
              chat("gpt-5-mini", "Explain caching. (" + UUID.randomUUID() + ")", 1000L));
      assertThat(uncapped.statusCode()).as(uncapped.body()).isEqualTo(200);
    }
    awaitSavings("capped", 3);
    // cost-service refreshes the route's mean every second once it has three requests
    await()
        .atMost(PATIENCE)
        .pollInterval(Duration.ofSeconds(2))
        .until(
            () -> {
              HttpResponse<String> capped =
                  post(
                      "capped",
                      Map.of(),
                      chat("gpt-5-mini", "Explain caching. (" + UUID.randomUUID() + ")", null));
              assertThat(capped.headers().firstValue("Tokenwise-Output-Cap"))
                  .hasValue("8 (injected)");
              JsonNode row = savingsRow("capped");
              return row != null && money(row.path("byTactic").path("outputCap")).signum() > 0;
            });
    System.out.println("[tactics] output cap: " + savingsRow("capped"));
  }

  @Test
  void aDeferredRequestShowsABatchSavingOnceItCompletes() throws Exception {
    HttpResponse<String> accepted =
        post(
            "later",
            Map.of(),
            chat("gpt-5-mini", "Summarise the week. (" + UUID.randomUUID() + ")", null));
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
    String job = JSON.readTree(accepted.body()).path("id").asString();
    assertThat(accepted.headers().firstValue("Location")).hasValue("/v1/jobs/" + job);

    JsonNode done =
        await()
            .atMost(PATIENCE)
            .pollInterval(Duration.ofSeconds(1))
            .until(
                () -> getJson(suite.routerUrl().resolve("/v1/jobs/" + job), true),
                j -> List.of("succeeded", "failed").contains(j.path("status").asString()));
    assertThat(done.path("status").asString()).as(done.toString()).isEqualTo("succeeded");
    System.out.println("[tactics] job: " + done);
    JsonNode row = awaitSavings("later", 1);
    assertThat(money(row.path("byTactic").path("batch"))).isPositive();
    System.out.println("[tactics] batch: " + row);
  }

  /**
   * Budgets that hold in the deployment the launcher and the chart run: two router replicas on one
   * Redis, the real cost-service pricing the usage stream and sending settlements back. 200
   * concurrent requests against a cap that fits about five of the dearest answers; half are
   * uncapped (reserved at the tenant's output ceiling), half capped at 50 tokens; the first model
   * fails for many of them (queued simulator faults) and the pricier fallback answers. Spend, as
   * cost-service recorded it, stays within 1% of the cap (27 answered, 71% of the cap, in the run
   * measured). With the reservation removed (amount forced to 0) this test failed: 61 answered,
   * 1.95 times the cap, the overshoot limited only by settlements arriving during the burst.
   */
  @Test
  void aBudgetHoldsUnderABurstOnTwoRouterReplicasSettledByCostService() throws Exception {
    URI second = suite.startReplica(Service.ROUTER);
    List<URI> routers = List.of(suite.routerUrl(), second);
    HttpResponse<String> queued =
        http.send(
            HttpRequest.newBuilder(
                    suite.url(Service.PROVIDER_SIMULATOR).resolve("/simulator/faults"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"fault\":\"500\",\"count\":200,\"model\":\"gpt-4.1-mini\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(queued.statusCode()).as(queued.body()).isEqualTo(202);

    int requests = 200;
    Map<Integer, Integer> statuses = new java.util.concurrent.ConcurrentHashMap<>();
    Map<String, Integer> models = new java.util.concurrent.ConcurrentHashMap<>();
    var pool = java.util.concurrent.Executors.newFixedThreadPool(50);
    try {
      List<java.util.concurrent.Future<?>> calls = new java.util.ArrayList<>();
      for (int i = 0; i < requests; i++) {
        int n = i;
        calls.add(
            pool.submit(
                () -> {
                  HttpResponse<String> response =
                      postAs(
                          routers.get(n % 2),
                          BURSTING,
                          "burst",
                          Map.of(),
                          chat(
                              "gpt-4.1-mini",
                              "Tell me about fares, request " + n + " (" + UUID.randomUUID() + ")",
                              n % 2 == 0 ? null : 50L));
                  statuses.merge(response.statusCode(), 1, Integer::sum);
                  response
                      .headers()
                      .firstValue("Tokenwise-Model")
                      .filter(m -> response.statusCode() == 200)
                      .ifPresent(m -> models.merge(m, 1, Integer::sum));
                  return null;
                }));
      }
      for (var call : calls) {
        call.get();
      }
    } finally {
      pool.shutdownNow();
    }
    int answered = statuses.getOrDefault(200, 0);
    System.out.println("[budget] statuses " + statuses + ", served by " + models);
    assertThat(statuses.keySet()).as(statuses.toString()).isSubsetOf(200, 402);
    assertThat(answered).isPositive();
    assertThat(statuses.getOrDefault(402, 0)).isPositive();

    // every answer recorded by cost-service and settled: nothing reserved, spend = recorded cost
    BigDecimal recorded =
        await()
            .atMost(PATIENCE)
            .pollInterval(Duration.ofSeconds(1))
            .until(
                () -> {
                  JsonNode overall = tenantCost(BURSTING.id());
                  return overall.path("requests").asLong() >= answered
                          && RespClient.hlen(suite.redisPort(), reservedKey(BURSTING.id())) == 0
                      ? money(overall.path("costUsd"))
                      : null;
                },
                java.util.Objects::nonNull);
    BigDecimal settled = RespClient.decimal(suite.redisPort(), spendKey(BURSTING.id()));
    System.out.printf(
        "[budget] %d answered of %d, cost-service recorded %s USD, the router settled %s USD,"
            + " cap %s USD (%.1f%% of it)%n",
        answered,
        requests,
        recorded.toPlainString(),
        settled.toPlainString(),
        BURST_CAP.toPlainString(),
        100 * recorded.doubleValue() / BURST_CAP.doubleValue());
    assertThat(settled.doubleValue()).isCloseTo(recorded.doubleValue(), within(1e-9));
    assertThat(recorded).isLessThanOrEqualTo(BURST_CAP.multiply(new BigDecimal("1.01")));
  }

  /**
   * A deferred request reserves its worst case as a synchronous one does, and keeps it until its
   * batch has answered and cost-service has recorded it: with room for two, the third deferred
   * request is refused while the first two wait in batch-service, and admitted once they are
   * settled.
   */
  @Test
  void aDeferredRequestHoldsItsReservationUntilItsBatchIsSettled() throws Exception {
    List<String> jobs = new java.util.ArrayList<>();
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> accepted = deferAs(DEFERRING, "Summarise the quarter " + i);
      assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
      jobs.add(JSON.readTree(accepted.body()).path("id").asString());
    }
    HttpResponse<String> third = deferAs(DEFERRING, "Summarise the year");
    assertThat(third.statusCode()).as(third.body()).isEqualTo(402);
    assertThat(third.body()).contains("budget_exceeded");

    for (String job : jobs) {
      await()
          .atMost(PATIENCE)
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () -> getJsonAs(suite.routerUrl().resolve("/v1/jobs/" + job), DEFERRING),
              j -> "succeeded".equals(j.path("status").asString()));
    }
    await()
        .atMost(PATIENCE)
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> RespClient.hlen(suite.redisPort(), reservedKey(DEFERRING.id())) == 0);
    BigDecimal settled = RespClient.decimal(suite.redisPort(), spendKey(DEFERRING.id()));
    System.out.println("[budget] two deferred answers settled at " + settled + " USD");
    assertThat(settled).isPositive().isLessThan(DEFERRED_CAP.divide(new BigDecimal(2)));

    HttpResponse<String> fourth = deferAs(DEFERRING, "Summarise the year, again");
    assertThat(fourth.statusCode()).as(fourth.body()).isEqualTo(202);
  }

  /**
   * No report is anonymous: cost-service refuses a read without a credential, and a tenant's admin
   * reads its own tenant's reports through the router's admin API, which cost-service narrows to
   * that tenant (naming another is a 403).
   */
  @Test
  void aTenantAdminReadsOnlyItsOwnTenantsReportsThroughTheRouter() throws Exception {
    post("chat", Map.of(), chat("gpt-5-mini", "Hello (" + UUID.randomUUID() + ")", null));
    String tenant = suite.demoTenants().get(0).id();
    Instant from = SUITE_STARTED.minus(Duration.ofHours(1));
    Instant to = Instant.now().plus(Duration.ofHours(1));
    String window = "from=" + from + "&to=" + to;
    URI direct = suite.url(Service.COST).resolve("/api/reports/cost-per-request?" + window);
    HttpResponse<String> anonymous =
        http.send(
            HttpRequest.newBuilder(direct).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).as(anonymous.body()).isEqualTo(401);

    HttpResponse<String> minted =
        http.send(
            HttpRequest.newBuilder(suite.routerUrl().resolve("/admin/admin-tokens"))
                .header("Authorization", "Bearer " + suite.adminToken())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"tenant\":\"" + tenant + "\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(minted.statusCode()).as(minted.body()).isEqualTo(201);
    String tenantAdmin = JSON.readTree(minted.body()).path("token").asString();

    URI proxied = suite.routerUrl().resolve("/admin/reports/cost-per-request?" + window);
    // the tenant's own count, as cost-service reports it for that tenant (read twice around the
    // proxied read, so an event ingested meanwhile only makes the check wait)
    long ownRequests =
        await()
            .atMost(PATIENCE)
            .pollInterval(Duration.ofSeconds(1))
            .until(
                () -> {
                  long before = tenantCost(tenant).path("requests").asLong();
                  HttpResponse<String> own = adminGet(proxied, tenantAdmin);
                  assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
                  long read = JSON.readTree(own.body()).at("/overall/requests").asLong();
                  long after = tenantCost(tenant).path("requests").asLong();
                  return read > 0 && read == before && read == after ? read : -1;
                },
                n -> n > 0);

    HttpResponse<String> other =
        adminGet(
            suite
                .routerUrl()
                .resolve("/admin/reports/cost-per-request?" + window + "&tenant=" + BURSTING.id()),
            tenantAdmin);
    assertThat(other.statusCode()).as(other.body()).isEqualTo(403);
    assertThat(adminGet(proxied, null).statusCode()).isEqualTo(401);
    HttpResponse<String> all = adminGet(proxied, suite.adminToken());
    assertThat(all.statusCode()).as(all.body()).isEqualTo(200);
    assertThat(JSON.readTree(all.body()).at("/overall/requests").asLong())
        .isGreaterThanOrEqualTo(ownRequests);
  }

  private static HttpResponse<String> adminGet(URI uri, String token)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> deferAs(DemoTenant tenant, String prompt)
      throws IOException, InterruptedException {
    return postAs(
        suite.routerUrl(),
        tenant,
        "later",
        Map.of(),
        chat("gpt-5-mini", prompt + " (" + UUID.randomUUID() + ")", null));
  }

  /** cost-service's overall cost-per-request row for one tenant since the suite started. */
  private static JsonNode tenantCost(String tenant) throws IOException, InterruptedException {
    Instant from = SUITE_STARTED.minus(Duration.ofHours(1));
    Instant to = Instant.now().plus(Duration.ofHours(1));
    return getJson(
            suite
                .url(Service.COST)
                .resolve(
                    "/api/reports/cost-per-request?tenant="
                        + tenant
                        + "&from="
                        + from
                        + "&to="
                        + to),
            false)
        .path("overall");
  }

  private static String reservedKey(String tenant) {
    return "tokenwise:router:budget:{" + tenant + "}:reserved";
  }

  private static String spendKey(String tenant) {
    return "tokenwise:router:budget:{"
        + tenant
        + "}:spend:"
        + java.time.YearMonth.now(java.time.ZoneOffset.UTC);
  }

  private static BigDecimal inputCost(Rates rates, long input, long cached) {
    return rates
        .input()
        .multiply(BigDecimal.valueOf(input - cached))
        .add(rates.cachedInput().multiply(BigDecimal.valueOf(cached)))
        .movePointLeft(6);
  }

  private static String systemPrompt() {
    StringBuilder rules = new StringBuilder("You are the support assistant of Acme Travel.\n");
    int i = 0;
    while (TokenEstimator.shared().countText("gpt-5-mini", rules.toString()) < 3000) {
      rules
          .append("Rule ")
          .append(++i)
          .append(": answer politely about bookings, refunds and seats.\n");
    }
    return rules.toString();
  }

  /** Turn n the naive way: first user message, then the system prompt stamped with the time. */
  private static String naiveTurn(String rules, String conversation, int turn) {
    ObjectNode body = JSON.createObjectNode();
    body.put("model", "gpt-5-mini");
    ArrayNode messages = body.putArray("messages");
    messages
        .addObject()
        .put("role", "user")
        .put("content", "Question 0 about my booking " + conversation + "?");
    messages
        .addObject()
        .put("role", "system")
        .put(
            "content",
            rules
                + "Current time: "
                + Instant.parse("2026-11-27T03:00:00Z").plusSeconds(turn * 17L));
    for (int i = 0; i < turn; i++) {
      messages
          .addObject()
          .put("role", "assistant")
          .put("content", "Answer " + i + " about the booking.");
      messages
          .addObject()
          .put("role", "user")
          .put("content", "Question " + (i + 1) + " about my booking?");
    }
    return body.toString();
  }

  private static String chat(String model, String prompt, Long maxTokens) {
    ObjectNode request = JSON.createObjectNode();
    request.put("model", model);
    if (maxTokens != null) {
      request.put("max_completion_tokens", maxTokens);
    }
    request.putArray("messages").addObject().put("role", "user").put("content", prompt);
    return request.toString();
  }

  private static HttpResponse<String> post(String route, Map<String, String> headers, String body)
      throws IOException, InterruptedException {
    return postAs(suite.routerUrl(), suite.demoTenants().get(0), route, headers, body);
  }

  private static HttpResponse<String> postAs(
      URI router, DemoTenant tenant, String route, Map<String, String> headers, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(router.resolve("/v1/chat/completions"))
            .timeout(Duration.ofSeconds(120))
            .header("Authorization", "Bearer " + tenant.virtualKey())
            .header("Content-Type", "application/json")
            .header("Tokenwise-Route", route);
    headers.forEach(request::header);
    return http.send(
        request.POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The route's savings row once cost-service has stored at least {@code requests} of it. */
  private static JsonNode awaitSavings(String route, long requests) {
    return await()
        .atMost(PATIENCE)
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> savingsRow(route),
            row -> row != null && row.path("requests").asLong() >= requests);
  }

  private static JsonNode savingsRow(String route) throws IOException, InterruptedException {
    return routeRow("/api/reports/savings", route);
  }

  private static JsonNode routeRow(String report, String route)
      throws IOException, InterruptedException {
    Instant from = SUITE_STARTED.minus(Duration.ofHours(1));
    Instant to = Instant.now().plus(Duration.ofHours(1));
    JsonNode body =
        getJson(suite.url(Service.COST).resolve(report + "?from=" + from + "&to=" + to), false);
    for (JsonNode row : body.path("routes")) {
      if (route.equals(row.path("route").asString())) {
        return row;
      }
    }
    return null;
  }

  private static BigDecimal money(JsonNode value) {
    return new BigDecimal(value.asString("0"));
  }

  private static JsonNode getJson(URI uri, boolean authenticated)
      throws IOException, InterruptedException {
    return getJsonAs(uri, authenticated ? suite.demoTenants().get(0) : null);
  }

  private static JsonNode getJsonAs(URI uri, DemoTenant tenant)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET();
    // the router's endpoints take the tenant's key; cost-service's reports the admin token
    request.header(
        "Authorization", "Bearer " + (tenant != null ? tenant.virtualKey() : suite.adminToken()));
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(uri + " -> " + response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }
}
