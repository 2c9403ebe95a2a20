package dev.tokenwise.local.demo;

import dev.tokenwise.local.Service;
import dev.tokenwise.local.Suite;
import dev.tokenwise.local.SuiteOptions;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The quality loop on its own route, {@value #ROUTE}: a learned route that starts by sending almost
 * everything to the cheap tier (gpt-5-nano), against the simulator's quality world, where the small
 * model gets harder questions wrong more often than gpt-5. Every cheap answer is replayed against
 * the reference model (gpt-5) through batch-service and judged by cost-service (final-answer
 * match); a route over its regression budget is tightened by cost-service's advice, and the
 * router's retraining job fits a routing model on the route's verdicts and publishes it when it
 * beats the one in use on the most recent of them. Two waves of new questions, one before and one
 * after, each measured from cost-service's own reports (the difference of its cumulative quality
 * and savings rows): the regression rate and the saving against the reference model.
 */
public final class QualityLoop {

  public static final String ROUTE = "loop";

  /**
   * The route's regression budget: the share of judged cheap answers that may be bad. In the
   * simulator's world half of a question's difficulty is hidden from its text, so gpt-5-nano
   * disagrees with gpt-5 on about 30% of even the plainest questions; a team sets its budget from
   * what its cheap tier can do at best, as here.
   */
  public static final double BUDGET = 0.35;

  static final int WAVE = 200;
  static final int CONCURRENCY = 6;
  static final Duration PATIENCE = Duration.ofMinutes(4);
  private static final Duration POLL = Duration.ofSeconds(2);
  private static final Duration VERSION_PICKUP = Duration.ofSeconds(3);

  private final Suite suite;
  private final HttpClient http;
  private final JsonMapper json;
  private final Instant from = Instant.now().truncatedTo(ChronoUnit.HOURS);

  public QualityLoop(Suite suite, HttpClient http, JsonMapper json) {
    this.suite = suite;
    this.http = http;
    this.json = json;
  }

  /**
   * The route and the loop's pace: the route's cheap and strong tier, every cheap answer shadowed,
   * no response cache; advice read every 2 s and allowed to raise the strong share by 0.3 at most;
   * routing samples for every request, 5% exploration, a retraining every 15 s that may publish on
   * 30 held-back verdicts; cost-service judging with at least 20 verdicts. The replays go through
   * batch-service, whose own pace decides how long a wave waits for its verdicts.
   */
  public static SuiteOptions configure(SuiteOptions options) {
    String route = "tokenwise.router.routes." + ROUTE + ".";
    Map<String, String> router = new java.util.LinkedHashMap<>();
    router.put(route + "tiers[0]", "gpt-5-nano");
    router.put(route + "tiers[1]", "gpt-5");
    router.put(route + "reference-model", "gpt-5");
    router.put(route + "classifier.type", "learned");
    router.put(route + "classifier.strong-share", "0.1");
    router.put(route + "shadow-sample-rate", "1");
    router.put(route + "cache.enabled", "false");
    router.put("tokenwise.router.quality.poll-interval", "2s");
    router.put("tokenwise.router.quality.max-boost", "0.3");
    router.put("tokenwise.router.learning.sample-rate", "1");
    router.put("tokenwise.router.learning.exploration", "0.05");
    router.put("tokenwise.router.learning.poll-interval", "1s");
    router.put("tokenwise.router.learning.retrain-interval", "15s");
    router.put("tokenwise.router.learning.held-out-share", "0.3");
    router.put("tokenwise.router.learning.min-held-out", "30");
    router.put("tokenwise.router.learning.min-both-known", "30");
    // a route this young lets its verdicts move the model quickly
    router.put("tokenwise.router.learning.prior-strength", "1");
    router.put("tokenwise.router.learning.ridge", "1");
    SuiteOptions configured = options;
    for (Map.Entry<String, String> e : router.entrySet()) {
      configured = configured.withProperty(Service.ROUTER, e.getKey(), e.getValue());
    }
    return configured
        .withProperty(
            Service.COST,
            "tokenwise.cost.quality.routes." + ROUTE + ".regression-budget",
            String.valueOf(BUDGET))
        .withProperty(Service.COST, "tokenwise.cost.quality.min-evaluated", "20")
        .withProperty(Service.COST, "tokenwise.cost.quality.refresh-interval", "1s");
  }

  /** What cost-service reports for the route so far. */
  record Totals(long requests, long evaluated, long bad, BigDecimal baseline, BigDecimal cost) {

    Totals minus(Totals earlier) {
      return new Totals(
          requests - earlier.requests,
          evaluated - earlier.evaluated,
          bad - earlier.bad,
          baseline.subtract(earlier.baseline),
          cost.subtract(earlier.cost));
    }
  }

  /**
   * One wave as cost-service reports it.
   *
   * @param strong requests the router sent to the strong tier
   * @param routerVersions the routing model versions that chose ({@code Tokenwise-Router-Version})
   */
  public record Wave(int strong, Totals totals, Set<String> routerVersions) {

    public long requests() {
      return totals.requests();
    }

    public double regressionRate() {
      return totals.evaluated() == 0 ? Double.NaN : (double) totals.bad() / totals.evaluated();
    }

    /** 1 − cost / the reference model's cost. */
    public double saving() {
      return totals.baseline().signum() == 0
          ? Double.NaN
          : 1 - totals.cost().doubleValue() / totals.baseline().doubleValue();
    }

    public String describe() {
      return String.format(
          Locale.ROOT,
          "%d requests, %d on the strong tier; regression %d of %d judged = %.1f%% (budget"
              + " %.0f%%); saving against gpt-5 %.1f%%; routing model %s",
          totals.requests(),
          strong,
          totals.bad(),
          totals.evaluated(),
          100 * regressionRate(),
          100 * BUDGET,
          100 * saving(),
          String.join(", ", routerVersions));
    }
  }

  /**
   * Before and after, and what the loop did in between.
   *
   * @param retraining the router's latest retraining of the route once it had seen the first wave's
   *     verdicts, as its admin API reports it ({@code outcome}, {@code verdicts}, {@code decision},
   *     {@code published})
   * @param active the routing model version the route used for the second wave
   */
  public record Result(Wave before, Wave after, JsonNode retraining, String active) {

    public List<String> lines() {
      JsonNode decision = retraining.path("decision");
      String check =
          decision.isObject()
              ? String.format(
                  Locale.ROOT,
                  " (%s on %d held-back verdicts: %.3f in use, %.3f candidate)",
                  decision.path("metric").asString(),
                  decision.path("heldOut").asInt(),
                  decision.path("current").asDouble(),
                  decision.path("candidate").asDouble())
              : "";
      return List.of(
          "Quality loop (route '" + ROUTE + "', simulator's right and wrong answers):",
          "  before: " + before.describe(),
          "  loop:   cost-service's advice tightened the route; the router retrained it on "
              + retraining.path("verdicts").asInt()
              + " verdicts: "
              + retraining.path("outcome").asString()
              + check
              + "; routing with "
              + active,
          "  after:  " + after.describe());
    }
  }

  /** Runs both waves and the loop between them, saying what it waits for. */
  public Result run(java.util.function.Consumer<String> progress)
      throws IOException, InterruptedException {
    Totals start = totals();
    progress.accept(
        "Quality loop: " + WAVE + " questions on route '" + ROUTE + "', then their verdicts...");
    Wave before = wave(new Random(1), start);
    progress.accept("  before: " + before.describe());
    progress.accept("  waiting for the router to retrain the route on these verdicts...");
    // (a routing sample can be dropped under load, so nearly all of them is enough)
    JsonNode versions = awaitRetraining((long) Math.floor(before.totals().evaluated() * 0.9));
    String active = versions.path("active").asString();
    progress.accept(
        "  retraining: "
            + versions.path("lastRetraining").path("outcome").asString()
            + ", routing with "
            + active
            + "; "
            + WAVE
            + " new questions...");
    Wave after = wave(new Random(2), add(start, before.totals()));
    progress.accept("  after:  " + after.describe());
    return new Result(before, after, versions.path("lastRetraining"), active);
  }

  private static Totals add(Totals a, Totals b) {
    return new Totals(
        a.requests() + b.requests(),
        a.evaluated() + b.evaluated(),
        a.bad() + b.bad(),
        a.baseline().add(b.baseline()),
        a.cost().add(b.cost()));
  }

  /** Sends a wave of new questions; returns once cost-service has priced and judged it. */
  private Wave wave(Random random, Totals before) throws IOException, InterruptedException {
    List<String> prompts = new ArrayList<>();
    for (int i = 0; i < WAVE; i++) {
      prompts.add(Questions.next(random));
    }
    ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
    try {
      List<Future<HttpResponse<String>>> answers = new ArrayList<>();
      for (String prompt : prompts) {
        answers.add(pool.submit(() -> ask(prompt)));
      }
      int strong = 0;
      int cheap = 0;
      Set<String> versions = new LinkedHashSet<>();
      for (Future<HttpResponse<String>> answer : answers) {
        HttpResponse<String> response;
        try {
          response = answer.get();
        } catch (java.util.concurrent.ExecutionException e) {
          throw new IOException("a loop question failed", e.getCause());
        }
        if (response.statusCode() != 200) {
          throw new IOException(
              "a loop question got " + response.statusCode() + ": " + response.body());
        }
        String model = response.headers().firstValue("Tokenwise-Model").orElse("");
        response.headers().firstValue("Tokenwise-Router-Version").ifPresent(versions::add);
        if (model.startsWith("gpt-5-nano")) {
          cheap++;
        } else {
          strong++;
        }
      }
      long judged = (long) Math.floor(cheap * 0.95);
      Totals after =
          await(
              t ->
                  t.requests() >= before.requests() + prompts.size()
                      && t.evaluated() >= before.evaluated() + judged);
      return new Wave(strong, after.minus(before), versions);
    } finally {
      pool.shutdownNow();
    }
  }

  private Totals await(Predicate<Totals> done) throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(PATIENCE);
    while (true) {
      Totals totals = totals();
      if (done.test(totals)) {
        return totals;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IOException(
            "cost-service did not report the wave in " + PATIENCE + ": " + totals);
      }
      Thread.sleep(POLL.toMillis());
    }
  }

  /**
   * Waits until the router's retraining job has run on at least {@code verdicts} of the route's
   * verdicts (whatever it decided), through the router's admin API; the route's versions then.
   */
  private JsonNode awaitRetraining(long verdicts) throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(PATIENCE);
    while (true) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(
                      suite.routerUrl().resolve("/admin/routes/" + ROUTE + "/router-versions"))
                  .timeout(Duration.ofSeconds(30))
                  .header("Authorization", "Bearer " + suite.adminToken())
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == 200) {
        JsonNode body = json.readTree(response.body());
        if (body.path("lastRetraining").path("verdicts").asLong() >= verdicts) {
          // every router instance reads the active version within its poll interval (1 s here)
          Thread.sleep(VERSION_PICKUP.toMillis());
          return body;
        }
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IOException(
            "the route was not retrained on "
                + verdicts
                + " verdicts in "
                + PATIENCE
                + ": "
                + response.body());
      }
      Thread.sleep(POLL.toMillis());
    }
  }

  private HttpResponse<String> ask(String prompt) throws IOException, InterruptedException {
    ObjectNode request = json.createObjectNode().put("model", "tokenwise/auto");
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

  /** The route's cumulative quality and savings rows since the hour the loop started. */
  private Totals totals() throws IOException, InterruptedException {
    String window = "?from=" + from + "&to=" + from.plus(Duration.ofHours(3)) + "&route=" + ROUTE;
    JsonNode quality = row(get("/api/reports/quality" + window).path("routes"));
    JsonNode savings = row(get("/api/reports/savings" + window).path("routes"));
    return new Totals(
        savings.path("requests").asLong(),
        quality.path("evaluated").asLong(),
        quality.path("bad").asLong(),
        new BigDecimal(savings.path("baselineUsd").asString("0")),
        new BigDecimal(savings.path("costUsd").asString("0")));
  }

  private static JsonNode row(JsonNode rows) {
    for (JsonNode row : rows) {
      if (ROUTE.equals(row.path("route").asString())) {
        return row;
      }
    }
    return tools.jackson.databind.node.MissingNode.getInstance();
  }

  private JsonNode get(String pathAndQuery) throws IOException, InterruptedException {
    URI uri = suite.url(Service.COST).resolve(pathAndQuery);
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + suite.adminToken())
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException(uri + " answered " + response.statusCode() + ": " + response.body());
    }
    return json.readTree(response.body());
  }

  /**
   * Questions with a checkable final answer, like a product's mix: short multiple-choice and sums
   * that look easy, word problems and multi-part tasks that look hard. The simulator's quality
   * world decides which ones each model gets right, from what it sees in the text and from what it
   * does not.
   */
  static final class Questions {

    private static final String[] COUNTRIES = {
      "France", "Kenya", "Peru", "Norway", "Japan", "Egypt", "Canada", "Chile", "Vietnam", "Poland",
      "Ghana", "Nepal"
    };
    private static final String[] TOPICS = {
      "photosynthesis", "the water cycle", "binary search", "compound interest",
      "plate tectonics", "supply and demand", "public-key cryptography", "DNS resolution"
    };

    private Questions() {}

    static String next(Random random) {
      int kind = random.nextInt(20);
      int a = 2 + random.nextInt(97);
      int b = 2 + random.nextInt(97);
      int tag = random.nextInt(1_000_000);
      String country = COUNTRIES[random.nextInt(COUNTRIES.length)];
      String topic = TOPICS[random.nextInt(TOPICS.length)];
      if (kind < 8) {
        return "Capital of " + country + "? (#" + tag + ")\nA) Port\nB) Seat\nC) Border\nD) None";
      }
      if (kind < 12) {
        return "What is " + a + " + " + b + "? (#" + tag + ")";
      }
      if (kind < 16) {
        return "Calculate step by step: a shop sells "
            + a
            + " items at "
            + b
            + " dollars each, then discounts the total by "
            + (a % 30)
            + "%. Explain why the discount is applied after the sum, justify each step and"
            + " compute the final price. (#"
            + tag
            + ")";
      }
      return "Solve each part and justify it:\n1. Compute "
          + a
          + " * "
          + b
          + " for the model of "
          + topic
          + ".\n2. Prove the result holds when both factors are doubled.\n3. Estimate the error"
          + " when "
          + b
          + " terms are used, and compare the trade-offs. (#"
          + tag
          + ")";
    }
  }
}
