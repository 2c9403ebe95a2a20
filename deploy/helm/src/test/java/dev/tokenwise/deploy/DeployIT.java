package dev.tokenwise.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenwise.common.security.ServiceTokens;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The deploy artifacts against the running suite. The chart's rendered configuration runs the real
 * services ({@link ChartPods}). The dashboards and alerts against real data: the whole suite
 * (deploy/local's launcher, as a process) scraped by a real Prometheus that also loads the alert
 * rules, traffic through the router, then every panel query and every rule expression evaluated
 * through Prometheus's HTTP API. Every one must parse; every panel query must return data.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeployIT {

  private static final String SCRAPE_INTERVAL = "2s";
  private static final String RATE_INTERVAL = "1m";
  private static final String RANGE = "15m";
  // deploy/local's SemanticCacheIT shows the launcher's cache answers this paraphrase.
  private static final String WATER =
      "What is the recommended daily water intake for an adult who weighs 70 kilograms?";
  private static final String WATER_PARAPHRASE =
      "What is the recommended daily water intake of an adult weighing 70 kilograms?";
  private static final String WATER_OTHER_NUMBER =
      "What is the recommended daily water intake for an adult who weighs 80 kilograms?";
  private static final String SHADOWED = "shadowed";

  /** A route whose experiment splits each request between gpt-5-mini and claude-haiku-4-5. */
  private static final String SPLIT = "split";

  private static final String ADMIN_TOKEN = "deploy-it-admin-" + java.util.UUID.randomUUID();

  /** The suite's service secret (the launcher keeps one it is given). */
  private static final String SERVICE_SECRET =
      "deploy-it-service-secret-" + java.util.UUID.randomUUID();

  private static final Pattern KEY_LINE = Pattern.compile("^\\s+(demo\\S*)\\s+(\\S+)\\s*$");
  private static final Pattern SERVER_LINE =
      Pattern.compile("^\\s+(redis|postgresql)\\s+localhost:(\\d+).*$");

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final AtomicBoolean driving = new AtomicBoolean(true);
  private final List<String> launcherOutput = new ArrayList<>();
  private Process launcher;
  private Process prometheus;
  private URI router;
  private URI costService;
  private URI cacheService;
  private Path launcherJar;
  private int simulatorPort;
  private final Map<String, Integer> infrastructure =
      new java.util.concurrent.ConcurrentHashMap<>();
  private URI prometheusUrl;
  private String virtualKey;
  private CompletableFuture<Void> traffic;

  @BeforeAll
  void startSuiteAndPrometheus(@TempDir Path work) throws Exception {
    Path jar =
        Path.of(System.getProperty("tokenwise.local.jar", "../local/target/tokenwise-local.jar"));
    assertThat(jar).as("the launcher jar (build deploy/local first)").isRegularFile();
    Path prometheusBinary =
        Promtool.executable("prometheus")
            .orElseThrow(
                () ->
                    new AssertionError(
                        "prometheus is not on the PATH (Debian package prometheus)"));

    int base = freePortBlock();
    Map<String, Integer> services = new LinkedHashMap<>();
    services.put("router-service", base);
    services.put("cache-service", base + 1);
    services.put("batch-service", base + 2);
    services.put("cost-service", base + 3);
    services.put("provider-simulator", base + 10);
    router = URI.create("http://127.0.0.1:" + base);
    costService = URI.create("http://127.0.0.1:" + (base + 3));
    cacheService = URI.create("http://127.0.0.1:" + (base + 1));
    launcherJar = jar;
    simulatorPort = base + 10;
    startLauncher(jar, base, work.resolve("suite"));

    Path rules = work.resolve("tokenwise-alerts.yml");
    Files.copy(Deploy.RULES, rules);
    StringBuilder config = new StringBuilder();
    config
        .append("global:\n  scrape_interval: ")
        .append(SCRAPE_INTERVAL)
        .append("\n  evaluation_interval: ")
        .append(SCRAPE_INTERVAL)
        .append("\n");
    config.append("rule_files:\n  - ").append(rules.toAbsolutePath()).append("\n");
    config.append("scrape_configs:\n");
    services.forEach(
        (name, port) ->
            config
                .append("  - job_name: ")
                .append(name)
                .append("\n")
                .append("    metrics_path: /actuator/prometheus\n")
                .append("    static_configs:\n      - targets: ['127.0.0.1:")
                .append(port)
                .append("']\n"));
    Path configFile = work.resolve("prometheus.yml");
    Files.writeString(configFile, config);
    int prometheusPort = freePort();
    prometheusUrl = URI.create("http://127.0.0.1:" + prometheusPort);
    prometheus =
        new ProcessBuilder(
                prometheusBinary.toString(),
                "--config.file=" + configFile,
                "--storage.tsdb.path=" + work.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + prometheusPort)
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("prometheus.log").toFile())
            .start();
    await("every service scraped")
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () -> {
              JsonNode targets = api("/api/v1/targets").at("/data/activeTargets");
              assertThat(targets.size()).isEqualTo(services.size());
              assertThat(targets.valueStream().map(t -> t.path("health").asString()))
                  .containsOnly("up");
            });

    traffic = CompletableFuture.runAsync(this::driveTraffic);
    await("costs priced and cache savings counted")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () -> {
              assertThat(query("sum(tokenwise_cost_usd_total) > 0")).isNotEmpty();
              assertThat(query("sum(tokenwise_savings_usd_total{tactic=\"cache\"}) > 0"))
                  .isNotEmpty();
              assertThat(query("sum(rate(gen_ai_client_operation_duration_seconds_count[1m])) > 0"))
                  .isNotEmpty();
            });
  }

  @AfterAll
  void stop() throws Exception {
    driving.set(false);
    if (traffic != null) {
      traffic.get(1, TimeUnit.MINUTES);
    }
    stopProcess(prometheus);
    stopProcess(launcher);
  }

  @Test
  void everyPanelQueryParsesAndReturnsData() {
    // Some series appear only after their traffic has gone round (a stored answer before its
    // paraphrase hits, a verdict before the regression-rate gauge): wait for all of them.
    await("every panel query returns data")
        .atMost(Duration.ofMinutes(6))
        .pollInterval(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              List<String> failures = new ArrayList<>();
              for (PanelQuery panel : PanelQuery.all()) {
                JsonNode answer = apiQuery(panel.resolved(RATE_INTERVAL, RANGE));
                if (!"success".equals(answer.path("status").asString())) {
                  failures.add(panel + " does not parse: " + answer.path("error").asString());
                } else if (answer.at("/data/result").isEmpty() && !quietHere(panel.expr())) {
                  Set<String> absent = new TreeSet<>();
                  panel.names().stream().filter(n -> !exported(n)).forEach(absent::add);
                  failures.add(
                      panel
                          + " returned no data: "
                          + panel.expr()
                          + " (not exported: "
                          + absent
                          + ")");
                }
              }
              assertThat(failures).isEmpty();
              // Not only series: the paraphrases were answered from the semantic cache and
              // shadow-checked, and the changed number was refused.
              assertThat(
                      query(
                          "sum(tokenwise_cache_lookups_total{application=\"cache-service\","
                              + " kind=\"semantic\", result=\"hit\"}) > 0"))
                  .isNotEmpty();
              assertThat(query("sum(tokenwise_cache_semantic_shadow_reports_total) > 0"))
                  .isNotEmpty();
              assertThat(
                      query(
                          "sum(tokenwise_cache_semantic_guard_refusals_total{guard=\"numbers\"}) > 0"))
                  .isNotEmpty();
            });
    // What the traffic produced, for the build log.
    for (String total :
        List.of(
            "sum by (kind, result) (tokenwise_cache_lookups_total{application=\"cache-service\"})",
            "sum by (guard) (tokenwise_cache_semantic_guard_refusals_total)",
            "sum by (route, outcome) (tokenwise_cache_semantic_shadow_reports_total)",
            "sum by (gen_ai_request_model, reason) (tokenwise_router_fallbacks_total)",
            "max by (name, state) (resilience4j_circuitbreaker_state) == 1",
            "sum by (rule) (tokenwise_promptcache_lint_total)",
            "sum(gen_ai_client_operation_time_to_first_chunk_seconds_count)",
            "sum by (result) (tokenwise_promptcache_tokens_total)",
            "sum by (outcome) (tokenwise_batch_requests_total)",
            "sum by (route, verdict) (tokenwise_quality_feedback_total)",
            "sum by (route, outcome) (tokenwise_quality_shadow_evaluations_total)")) {
      System.out.println("DeployIT " + total + " -> " + query(total));
    }
  }

  @Test
  void everyRuleIsLoadedAndEvaluatesWithoutError() {
    JsonNode file = Deploy.readYaml(Deploy.RULES);
    List<String> expressions =
        file.path("groups")
            .valueStream()
            .flatMap(g -> g.path("rules").valueStream())
            .map(r -> r.path("expr").asString())
            .toList();
    for (String expr : expressions) {
      JsonNode answer = apiQuery(expr);
      assertThat(answer.path("status").asString())
          .as(expr + answer.path("error"))
          .isEqualTo("success");
    }
    await("every rule evaluated")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () -> {
              List<JsonNode> rules =
                  api("/api/v1/rules")
                      .at("/data/groups")
                      .valueStream()
                      .flatMap(g -> g.path("rules").valueStream())
                      .toList();
              assertThat(rules).hasSize(expressions.size());
              for (JsonNode rule : rules) {
                assertThat(rule.path("health").asString())
                    .as(rule.path("name").asString() + " " + rule.path("lastError").asString())
                    .isEqualTo("ok");
              }
            });
    // The recording rules over exported metrics produce series: the alerts read real data.
    await("recorded budget burn")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () -> {
              assertThat(query("tokenwise:budget_burn:ratio_rate1h")).isNotEmpty();
              assertThat(query("tokenwise:budget_monthly:usd")).isNotEmpty();
            });
  }

  @Test
  void everyAlertReadsMetricsTheServicesExport() {
    await("every metric an alert reads is exported")
        .atMost(Duration.ofMinutes(6))
        .pollInterval(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              List<String> missing = new ArrayList<>();
              for (JsonNode alert : AlertRulesTests.alerts(Deploy.readYaml(Deploy.RULES))) {
                PanelQuery asQuery =
                    new PanelQuery(
                        "alerts",
                        alert.path("alert").asString(),
                        "expr",
                        alert.path("expr").asString());
                for (String name : asQuery.names()) {
                  if (!name.contains(":") && !exported(name) && !quietHere(name)) {
                    missing.add(asQuery.panel() + " reads " + name + ", which no service exports");
                  }
                }
              }
              assertThat(missing).isEmpty();
            });
  }

  @Test
  void theChartsConfigurationRunsTheRealServices(@TempDir Path work) throws Exception {
    String key = "tw-chart-" + java.util.UUID.randomUUID();
    Path values = work.resolve("values.yaml");
    Files.writeString(
        values,
        """
        redis:
          url: redis://127.0.0.1:%d/0
        postgresql:
          url: jdbc:postgresql://127.0.0.1:%d/tokenwise
        providers:
          openai:
            baseUrl: http://127.0.0.1:%d
          anthropic:
            baseUrl: http://127.0.0.1:%d
        router:
          defaultRoute:
            name: default
            model: gpt-5-mini
          tenants:
            - id: chart
              app: chart-test
              keyHashes: [%s]
          routes:
            chart-file:
              output:
                default-max-tokens: 64
        """
            .formatted(
                infrastructure.get("redis"),
                infrastructure.get("postgresql"),
                simulatorPort,
                simulatorPort,
                sha256(key)));
    Manifests manifests = HelmChart.render(values);
    // What the existing Secret holds (embedded PostgreSQL trusts local logins).
    Map<String, String> secret =
        Map.of(
            "openai-api-key", "sk-chart-test",
            "anthropic-api-key", "sk-chart-test",
            "cost-db-username", "tokenwise_cost",
            "cost-db-password", "not-checked-locally",
            "batch-db-username", "tokenwise_batch",
            "batch-db-password", "not-checked-locally",
            "service-secret", "chart-test-service-secret-0123456789abcdef");
    try (ChartPods pods = new ChartPods(manifests, secret, work)) {
      pods.start(
          launcherJar,
          List.of("tw-cache-service", "tw-cost-service", "tw-batch-service", "tw-router-service"),
          freePortBlock());
      URI chartRouter = URI.create("http://127.0.0.1:" + pods.port("tw-router-service"));
      String body =
          "{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Chart test \"}]}";
      assertThat(send(chartRouter, body, "sk-not-a-tenant").statusCode()).isEqualTo(401);
      HttpResponse<String> first = send(chartRouter, body, key);
      assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
      assertThat(first.headers().firstValue("Tokenwise-Route")).hasValue("default");
      // The route file the chart mounts is one the router reads.
      HttpResponse<String> routed = send(chartRouter, body, key, "Tokenwise-Route", "chart-file");
      assertThat(routed.statusCode()).as(routed.body()).isEqualTo(200);
      assertThat(routed.headers().firstValue("Tokenwise-Route")).hasValue("chart-file");
      // The router reaches the chart's cache-service through the URL the chart gave it.
      await("an exact-cache hit through the chart's cache-service")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(500))
          .untilAsserted(
              () ->
                  assertThat(send(chartRouter, body, key).headers().firstValue("Tokenwise-Cache"))
                      .hasValue("hit-exact"));
    }
  }

  private HttpResponse<String> send(URI base, String body, String key, String... headers) {
    try {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
              .timeout(Duration.ofSeconds(60))
              .header("Authorization", "Bearer " + key)
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body));
      if (headers.length > 0) {
        request.headers(headers);
      }
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String sha256(String text) throws java.security.NoSuchAlgorithmException {
    return java.util.HexFormat.of()
        .formatHex(
            java.security.MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  private boolean exported(String metric) {
    return !query("count({__name__=\"" + metric + "\"})").isEmpty();
  }

  private JsonNode query(String promql) {
    JsonNode answer = apiQuery(promql);
    assertThat(answer.path("status").asString())
        .as(promql + answer.path("error"))
        .isEqualTo("success");
    return answer.at("/data/result");
  }

  private JsonNode apiQuery(String promql) {
    return api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
  }

  private JsonNode api(String pathAndQuery) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(prometheusUrl.resolve(pathAndQuery))
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return Deploy.JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Until the tests end, what every panel reads: distinct questions (provider calls, costs),
   * repeated ones (exact cache hits, savings), a paraphrase (semantic hits) and one with a changed
   * number (a guard refusal), streams (time to first chunk), a Claude model, a model whose provider
   * fails so its fallback answers (fallbacks, breaker state), prompts the prompt-cache lint flags
   * (a system message after the user's, a timestamp in the system prompt), a deferred request
   * (batch meters), feedback through the router and a shadow verdict (quality meters), requests on
   * a route with an experiment (per-arm gauges), and requests that fail (bad key, bad body).
   */
  private void driveTraffic() {
    primeSemanticCache(null);
    primeSemanticCache(SHADOWED);
    int i = 0;
    while (driving.get()) {
      i++;
      chat("gpt-5-mini", "Question number " + i + ": name a colour.", false, virtualKey);
      HttpResponse<String> capital =
          chat("gpt-5-mini", "What is the capital of France?", false, virtualKey);
      // A paraphrase of a stored question (a semantic hit), and the question with another number
      // (refused by the numbers guard); on the shadowed route every semantic hit is checked.
      chat("gpt-5-mini", WATER, false, virtualKey);
      chat("gpt-5-mini", WATER_PARAPHRASE, false, virtualKey);
      chat("gpt-5-mini", WATER_OTHER_NUMBER, false, virtualKey);
      post(
          router.resolve("/v1/chat/completions"),
          body(WATER),
          virtualKey,
          "Tokenwise-Route",
          SHADOWED);
      post(
          router.resolve("/v1/chat/completions"),
          body(WATER_PARAPHRASE),
          virtualKey,
          "Tokenwise-Route",
          SHADOWED);
      if (i % 3 == 1) {
        chat("gpt-5-mini", "Stream number " + i + ", please.", true, virtualKey);
        // The simulator fails gpt-5-nano's next calls (retries included): gpt-5-mini answers.
        post(
            simulator("/simulator/faults"),
            "{\"fault\":\"503\",\"count\":3,\"model\":\"gpt-5-nano\"}",
            null);
        chat("gpt-5-nano", "Fallback question " + i, false, virtualKey);
        // A system message after the user's, with a timestamp: the lint counts both.
        post(
            router.resolve("/v1/chat/completions"),
            "{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi"
                + " ("
                + i
                + ").\"},{\"role\":\"system\",\"content\":\"You are terse. It is"
                + " 2026-11-27T10:15:00Z.\"}]}",
            virtualKey);
        chat("claude-haiku-4-5", "Claude question " + i, false, virtualKey);
        // Each request on the split route is assigned an arm of its experiment anew.
        post(
            router.resolve("/v1/chat/completions"),
            body("Experiment question " + i),
            virtualKey,
            "Tokenwise-Route",
            SPLIT);
        post(
            router.resolve("/v1/chat/completions"),
            "{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Deferred"
                + " question "
                + i
                + "\"}]}",
            virtualKey,
            "Tokenwise-Mode",
            "deferred");
        String requestId =
            capital == null
                ? null
                : capital.headers().firstValue("Tokenwise-Request-Id").orElse(null);
        if (requestId != null) {
          post(
              router.resolve("/v1/feedback"),
              "{\"request_id\":\"" + requestId + "\",\"verdict\":\"good\"}",
              virtualKey);
          // A judge's verdict on a replay of the same request (cost-service's shadow API).
          post(
              costService.resolve("/api/quality/shadow"),
              "{\"requestId\":\""
                  + requestId
                  + "\",\"route\":\"default\",\"similarity\":0.93,\"judge\":\"deploy-it\"}",
              null,
              "Authorization",
              "Bearer " + ADMIN_TOKEN);
        }
        chat("gpt-5-mini", "unauthorized", false, "sk-not-a-tenant-key");
        post(router.resolve("/v1/chat/completions"), "{\"model\": 42}", virtualKey);
      }
    }
  }

  /**
   * Asks {@link #WATER} on {@code route} (null: the default route) and waits until cache-service
   * would answer {@link #WATER_PARAPHRASE} from it. The router stores in the background after
   * answering and the semantic index follows Redis a moment later; a paraphrase sent before that
   * misses and is stored as an entry of its own, and every later one is then an exact hit, so
   * without this wait the semantic hits the dashboards show depend on a race. The wait asks
   * cache-service directly, with the policy the router sends, so it calls no provider. A timeout
   * here is not fatal: the panel test's assertions name what is missing.
   */
  private void primeSemanticCache(String route) {
    HttpResponse<String> answer =
        route == null
            ? chat("gpt-5-mini", WATER, false, virtualKey)
            : post(
                router.resolve("/v1/chat/completions"),
                body(WATER),
                virtualKey,
                "Tokenwise-Route",
                route);
    if (answer == null || answer.statusCode() != 200) {
      return;
    }
    String modelVersion = Deploy.JSON.readTree(answer.body()).path("model").asString("");
    String lookup =
        "{\"tenant\":\"demo\",\"route\":\""
            + (route == null ? "default" : route)
            + "\",\"model\":\"gpt-5-mini\",\"request\":"
            + body(WATER_PARAPHRASE)
            + ",\"policy\":{\"semantic\":true,\"modelVersion\":\""
            + modelVersion
            + "\"}}";
    try {
      await("cache-service answers the paraphrase on route " + route)
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                HttpResponse<String> found =
                    post(
                        cacheService.resolve("/internal/cache/lookup"),
                        lookup,
                        null,
                        ServiceTokens.HEADER,
                        new ServiceTokens(SERVICE_SECRET, ServiceTokens.ROUTER, Clock.systemUTC())
                            .mint(ServiceTokens.CACHE, "demo"));
                return found != null
                    && found.statusCode() == 200
                    && "hit-semantic"
                        .equals(Deploy.JSON.readTree(found.body()).path("result").asString(""));
              });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      System.out.println("[deploy] " + e.getMessage());
    }
  }

  private URI simulator(String path) {
    return URI.create("http://127.0.0.1:" + simulatorPort + path);
  }

  private static String body(String question) {
    return "{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\""
        + question
        + "\"}]}";
  }

  private HttpResponse<String> chat(String model, String content, boolean stream, String key) {
    return post(
        router.resolve("/v1/chat/completions"),
        "{\"model\":\""
            + model
            + "\",\"stream\":"
            + stream
            + ",\"messages\":[{\"role\":\"user\",\"content\":\""
            + content
            + "\"}]}",
        key);
  }

  /** The answer, or null when the request failed in transport (a failed request is traffic too). */
  private HttpResponse<String> post(URI uri, String body, String key, String... headers) {
    try {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(uri)
              .timeout(Duration.ofSeconds(60))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body));
      if (key != null) {
        request.header("Authorization", "Bearer " + key);
      }
      if (headers.length > 0) {
        request.headers(headers);
      }
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      driving.set(false);
      return null;
    }
  }

  private void startLauncher(Path jar, int base, Path runDir) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder builder =
        new ProcessBuilder(
                java.toString(),
                "-jar",
                jar.toAbsolutePath().toString(),
                "--port-base=" + base,
                "--run-dir=" + runDir,
                "--startup-timeout=PT5M")
            .redirectErrorStream(true);
    // The simulator stands in for the providers, whatever keys this machine has.
    builder.environment().remove("OPENAI_API_KEY");
    builder.environment().remove("ANTHROPIC_API_KEY");
    builder.environment().remove("GEMINI_API_KEY");
    // A secret of our own, so the semantic-cache wait below can ask cache-service as the router.
    builder.environment().put("TOKENWISE_SERVICE_SECRET", SERVICE_SECRET);
    // The admin token: a judge's verdicts go to cost-service with it.
    builder.environment().put("TOKENWISE_ADMIN_TOKEN", ADMIN_TOKEN);
    // Every child reads this; each binds only its own part. Router: gpt-5-nano falls back to
    // gpt-5-mini (the failures the simulator injects for gpt-5-nano show as fallbacks and breaker
    // state), a route "shadowed" whose semantic hits are all shadow-checked, a route "split" with
    // an
    // experiment (the quality dashboard's per-arm panels), and cache timeouts
    // (router and cache-service) long enough for embeddings on a loaded machine, as in
    // deploy/local's SemanticCacheIT.
    builder
        .environment()
        .put(
            "SPRING_APPLICATION_JSON",
            "{\"tokenwise\":{"
                + "\"router\":{\"resilience\":{\"fallbacks\":{\"gpt-5-nano\":[\"gpt-5-mini\"]}},"
                + "\"cache\":{\"timeout\":\"20s\",\"store-timeout\":\"30s\"},"
                + "\"routes\":{\""
                + SHADOWED
                + "\":{\"cache\":{\"shadow-rate\":1}},\""
                + SPLIT
                + "\":{\"experiment\":{\"name\":\"deploy-it\",\"sticky\":\"request\","
                + "\"arms\":[{\"name\":\"mini\",\"model\":\"gpt-5-mini\"},"
                + "{\"name\":\"haiku\",\"model\":\"claude-haiku-4-5\"}]}}}},"
                + "\"cache\":{\"semantic\":{\"lookup-timeout\":\"15s\","
                + "\"store-timeout\":\"20s\"}}}}");
    launcher = builder.start();
    CompletableFuture<String> key = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8))) {
                boolean running = false;
                String line;
                while ((line = lines.readLine()) != null) {
                  synchronized (launcherOutput) {
                    launcherOutput.add(line);
                  }
                  running |= line.startsWith("Tokenwise is running.");
                  Matcher server = SERVER_LINE.matcher(line);
                  if (running && server.matches()) {
                    infrastructure.put(server.group(1), Integer.parseInt(server.group(2)));
                  }
                  Matcher m = KEY_LINE.matcher(line);
                  if (running && m.matches() && m.group(1).equals("demo")) {
                    key.complete(m.group(2));
                  }
                }
                key.completeExceptionally(new AssertionError("launcher exited:\n" + tail()));
              } catch (IOException e) {
                key.completeExceptionally(e);
              }
            },
            "tokenwise-local-output");
    reader.setDaemon(true);
    reader.start();
    virtualKey = key.get(6, TimeUnit.MINUTES);
  }

  private String tail() {
    synchronized (launcherOutput) {
      return String.join(
          "\n",
          launcherOutput.subList(Math.max(0, launcherOutput.size() - 40), launcherOutput.size()));
    }
  }

  private static void stopProcess(Process process) throws InterruptedException {
    if (process == null) {
      return;
    }
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** A base port whose +0..+3 and +10 are free (the launcher's --port-base layout). */
  private static int freePortBlock() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      // Below the kernel's ephemeral range (32768 and up on Linux), so that no outgoing
      // connection of a starting service can take a port before its own server binds it.
      int base = 12000 + (int) (Math.random() * 18000);
      if (free(base) && free(base + 1) && free(base + 2) && free(base + 3) && free(base + 10)) {
        return base;
      }
    }
    throw new IOException("no free block of ports");
  }

  private static boolean free(int port) {
    try (ServerSocket socket = new ServerSocket(port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /**
   * Series this deployment cannot produce: reconciliation is off without providers' admin keys (the
   * gauge appears with its first run), the traffic driven here has no request that fails with no
   * tokens, and no route of the launcher's learns its semantic threshold under a {@code
   * maxFalseHitRate} (the learned-threshold gauges appear per such route). Covered instead by
   * cost-service's ReconciliationIT and ReportsIT and cache-service's SemanticCacheIT.
   */
  private static boolean quietHere(String exprOrName) {
    return exprOrName.contains("tokenwise_cost_reconciliation_drift")
        || exprOrName.contains("outcome=\"failed\"")
        || exprOrName.contains("tokenwise_cache_semantic_learned_threshold")
        || exprOrName.contains("tokenwise_cache_semantic_max_false_hit_rate")
        || exprOrName.contains("tokenwise_cache_semantic_false_hit_lookup_upper_bound");
  }
}
