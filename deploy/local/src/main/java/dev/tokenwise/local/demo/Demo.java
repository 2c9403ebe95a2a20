package dev.tokenwise.local.demo;

import dev.tokenwise.local.DemoTenant;
import dev.tokenwise.local.Service;
import dev.tokenwise.local.Suite;
import dev.tokenwise.local.SuiteOptions;
import dev.tokenwise.local.demo.DemoRequest.Kind;
import dev.tokenwise.local.demo.WorkloadRunner.Outcome;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code --demo}: replays the bundled {@link Workload} through the router against the simulator,
 * waits for the deferred requests to come back through batch-service and for cost-service to have
 * priced every answer, sends a few quality verdicts, runs the {@link QualityLoop} on a route of its
 * own, then prints cost-service's savings and five metrics reports, the loop's before and after,
 * and where to see them.
 */
public final class Demo {

  /** Requests in flight at once. */
  static final int CONCURRENCY = 16;

  /** How long deferred requests may take to come back through batch-service. */
  static final Duration DEFERRED_WAIT = Duration.ofMinutes(4);

  /** How long cost-service may take to store the usage events of the answered requests. */
  static final Duration INGEST_WAIT = Duration.ofMinutes(3);

  /** cost-service re-measures each route's uncapped output this often during the demo. */
  static final Duration OUTPUT_CAP_REFRESH = Duration.ofSeconds(5);

  private static final Duration POLL = Duration.ofSeconds(1);

  /** Answers of the routed part that get a user's verdict. */
  static final int ROUTED_VERDICTS = 40;

  private final Suite suite;
  private final PrintStream out;
  private final boolean terminal;
  private final JsonMapper json = JsonMapper.builder().build();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private Demo(Suite suite, PrintStream out, boolean terminal) {
    this.suite = suite;
    this.out = out;
    this.terminal = terminal;
  }

  /**
   * The suite's settings for the demo, on top of the launcher's: the routes the workload uses, a
   * batch-service that flushes and polls within seconds rather than minutes (the simulator's batch
   * API finishes in about a second), a router that waits longer for the cache on a busy machine,
   * and a cost-service that measures routes' uncapped output early enough to price output caps.
   */
  public static SuiteOptions configure(SuiteOptions options) {
    Map<String, String> router = new LinkedHashMap<>();
    // Model routing: tokenwise/auto picks gpt-5-nano for easy prompts and gpt-5 for hard ones
    // (heuristic scorer); savings are measured against gpt-5. Output capped at 40 tokens.
    router.put("tokenwise.router.routes.auto.match.models[0]", "tokenwise/auto");
    router.put("tokenwise.router.routes.auto.tiers[0]", "gpt-5-nano");
    router.put("tokenwise.router.routes.auto.tiers[1]", "gpt-5");
    router.put("tokenwise.router.routes.auto.classifier.type", "heuristic");
    router.put(
        "tokenwise.router.routes.auto.output.max-tokens", String.valueOf(Workload.AUTO_MAX_TOKENS));
    // Long documents in the system prompt: provider prompt caching.
    router.put("tokenwise.router.routes.rag.prompt-cache.enabled", "true");
    // Naive chat threads: the lint's safe fix reorders them so the prefix stays cacheable.
    router.put("tokenwise.router.routes.chat.prompt-cache.fix-order", "true");
    // Structured outputs.
    router.put("tokenwise.router.routes.extract.json-schema", Workload.TICKET_SCHEMA);
    router.put("tokenwise.router.routes.extract.json-schema-name", "ticket");
    // Deferred when the client says so (Tokenwise-Mode: deferred).
    router.put("tokenwise.router.routes.nightly.mode", "auto");
    router.put("tokenwise.router.cache.timeout", "3s");

    Map<String, String> batch = new LinkedHashMap<>();
    batch.put("tokenwise.batch.assembly.max-age", "5s");
    batch.put("tokenwise.batch.assembly.interval", "2s");
    batch.put("tokenwise.batch.collect.first-poll", "2s");
    batch.put("tokenwise.batch.collect.interval", "2s");
    batch.put("tokenwise.batch.collect.max-poll-interval", "5s");

    Map<String, String> cost = new LinkedHashMap<>();
    cost.put("tokenwise.cost.output-cap.min-requests", "20");
    cost.put("tokenwise.cost.output-cap.refresh-interval", OUTPUT_CAP_REFRESH.toSeconds() + "s");

    SuiteOptions configured = QualityLoop.configure(options);
    for (Map.Entry<String, String> e : router.entrySet()) {
      configured = configured.withProperty(Service.ROUTER, e.getKey(), e.getValue());
    }
    for (Map.Entry<String, String> e : batch.entrySet()) {
      configured = configured.withProperty(Service.BATCH, e.getKey(), e.getValue());
    }
    for (Map.Entry<String, String> e : cost.entrySet()) {
      configured = configured.withProperty(Service.COST, e.getKey(), e.getValue());
    }
    return configured;
  }

  /**
   * Runs the demo against a started suite (configured with {@link #configure}) and prints its
   * progress and summary to {@code out}.
   *
   * @param terminal whether {@code out} is a terminal (a progress bar instead of progress lines)
   */
  public static Result run(Suite suite, PrintStream out, boolean terminal)
      throws IOException, InterruptedException {
    return new Demo(suite, out, terminal).run();
  }

  /**
   * What the demo did and what cost-service reported.
   *
   * @param sent requests sent to the router
   * @param answered answers with status 2xx, including the deferred requests' 202s
   * @param deferred deferred requests accepted (202)
   * @param deferredSucceeded deferred requests answered through batch-service in time
   * @param failed requests that got no 2xx answer
   * @param storedEvents usage events cost-service stored for the demo's window
   * @param baseline cost-service's baseline
   * @param actual cost-service's actual cost
   * @param savingsByTactic the saving per tactic, keyed by cost-service's names
   * @param loop the quality loop's route before and after the loop acted
   * @param summary the lines printed after the run
   */
  public record Result(
      long sent,
      long answered,
      long deferred,
      long deferredSucceeded,
      long failed,
      long storedEvents,
      BigDecimal baseline,
      BigDecimal actual,
      Map<String, BigDecimal> savingsByTactic,
      QualityLoop.Result loop,
      List<String> summary) {}

  private Result run() throws IOException, InterruptedException {
    Workload workload = Workload.generate(json);
    List<DemoTenant> tenants = suite.demoTenants();
    List<String> keys = tenants.stream().map(DemoTenant::virtualKey).toList();
    Instant started = Instant.now();
    Instant from = started.truncatedTo(ChronoUnit.HOURS);
    CostReports reports =
        new CostReports(
            http,
            suite.url(Service.COST),
            json,
            from,
            from.plus(Duration.ofHours(2)),
            suite.adminToken());

    out.println();
    out.printf(
        Locale.ROOT,
        "Demo: replaying %,d requests through the router at %s, %d at a time:%n",
        workload.size(),
        suite.routerUrl(),
        CONCURRENCY);
    for (Kind kind : Kind.values()) {
      out.printf(Locale.ROOT, "  %,5d  %s%n", workload.count(kind), kind.description());
    }
    out.println(
        "  tenants "
            + String.join(" and ", tenants.stream().map(DemoTenant::id).toList())
            + "; routes default, auto, rag, chat, extract, nightly");

    Progress progress = new Progress(out, terminal, workload.size());
    WorkloadRunner runner =
        new WorkloadRunner(http, suite.routerUrl(), keys, json, CONCURRENCY, progress);

    // Wave 1, then let cost-service price it and measure route auto's uncapped output, so that
    // the capped requests of wave 2 can be priced against it.
    runner.start(workload.threads());
    runner.run(workload.firstWave());
    awaitStored(reports, syncAnswered(runner.outcomes()), Duration.ofMinutes(1));
    Thread.sleep(OUTPUT_CAP_REFRESH.plusSeconds(1).toMillis());
    runner.run(workload.secondWave());
    runner.finish();
    List<Outcome> outcomes = runner.outcomes();
    Duration replay = Duration.between(started, Instant.now());

    long deferredSucceeded = awaitDeferred(outcomes, keys);
    long expected = syncAnswered(outcomes) + deferredSucceeded;
    long stored = awaitStored(reports, expected, INGEST_WAIT);
    int verdicts = sendFeedback(outcomes, tenants);

    long answered = outcomes.stream().filter(Outcome::answered).count();
    long deferred = outcomes.stream().filter(o -> o.jobId() != null).count();
    long linted = outcomes.stream().filter(Outcome::linted).count();
    QualityLoop.Result loop = new QualityLoop(suite, http, json).run(out::println);
    CostReports.Snapshot snapshot = reports.read();

    List<String> summary = new ArrayList<>();
    summary.add("");
    summary.add(
        String.format(
            Locale.ROOT,
            "Demo finished: %,d requests sent in %ds, %,d answered (%,d of them deferred: 202,"
                + " %,d completed through batch-service), %,d failed, %,d sent twice after a"
                + " timeout.",
            runner.sent(),
            replay.toSeconds(),
            answered,
            deferred,
            deferredSucceeded,
            runner.failed(),
            runner.retried()));
    summary.add(
        "Router's Tokenwise-Cache headers: "
            + runner.cacheOutcomes()
            + "; prompt-cache lint findings on "
            + linted
            + " requests (Tokenwise-Prompt-Lint).");
    summary.add(
        String.format(
            Locale.ROOT,
            "cost-service priced %,d usage events; %d quality verdicts sent"
                + " (POST /v1/feedback).",
            stored,
            verdicts));
    for (String error : runner.errors()) {
      summary.add("  " + error);
    }
    summary.add("");
    summary.addAll(snapshot.lines());
    summary.add("");
    summary.addAll(loop.lines());
    summary.add("");
    summary.addAll(whereToSee(reports));
    summary.forEach(out::println);
    return new Result(
        runner.sent(),
        answered,
        deferred,
        deferredSucceeded,
        runner.failed(),
        stored,
        snapshot.baseline(),
        snapshot.actual(),
        snapshot.byTactic(),
        loop,
        List.copyOf(summary));
  }

  private static long syncAnswered(List<Outcome> outcomes) {
    return outcomes.stream().filter(o -> o.answered() && o.jobId() == null).count();
  }

  /** Polls the deferred requests' jobs through the router until each ended or time ran out. */
  private long awaitDeferred(List<Outcome> outcomes, List<String> keys)
      throws InterruptedException {
    List<Outcome> jobs = outcomes.stream().filter(o -> o.jobId() != null).toList();
    if (jobs.isEmpty()) {
      return 0;
    }
    out.printf(
        Locale.ROOT,
        "Waiting for %d deferred requests to come back through batch-service (at most %ds)...%n",
        jobs.size(),
        DEFERRED_WAIT.toSeconds());
    Map<String, String> status = new HashMap<>();
    Instant deadline = Instant.now().plus(DEFERRED_WAIT);
    Instant nextLine = Instant.now();
    while (true) {
      for (Outcome job : jobs) {
        String last = status.get(job.jobId());
        if ("succeeded".equals(last) || "failed".equals(last)) {
          continue;
        }
        status.put(job.jobId(), jobStatus(job, keys));
      }
      long succeeded = count(status, "succeeded"::equals);
      long ended = succeeded + count(status, "failed"::equals);
      if (ended == jobs.size() || Instant.now().isAfter(deadline)) {
        out.printf(
            Locale.ROOT, "  %d of %d deferred requests succeeded.%n", succeeded, jobs.size());
        return succeeded;
      }
      if (!Instant.now().isBefore(nextLine)) {
        out.printf(Locale.ROOT, "  %d of %d done%n", ended, jobs.size());
        nextLine = Instant.now().plusSeconds(10);
      }
      Thread.sleep(POLL.toMillis() * 2);
    }
  }

  private static long count(Map<String, String> status, Predicate<String> which) {
    return status.values().stream().filter(which).count();
  }

  private String jobStatus(Outcome job, List<String> keys) throws InterruptedException {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(suite.routerUrl().resolve("/v1/jobs/" + job.jobId()))
                  .timeout(Duration.ofSeconds(30))
                  .header("Authorization", "Bearer " + keys.get(job.tenant()))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        return "unknown";
      }
      return json.readTree(response.body()).path("status").asString("unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  /**
   * Waits until cost-service stored {@code expected} usage events for the window, or time ran out.
   */
  private long awaitStored(CostReports reports, long expected, Duration wait)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(wait);
    long stored = -1;
    while (true) {
      try {
        stored = reports.storedRequests();
      } catch (IOException e) {
        // cost-service is busy ingesting; ask again.
      }
      if (stored >= expected || Instant.now().isAfter(deadline)) {
        if (stored < expected) {
          out.printf(
              Locale.ROOT,
              "  cost-service has stored %,d of %,d usage events so far; reporting what it has.%n",
              stored,
              expected);
        }
        return stored;
      }
      Thread.sleep(POLL.toMillis());
    }
  }

  /**
   * Verdicts as users would give them, with the answer's request id: on up to {@value
   * #ROUTED_VERDICTS} answers of the routed part (route {@code auto}), good or bad as the
   * simulator's quality world has it — whether the model that answered got that question right.
   */
  private int sendFeedback(List<Outcome> outcomes, List<DemoTenant> tenants)
      throws InterruptedException {
    List<Verdict> verdicts = new ArrayList<>();
    for (Outcome o : outcomes) {
      if (verdicts.size() == ROUTED_VERDICTS) {
        break;
      }
      if (o.answered()
          && o.kind() == Kind.ROUTED
          && o.requestId() != null
          && o.model() != null
          && o.question() != null
          && (o.cache() == null || !o.cache().startsWith("hit"))) {
        Boolean right = simulatorSaysRight(o.model(), o.question());
        if (right != null) {
          verdicts.add(new Verdict(o, !right, right ? null : "the answer's final result is wrong"));
        }
      }
    }
    int sent = 0;
    for (Verdict verdict : verdicts) {
      if (feedback(verdict, tenants)) {
        sent++;
      }
    }
    return sent;
  }

  /** The simulator's truth: did {@code model} answer {@code question} right? Null when unknown. */
  private Boolean simulatorSaysRight(String model, String question) throws InterruptedException {
    ObjectNode body = json.createObjectNode().put("model", model).put("prompt", question);
    try {
      HttpResponse<String> response =
          post(suite.openAiBaseUrl().resolve("/simulator/quality"), body, null);
      if (response.statusCode() != 200) {
        return null;
      }
      return json.readTree(response.body()).path("right").asBoolean();
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Sends one verdict the way a client does, {@code POST /v1/feedback} on the router with the
   * tenant's key; straight to cost-service's {@code POST /api/feedback} when the router has no such
   * endpoint.
   */
  private boolean feedback(Verdict verdict, List<DemoTenant> tenants) throws InterruptedException {
    DemoTenant tenant = tenants.get(verdict.outcome().tenant());
    ObjectNode body = json.createObjectNode();
    body.put("request_id", verdict.outcome().requestId());
    body.put("verdict", verdict.bad() ? "bad" : "good");
    if (verdict.comment() != null) {
      body.put("comment", verdict.comment());
    }
    try {
      HttpResponse<String> response =
          post(suite.routerUrl().resolve("/v1/feedback"), body, "Bearer " + tenant.virtualKey());
      if (response.statusCode() != 404 || response.body().contains("request_id")) {
        return response.statusCode() / 100 == 2;
      }
      body.remove("request_id");
      body.put("requestId", verdict.outcome().requestId());
      body.put("tenant", tenant.id());
      return post(suite.url(Service.COST).resolve("/api/feedback"), body, null).statusCode() / 100
          == 2;
    } catch (IOException e) {
      // A verdict that does not arrive only leaves the quality report thinner.
      return false;
    }
  }

  private HttpResponse<String> post(URI uri, ObjectNode body, String authorization)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private record Verdict(Outcome outcome, boolean bad, String comment) {}

  private List<String> whereToSee(CostReports reports) {
    List<String> lines = new ArrayList<>();
    lines.add(
        "Where to see them (window "
            + reports.from()
            + " to "
            + reports.to()
            + "; send 'Authorization: Bearer <admin token>', printed above):");
    for (String path : CostReports.PATHS) {
      URI url =
          path.equals("/api/reports/weekly")
              ? suite
                  .url(Service.COST)
                  .resolve(path + "?week=" + Instant.now().toString().substring(0, 10))
              : reports.url(path);
      lines.add("  " + url);
    }
    lines.add("  OpenAPI of the reports: " + suite.url(Service.COST).resolve("/v3/api-docs"));
    lines.add("Prometheus endpoints (tokenwise_cost_usd_total, tokenwise_savings_usd_total, ...):");
    for (Service service : Service.values()) {
      lines.add(
          String.format(
              Locale.ROOT,
              "  %-19s %s",
              service.artifactId(),
              suite.url(service).resolve("/actuator/prometheus")));
    }
    return lines;
  }
}
