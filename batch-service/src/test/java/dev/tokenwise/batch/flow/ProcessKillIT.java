package dev.tokenwise.batch.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenwise.batch.BatchApplication;
import dev.tokenwise.batch.crash.CrashPoint;
import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.testsupport.TestPostgres;
import dev.tokenwise.common.testsupport.TestRedis;
import dev.tokenwise.common.testsupport.TestServers;
import dev.tokenwise.common.usage.UsageStream;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * True kill tests: batch-service runs as a child JVM (the test classpath, {@link BatchApplication})
 * against the real PostgreSQL and Redis of the test-support module and an in-process fake of both
 * batch APIs. Started with {@code tokenwise.batch.crash.halt-at}, it halts at the step and writes a
 * marker; the test then kills it with SIGKILL ({@link Process#destroyForcibly()}) and starts it
 * again, halting at the next step, until a last run finishes the work. Mid-download kills come from
 * the fake provider stalling halfway through the results. Afterwards no request is lost, the
 * provider saw exactly one batch holding each request once, and every request has one result and
 * one usage event.
 */
class ProcessKillIT {

  private static final JsonMapper json = JsonMapper.shared();

  private static FakeProvider provider;
  private static TestPostgres postgres;
  private static TestRedis redis;
  private static RedisClient redisClient;
  private static StatefulRedisConnection<String, String> redisConnection;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Path workDir;
  private Path markers;
  private Path logs;
  private Process child;
  private Process simulator;
  private int port;
  private int runs;

  /** Where the child's provider calls go: the fake, or the provider simulator. */
  private String providerUrl;

  @BeforeAll
  static void servers() throws IOException {
    provider = new FakeProvider();
    postgres = TestServers.postgres();
    redis = TestServers.redis();
    redisClient = RedisClient.create(redis.url());
    redisConnection = redisClient.connect();
  }

  @AfterAll
  static void stopServers() {
    provider.close();
    redisConnection.close();
    redisClient.shutdown();
  }

  @BeforeEach
  void clean() throws IOException, SQLException {
    provider.reset();
    providerUrl = provider.baseUrl();
    workDir = Files.createTempDirectory("tokenwise-kill-work");
    markers = Files.createTempDirectory("tokenwise-kill-markers");
    logs = Path.of("target", "kill-test-logs");
    Files.createDirectories(logs);
    redisConnection.sync().del(UsageStream.KEY);
    // rows other test classes left behind (same database) must not reach this fake provider
    try (Connection db = db();
        Statement statement = db.createStatement()) {
      ResultSet exists = statement.executeQuery("select to_regclass('batch.deferred_request')");
      exists.next();
      if (exists.getString(1) != null) {
        statement.executeUpdate("delete from batch.deferred_request");
        statement.executeUpdate("delete from batch.provider_batch");
        statement.executeUpdate("delete from batch.shedlock");
      }
    }
  }

  @AfterEach
  void stopChild() throws InterruptedException {
    provider.releaseDownloads();
    if (child != null && child.isAlive()) {
      child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    if (simulator != null && simulator.isAlive()) {
      simulator.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void openAiKilledAfterWriteAfterUploadAfterCreateAndMidDownload() throws Exception {
    int requests = 60;
    start(requests, CrashPoint.AFTER_WRITE);
    Map<String, String> questions = submitAll("openai", requests);
    killAt(CrashPoint.AFTER_WRITE);

    start(requests, CrashPoint.AFTER_UPLOAD);
    killAt(CrashPoint.AFTER_UPLOAD);
    assertThat(provider.uploads.get()).isEqualTo(1);
    assertThat(provider.openAiBatchLines).isEmpty();

    start(requests, CrashPoint.AFTER_CREATE);
    killAt(CrashPoint.AFTER_CREATE);
    assertThat(provider.openAiBatchLines).hasSize(1);

    CountDownLatch stalled = provider.stallDownloads();
    start(requests, null);
    assertThat(stalled.await(4, TimeUnit.MINUTES)).as("download began").isTrue();
    kill();
    provider.releaseDownloads();

    start(requests, null);
    awaitAllAnswered(requests);

    // the file upload killed before its id was recorded is repeated (the orphan file is never
    // submitted); the batch created before its id was recorded is adopted, not created again
    assertThat(provider.uploads.get()).isEqualTo(2);
    assertThat(provider.openAiBatchLines).hasSize(1);
    assertOneLineEach(provider.openAiBatchLines.get(0), requests);
    assertAnsweredOnce(questions);
  }

  @Test
  void anthropicKilledAfterCreateAndMidCollect() throws Exception {
    // more than one collect chunk (200 lines), so the kill mid-collect leaves some results stored
    int requests = 230;
    start(requests, CrashPoint.AFTER_CREATE);
    Map<String, String> questions = submitAll("anthropic", requests);
    killAt(CrashPoint.AFTER_CREATE);
    assertThat(provider.anthropicBatchLines).hasSize(1);

    start(requests, CrashPoint.MID_COLLECT);
    killAt(CrashPoint.MID_COLLECT);
    assertThat(count("select count(*) from batch.deferred_request where status = 'succeeded'"))
        .isBetween(1, requests - 1);

    start(requests, null);
    awaitAllAnswered(requests);

    assertThat(provider.anthropicBatchLines).hasSize(1);
    assertOneLineEach(provider.anthropicBatchLines.get(0), requests);
    assertAnsweredOnce(questions);
  }

  /**
   * The same kills against the provider simulator's batch APIs (its jar run as a second child):
   * both providers' batches are created and the process killed before their ids are recorded; the
   * restarted service finds both orphans through the simulator's batch lists. Runs when the
   * simulator's jar is built (a full reactor build builds it first); skipped otherwise.
   */
  @Test
  void bothProvidersKilledAfterCreateAgainstTheSimulator() throws Exception {
    Path jar = simulatorJar();
    Assumptions.assumeTrue(jar != null, "provider-simulator jar not built");
    int simulatorPort = freePort();
    Path log = logs.resolve("simulator-" + System.nanoTime() + ".log");
    simulator =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m",
                "-XX:TieredStopAtLevel=1",
                "-jar",
                jar.toString(),
                "--server.port=" + simulatorPort,
                "--logging.level.root=WARN")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    providerUrl = "http://127.0.0.1:" + simulatorPort;
    await("simulator started (log " + log + ")")
        .atMost(Duration.ofMinutes(4))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptionsInstanceOf(IOException.class)
        .until(
            () -> {
              assertThat(simulator.isAlive()).as("simulator alive, see " + log).isTrue();
              return get(providerUrl + "/actuator/health").statusCode() == 200;
            });

    int requests = 40;
    start(requests, CrashPoint.AFTER_CREATE);
    Map<String, String> questions = submitAll("openai", requests);
    questions.putAll(submitAll("anthropic", requests));
    killAt(CrashPoint.AFTER_CREATE);
    Files.delete(markers.resolve(CrashPoint.AFTER_CREATE.name()));
    // the first batch is adopted on restart; the second group is created and killed the same way
    start(requests, CrashPoint.AFTER_CREATE);
    killAt(CrashPoint.AFTER_CREATE);
    start(requests, null);
    awaitAllAnswered(2 * requests);

    JsonNode openAi = json.readTree(get(providerUrl + "/v1/batches").body()).path("data");
    assertThat(openAi).as("OpenAI batches at the simulator").hasSize(1);
    assertThat(openAi.get(0).at("/request_counts/total").asInt()).isEqualTo(requests);
    JsonNode anthropic =
        json.readTree(get(providerUrl + "/v1/messages/batches").body()).path("data");
    assertThat(anthropic).as("Anthropic batches at the simulator").hasSize(1);
    assertThat(anthropic.get(0).at("/request_counts/succeeded").asInt()).isEqualTo(requests);
    assertThat(count("select count(*) from batch.provider_batch where state = 'collected'"))
        .isEqualTo(2);
    List<StreamMessage<String, String>> events =
        redisConnection.sync().xrange(UsageStream.KEY, Range.create("-", "+"));
    Map<String, Integer> perRequest = new HashMap<>();
    for (StreamMessage<String, String> message : events) {
      JsonNode event = json.readTree(message.getBody().get(UsageStream.FIELD));
      perRequest.merge(event.path("requestId").asString(), 1, Integer::sum);
    }
    assertThat(perRequest.keySet()).isEqualTo(questions.keySet());
    assertThat(perRequest.values()).allSatisfy(n -> assertThat(n).isEqualTo(1));
    for (String id : questions.keySet()) {
      JsonNode job = json.readTree(get("http://127.0.0.1:" + port + "/v1/jobs/" + id).body());
      assertThat(job.path("status").asString()).isEqualTo("succeeded");
      assertThat(job.at("/result/choices/0/message/content").asString()).isNotBlank();
    }
  }

  private static Path simulatorJar() throws IOException {
    Path target = Path.of("..", "provider-simulator", "target");
    if (!Files.isDirectory(target)) {
      return null;
    }
    try (var files = Files.list(target)) {
      return files
          .filter(f -> f.getFileName().toString().matches("provider-simulator-.*\\.jar"))
          .filter(f -> !f.getFileName().toString().endsWith("-plain.jar"))
          .findFirst()
          .orElse(null);
    }
  }

  private HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer sk-test")
            .header("x-api-key", "sk-ant-test")
            .header("anthropic-version", "2023-06-01")
            .header(ServiceTokens.HEADER, BatchTestSupport.routerToken("acme"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Starts batch-service; with {@code haltAt} it halts there. Returns once it takes requests. */
  private void start(int batchSize, CrashPoint haltAt) throws IOException {
    port = freePort();
    runs++;
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx384m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(BatchApplication.class.getName());
    Map<String, String> properties = new HashMap<>();
    properties.put("server.port", String.valueOf(port));
    properties.put("spring.datasource.url", postgres.jdbcUrl());
    properties.put("spring.datasource.username", postgres.username());
    properties.put("spring.datasource.password", postgres.password());
    properties.put("spring.data.redis.host", redis.host());
    properties.put("spring.data.redis.port", String.valueOf(redis.port()));
    properties.put("tokenwise.batch.providers.openai.base-url", providerUrl);
    properties.put("tokenwise.batch.providers.openai.api-key", "sk-test");
    properties.put("tokenwise.batch.providers.anthropic.base-url", providerUrl);
    properties.put("tokenwise.batch.providers.anthropic.api-key", "sk-ant-test");
    properties.put("tokenwise.batch.cache.enabled", "false");
    properties.put("tokenwise.batch.assembly.work-dir", workDir.toString());
    // one batch: the group goes out when all requests are queued, never by age
    properties.put("tokenwise.batch.assembly.max-requests", String.valueOf(batchSize));
    properties.put("tokenwise.batch.assembly.max-age", "1h");
    properties.put("tokenwise.batch.assembly.interval", "200ms");
    properties.put("tokenwise.batch.collect.interval", "200ms");
    properties.put("tokenwise.batch.collect.first-poll", "200ms");
    properties.put("tokenwise.batch.collect.max-poll-interval", "1s");
    properties.put("tokenwise.batch.webhook.interval", "200ms");
    // a killed holder's lock rows expire quickly, so the restarted process is not kept waiting
    properties.put("tokenwise.batch.assembly.lock-at-most", "2s");
    properties.put("tokenwise.batch.collect.lock-at-most", "2s");
    properties.put("tokenwise.batch.webhook.lock-at-most", "2s");
    properties.put("tokenwise.batch.crash.marker-dir", markers.toString());
    if (haltAt != null) {
      properties.put("tokenwise.batch.crash.halt-at", haltAt.name());
    }
    properties.forEach((key, value) -> command.add("--" + key + "=" + value));
    Path log = logs.resolve("run-" + System.nanoTime() + "-" + runs + ".log");
    child =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    await("batch-service started (log " + log + ")")
        .atMost(Duration.ofMinutes(4))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              assertThat(child.isAlive()).as("child alive, see " + log).isTrue();
              return status("/actuator/health/readiness") == 200;
            });
  }

  /** Waits for the child to halt at {@code point}, then kills it. */
  private void killAt(CrashPoint point) throws InterruptedException {
    await("halted at " + point)
        .atMost(Duration.ofMinutes(4))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> Files.exists(markers.resolve(point.name())));
    kill();
  }

  /** SIGKILL: no shutdown hook, no finally block, no commit runs. */
  private void kill() throws InterruptedException {
    child.destroyForcibly();
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
  }

  private Map<String, String> submitAll(String providerName, int n) throws Exception {
    Map<String, String> questions = new HashMap<>();
    for (int i = 0; i < n; i++) {
      String question = "Question " + i + " for " + providerName;
      ObjectNode submission = json.createObjectNode();
      submission.put("tenant", "acme");
      submission.put("route", "default");
      submission.put("provider", providerName);
      submission.put("model", providerName.equals("openai") ? "gpt-5-mini" : "claude-sonnet-4-5");
      ObjectNode body = submission.putObject("body");
      body.put("model", submission.path("model").asString());
      body.put("max_tokens", 64);
      body.putArray("messages").addObject().put("role", "user").put("content", question);
      HttpResponse<String> answer =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/internal/deferred"))
                  .header("Content-Type", "application/json")
                  .header(
                      ServiceTokens.HEADER,
                      BatchTestSupport.routerToken(submission.path("tenant").asString()))
                  .POST(HttpRequest.BodyPublishers.ofString(submission.toString()))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
      questions.put(json.readTree(answer.body()).path("id").asString(), question);
    }
    return questions;
  }

  private void awaitAllAnswered(int n) {
    await("every request answered and its usage event published")
        .atMost(Duration.ofMinutes(4))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                count(
                        "select count(*) from batch.deferred_request"
                            + " where status = 'succeeded' and usage_published")
                    == n);
  }

  private static void assertOneLineEach(List<String> lines, int n) {
    assertThat(lines).hasSize(n);
    assertThat(new HashSet<>(lines)).hasSize(n);
  }

  /** Each request: succeeded, its own answer, exactly one usage event on the stream. */
  private void assertAnsweredOnce(Map<String, String> questions) throws Exception {
    for (Map.Entry<String, String> request : questions.entrySet()) {
      HttpResponse<String> answer =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + port + "/v1/jobs/" + request.getKey()))
                  .header(ServiceTokens.HEADER, BatchTestSupport.routerToken("acme"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      JsonNode job = json.readTree(answer.body());
      assertThat(job.path("status").asString()).isEqualTo("succeeded");
      assertThat(job.at("/result/choices/0/message/content").asString())
          .isEqualTo("Answer to: " + request.getValue());
    }
    List<StreamMessage<String, String>> events =
        redisConnection.sync().xrange(UsageStream.KEY, Range.create("-", "+"));
    Map<String, Integer> perRequest = new HashMap<>();
    Set<String> eventIds = new HashSet<>();
    for (StreamMessage<String, String> message : events) {
      JsonNode event = json.readTree(message.getBody().get(UsageStream.FIELD));
      eventIds.add(event.path("eventId").asString());
      perRequest.merge(event.path("requestId").asString(), 1, Integer::sum);
      assertThat(event.path("mode").asString()).isEqualTo("batch");
    }
    // a re-publish after a kill would carry the same eventId; none was needed here either way
    assertThat(eventIds).hasSize(questions.size());
    assertThat(perRequest.keySet()).isEqualTo(questions.keySet());
    assertThat(perRequest.values()).allSatisfy(n -> assertThat(n).isEqualTo(1));
  }

  private int status(String path) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static int count(String sql) throws SQLException {
    try (Connection db = db();
        Statement statement = db.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getInt(1);
    }
  }

  private static Connection db() throws SQLException {
    return DriverManager.getConnection(
        postgres.jdbcUrl(), postgres.username(), postgres.password());
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
