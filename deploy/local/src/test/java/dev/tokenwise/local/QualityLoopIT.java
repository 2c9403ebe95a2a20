package dev.tokenwise.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenwise.common.pricing.PriceCatalogs;
import dev.tokenwise.common.pricing.Rates;
import dev.tokenwise.common.security.ServiceTokens;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The quality loop whole, through the launcher's real services and the simulator's quality world
 * (where the small model gets some prompts wrong and the frontier model fewer): a learned route
 * that sends nearly everything to the cheap tier starts over its regression budget; every cheap
 * answer is replayed against the reference model through batch-service and judged by cost-service's
 * final-answer judge; clients send feedback on strong answers; cost-service's advice tightens the
 * route and the router's retraining job publishes a new routing model version from the verdicts,
 * which the router then routes with. A second wave of new prompts shows the regression rate back
 * under budget while the route still saves more than half of what the reference model would have
 * cost. No operator step: only requests and time.
 */
class QualityLoopIT {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String ROUTE = "loop";
  private static final double BUDGET = 0.15;
  private static final int WAVE = 200;
  private static final String SERVICE_SECRET = ChildSettings.newServiceSecret();
  private static final String ADMIN_TOKEN = "quality-loop-admin-token-0123456789";
  private static final Duration PATIENCE = Duration.ofMinutes(4);

  private static Suite suite;
  private static HttpClient http;

  @BeforeAll
  static void startSuite() {
    String route = "tokenwise.router.routes." + ROUTE + ".";
    suite =
        new Suite(
            TestSuites.withQuickBatches(TestSuites.simulatorOnly("quality-loop", SERVICE_SECRET))
                .withProperty(Service.ROUTER, route + "tiers[0]", "gpt-5-nano")
                .withProperty(Service.ROUTER, route + "tiers[1]", "gpt-5")
                .withProperty(Service.ROUTER, route + "reference-model", "gpt-5")
                .withProperty(Service.ROUTER, route + "classifier.type", "learned")
                .withProperty(Service.ROUTER, route + "classifier.strong-share", "0.1")
                .withProperty(Service.ROUTER, route + "shadow-sample-rate", "1")
                .withProperty(Service.ROUTER, route + "cache.enabled", "false")
                .withProperty(Service.ROUTER, "tokenwise.router.admin.token", ADMIN_TOKEN)
                .withProperty(Service.ROUTER, "tokenwise.router.quality.poll-interval", "2s")
                .withProperty(Service.ROUTER, "tokenwise.router.quality.max-boost", "0.3")
                .withProperty(Service.ROUTER, "tokenwise.router.learning.sample-rate", "1")
                .withProperty(Service.ROUTER, "tokenwise.router.learning.exploration", "0.1")
                .withProperty(Service.ROUTER, "tokenwise.router.learning.poll-interval", "1s")
                .withProperty(Service.ROUTER, "tokenwise.router.learning.retrain-interval", "15s")
                .withProperty(Service.ROUTER, "tokenwise.router.learning.held-out-share", "0.3")
                .withProperty(Service.ROUTER, "tokenwise.router.learning.min-held-out", "30")
                .withProperty(Service.ROUTER, "tokenwise.router.learning.min-both-known", "30")
                .withProperty(Service.ROUTER, "tokenwise.router.cache.timeout", "10s")
                .withProperty(
                    Service.COST,
                    "tokenwise.cost.quality.routes." + ROUTE + ".regression-budget",
                    String.valueOf(BUDGET))
                .withProperty(Service.COST, "tokenwise.cost.quality.min-evaluated", "20")
                .withProperty(Service.COST, "tokenwise.cost.quality.refresh-interval", "1s")
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

  /** What one wave of requests did. */
  record Wave(
      int requests,
      int strong,
      int evaluated,
      int bad,
      BigDecimal cost,
      BigDecimal referenceCost,
      Set<String> routerVersions) {

    double regressionRate() {
      return evaluated == 0 ? Double.NaN : (double) bad / evaluated;
    }

    double saving() {
      return BigDecimal.ONE
          .subtract(cost.divide(referenceCost, MathContext.DECIMAL64))
          .doubleValue();
    }

    String describe() {
      return String.format(
          Locale.ROOT,
          "%d requests, %d on the strong tier, regression %d/%d = %.3f (budget %.2f), saving"
              + " against the reference model %.1f%%, routing model %s",
          requests,
          strong,
          bad,
          evaluated,
          regressionRate(),
          BUDGET,
          100 * saving(),
          routerVersions);
    }
  }

  @Test
  void aRouteOverItsRegressionBudgetComesBackUnderWithTheLoopAlone() throws Exception {
    Wave before = wave(new Random(1));
    System.out.println("[loop] before: " + before.describe());
    assertThat(before.routerVersions()).containsOnly("shipped");
    assertThat(before.regressionRate()).as(before.describe()).isGreaterThan(BUDGET);

    // The loop: cost-service's advice tightens the route; the retraining job publishes a version.
    JsonNode versions =
        await()
            .atMost(PATIENCE)
            .pollInterval(Duration.ofSeconds(2))
            .until(QualityLoopIT::routerVersions, v -> !v.path("versions").isEmpty());
    String published = versions.path("active").asString();
    System.out.println("[loop] published: " + versions.path("versions"));
    assertThat(published).startsWith(ROUTE + "-v");

    Wave after = wave(new Random(2));
    System.out.println("[loop] after: " + after.describe());
    assertThat(after.routerVersions()).contains(published).doesNotContain("shipped");
    assertThat(after.regressionRate())
        .as(after.describe())
        .isLessThan(before.regressionRate())
        .isLessThanOrEqualTo(BUDGET);
    assertThat(after.saving()).as(after.describe()).isGreaterThan(0.5);
  }

  /** One wave of new prompts; returns once every cheap answer of it has been judged. */
  private static Wave wave(Random random) throws Exception {
    List<String> prompts = new ArrayList<>();
    for (int i = 0; i < WAVE; i++) {
      prompts.add(Prompts.next(random));
    }
    ExecutorService pool = Executors.newFixedThreadPool(6);
    List<Future<HttpResponse<String>>> futures = new ArrayList<>();
    for (String prompt : prompts) {
      futures.add(pool.submit(() -> chat(prompt)));
    }
    Rates strongRates = PriceCatalogs.bundled().current().require("gpt-5").rates();
    Set<String> ids = new HashSet<>();
    Set<String> cheapIds = new HashSet<>();
    Set<String> versions = new HashSet<>();
    int strong = 0;
    BigDecimal cost = BigDecimal.ZERO;
    BigDecimal reference = BigDecimal.ZERO;
    for (int i = 0; i < prompts.size(); i++) {
      HttpResponse<String> response = futures.get(i).get();
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      String id = response.headers().firstValue("Tokenwise-Request-Id").orElseThrow();
      String model = response.headers().firstValue("Tokenwise-Model").orElseThrow();
      response.headers().firstValue("Tokenwise-Router-Version").ifPresent(versions::add);
      ids.add(id);
      JsonNode usage = JSON.readTree(response.body()).path("usage");
      long in = usage.path("prompt_tokens").asLong();
      long out = usage.path("completion_tokens").asLong();
      Rates rates = PriceCatalogs.bundled().current().require(model).rates();
      cost = cost.add(price(rates, in, out));
      reference = reference.add(price(strongRates, in, out));
      if (model.startsWith("gpt-5-nano")) {
        cheapIds.add(id);
      } else {
        strong++;
        // a client's verdict on a strong answer, as the simulator's truth has it
        boolean right = truth(model, prompts.get(i)).path("right").asBoolean();
        feedback(id, right ? "good" : "bad");
      }
    }
    pool.shutdown();
    // every cheap answer is replayed against the reference model and judged
    List<JsonNode> judged =
        await()
            .atMost(PATIENCE)
            .pollInterval(Duration.ofSeconds(2))
            .until(() -> shadowVerdicts(cheapIds), list -> list.size() >= cheapIds.size() * 0.95);
    int bad = (int) judged.stream().filter(v -> v.path("bad").asBoolean()).count();
    return new Wave(prompts.size(), strong, judged.size(), bad, cost, reference, versions);
  }

  private static BigDecimal price(Rates rates, long input, long output) {
    return rates
        .input()
        .multiply(BigDecimal.valueOf(input))
        .add(rates.output().multiply(BigDecimal.valueOf(output)));
  }

  private static HttpResponse<String> chat(String prompt) throws IOException, InterruptedException {
    ObjectNode request = JSON.createObjectNode().put("model", "tokenwise/auto");
    request.putArray("messages").addObject().put("role", "user").put("content", prompt);
    return http.send(
        HttpRequest.newBuilder(suite.routerUrl().resolve("/v1/chat/completions"))
            .timeout(Duration.ofSeconds(120))
            .header("Authorization", "Bearer " + suite.demoTenants().get(0).virtualKey())
            .header("Content-Type", "application/json")
            .header("Tokenwise-Route", ROUTE)
            .POST(HttpRequest.BodyPublishers.ofString(request.toString()))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void feedback(String requestId, String verdict) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(suite.routerUrl().resolve("/v1/feedback"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + suite.demoTenants().get(0).virtualKey())
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        JSON.createObjectNode()
                            .put("request_id", requestId)
                            .put("verdict", verdict)
                            .toString()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isIn(200, 202);
  }

  private static JsonNode truth(String model, String prompt) throws Exception {
    URI simulator = suite.openAiBaseUrl().resolve("/simulator/quality");
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(simulator)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        JSON.createObjectNode()
                            .put("model", model)
                            .put("prompt", prompt)
                            .toString()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  /** The shadow verdicts cost-service holds for these requests. */
  private static List<JsonNode> shadowVerdicts(Set<String> requestIds) throws Exception {
    String token =
        new ServiceTokens(SERVICE_SECRET, ServiceTokens.ROUTER, Clock.systemUTC())
            .mint(ServiceTokens.COST, ServiceTokens.ANY_TENANT);
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(
                    suite
                        .url(Service.COST)
                        .resolve("/api/quality/routing-verdicts?route=" + ROUTE + "&limit=50000"))
                .timeout(Duration.ofSeconds(30))
                .header(ServiceTokens.HEADER, token)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<JsonNode> verdicts = new ArrayList<>();
    for (JsonNode verdict : JSON.readTree(response.body())) {
      if ("shadow".equals(verdict.path("source").asString())
          && requestIds.contains(verdict.path("requestId").asString())) {
        verdicts.add(verdict);
      }
    }
    return verdicts;
  }

  private static JsonNode routerVersions() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(
                    suite.routerUrl().resolve("/admin/routes/" + ROUTE + "/router-versions"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  /**
   * Questions like a product's traffic: many short factual ones, some multiple-choice, some
   * arithmetic word problems and multi-part reasoning tasks, in proportions that make the small
   * model's errors concentrate (in part) on what looks hard.
   */
  static final class Prompts {

    private static final String[] TOPICS = {
      "the French Revolution", "photosynthesis", "the water cycle", "binary search",
      "compound interest", "plate tectonics", "the immune system", "supply and demand",
      "the Pythagorean theorem", "public-key cryptography", "DNS resolution", "inflation"
    };

    static String next(Random random) {
      int kind = random.nextInt(10);
      int a = 2 + random.nextInt(97);
      int b = 2 + random.nextInt(97);
      String topic = TOPICS[random.nextInt(TOPICS.length)];
      if (kind < 4) {
        return "In one sentence, what is "
            + topic
            + "? (question "
            + random.nextInt(1_000_000)
            + ")";
      }
      if (kind < 6) {
        return "Which statement about "
            + topic
            + " is correct? (item "
            + random.nextInt(1_000_000)
            + ")\nA) It was first described in "
            + (1800 + a)
            + ".\nB) It involves "
            + b
            + " stages.\nC) It is unrelated to everyday life.\nD)"
            + " None of the above.";
      }
      if (kind < 8) {
        return "Calculate step by step: a shop sells "
            + a
            + " items at "
            + b
            + " dollars each, then discounts the total by "
            + (a % 30)
            + "%. Explain why the"
            + " discount is applied after the sum and compute the final price. (case "
            + random.nextInt(1_000_000)
            + ")";
      }
      return "Answer each part and justify it:\n1. Derive the key equation behind "
          + topic
          + ".\n2. Prove that it holds for n = "
          + a
          + ".\n3. Estimate the error when "
          + b
          + " terms are used and compare the trade-offs. (task "
          + random.nextInt(1_000_000)
          + ")";
    }
  }
}
