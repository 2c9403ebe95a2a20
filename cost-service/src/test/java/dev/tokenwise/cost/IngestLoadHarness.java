package dev.tokenwise.cost;

import com.sun.management.OperatingSystemMXBean;
import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.security.StreamSignatures;
import dev.tokenwise.common.testsupport.TestPostgres;
import dev.tokenwise.common.testsupport.TestRedis;
import dev.tokenwise.common.testsupport.TestServers;
import dev.tokenwise.common.testsupport.TestStreamSignatures;
import dev.tokenwise.common.usage.UsageStream;
import dev.tokenwise.cost.rollup.RollupStore;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.stream.StreamInfo;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Load harness for ingest throughput (not a test; results go in BENCHMARKS.md). Pre-loads N usage
 * events onto the Redis stream (signed as the router, here, so verifying them is part of the
 * measured ingest and signing them is not), boots cost-service against real (embedded) Redis and
 * PostgreSQL, waits until every event is stored, and reports the sustained rate measured inside
 * PostgreSQL: events / (last ingested_at - first ingested_at), so the app's start-up is not
 * counted.
 *
 * <p>Arguments: {@code [events=200000] [batchSize=2000] [consumers=2] [warmup=0]}. With a warm-up,
 * that many events more are pre-loaded ahead of the measured ones and ingested first, so the JIT
 * compiler's warm-up is not counted; the rate and CPU are measured over the {@code events} after
 * them. The workload: 20 tenants, 5 routes, 4 models, 2,000 end users, 10,000 conversations, modes
 * mixed (70% sync, 10% stream, 10% exact cache hits, 5% semantic hits, 5% batch), all in the
 * current hour.
 */
public final class IngestLoadHarness {

  private static final String[] MODELS = {
    "gpt-5-mini", "gpt-5", "claude-sonnet-4-5", "claude-haiku-4-5"
  };
  private static final String[] MODES = {
    "sync", "stream", "cache-exact", "cache-semantic", "batch"
  };

  public static void main(String[] args) throws Exception {
    int events = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int batchSize = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
    int consumers = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 0;
    TestRedis redis = TestServers.redis();
    TestPostgres postgres = TestServers.postgres();
    // The id of the last warm-up entry: measurement starts once the group has read past it.
    String warmedUpAt = preload(redis, warmup + events, warmup);
    System.out.printf(
        "preloaded %d events (%d warm-up) on %s%n", warmup + events, warmup, UsageStream.KEY);

    long bootStart = System.nanoTime();
    try (ConfigurableApplicationContext app =
        new SpringApplicationBuilder(CostApplication.class)
            .run(
                // Command-line arguments: they win over application.yml (default properties do
                // not).
                "--server.port=0",
                "--spring.data.redis.host=" + redis.host(),
                "--spring.data.redis.port=" + redis.port(),
                "--spring.datasource.url=" + postgres.jdbcUrl(),
                "--spring.datasource.username=" + postgres.username(),
                "--spring.datasource.password=" + postgres.password(),
                "--tokenwise.cost.ingest.batch-size=" + batchSize,
                "--tokenwise.cost.ingest.consumers=" + consumers,
                "--logging.level.root=WARN")) {
      JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
      boolean statements = Boolean.getBoolean("harness.statements");
      if (statements) {
        // Needs -Dtokenwise.test.postgres-config=shared_preload_libraries=pg_stat_statements.
        jdbc.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      }
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
      long postmaster = postmasterPid(jdbc);
      // Progress is read from Redis (the group's last delivered id and its pending count), not
      // with count(*) in PostgreSQL, which would add the harness's own scans to the CPU measured.
      // An entry is acknowledged only after its batch committed.
      StringRedisTemplate stream = app.getBean(StringRedisTemplate.class);
      String lastId = stream.opsForStream().info(UsageStream.KEY).lastGeneratedId();
      double[] cpuAtStart = null;
      boolean drained = false;
      while (!drained && System.nanoTime() < deadline) {
        Thread.sleep(100);
        StreamInfo.XInfoGroups groups = stream.opsForStream().groups(UsageStream.KEY);
        String delivered =
            groups.stream()
                .filter(g -> g.groupName().equals(UsageStream.GROUP))
                .map(StreamInfo.XInfoGroup::lastDeliveredId)
                .findFirst()
                .orElse("0-0");
        if (cpuAtStart == null && after(delivered, warmedUpAt)) {
          cpuAtStart = cpuSeconds(postmaster);
          if (statements) {
            jdbc.execute("SELECT pg_stat_statements_reset()");
          }
        }
        drained =
            lastId.equals(delivered)
                && stream
                        .opsForStream()
                        .pending(UsageStream.KEY, UsageStream.GROUP)
                        .getTotalPendingMessages()
                    == 0;
      }
      // The deltas still pending are part of the work: folded before the CPU is read.
      app.getBean(RollupStore.class).foldPending();
      double[] cpuAtEnd = cpuSeconds(postmaster);
      if (statements) {
        // Where PostgreSQL's time went over the measured events, statement by statement.
        jdbc.query(
            "SELECT round(total_exec_time) AS ms, calls, rows, left(regexp_replace(query, '\\s+',"
                + " ' ', 'g'), 90) AS q FROM pg_stat_statements ORDER BY total_exec_time DESC"
                + " LIMIT 12",
            rs -> {
              System.out.printf(
                  "%8d ms %7d calls %9d rows  %s%n",
                  rs.getLong("ms"), rs.getLong("calls"), rs.getLong("rows"), rs.getString("q"));
            });
      }
      double wall = (System.nanoTime() - bootStart) / 1e9;
      // Commit order: the first `warmup` events to commit were the warm-up's.
      Map<String, Object> span =
          jdbc.queryForMap(
              "SELECT count(*) AS n, extract(epoch FROM max(ingested_at) - min(ingested_at)) AS s"
                  + " FROM (SELECT ingested_at FROM cost.usage_event ORDER BY ingested_at"
                  + " OFFSET ?) measured",
              warmup);
      long rollupRows = jdbc.queryForObject("SELECT count(*) FROM cost.usage_rollup", Long.class);
      long actorRows = jdbc.queryForObject("SELECT count(*) FROM cost.usage_actor", Long.class);
      long rolledUp =
          jdbc.queryForObject(
              "SELECT coalesce(sum(requests), 0) FROM cost.usage_rollup", Long.class);
      long n = ((Number) span.get("n")).longValue();
      double seconds = ((Number) span.get("s")).doubleValue();
      System.out.printf(
          "stored %d events (rolled up %d into %d rollup rows, %d actor rows); batch size %d,"
              + " %d consumer threads%n",
          n, rolledUp, rollupRows, actorRows, batchSize, consumers);
      System.out.printf(
          "first->last commit %.2f s: %.0f events/s sustained; wall incl. boot %.1f s%n",
          seconds, n / seconds, wall);
      if (cpuAtStart != null) {
        double appCpu = cpuAtEnd[0] - cpuAtStart[0];
        double pgCpu = cpuAtEnd[1] - cpuAtStart[1];
        // CPU actually spent per event by cost-service and PostgreSQL (user + system) from the
        // first read to the last acknowledgement, which the other processes on a shared machine
        // do not inflate the way they inflate wall-clock time.
        System.out.printf(
            "CPU over all %d events: cost-service %.1f s, PostgreSQL %.1f s = %.3f ms/event;"
                + " two idle cores would sustain about %.0f events/s%n",
            n, appCpu, pgCpu, 1000 * (appCpu + pgCpu) / n, 2 * n / (appCpu + pgCpu));
      }
    }
    System.exit(0);
  }

  private static long postmasterPid(JdbcTemplate jdbc) {
    String dataDirectory = jdbc.queryForObject("SHOW data_directory", String.class);
    try {
      return Long.parseLong(
          Files.readAllLines(Path.of(dataDirectory, "postmaster.pid")).get(0).trim());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** This JVM's CPU seconds and those of the postmaster and its children (Linux /proc). */
  private static double[] cpuSeconds(long postmaster) throws IOException {
    double self =
        ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime()
            / 1e9;
    double ticks = 0;
    try (var procs = Files.list(Path.of("/proc"))) {
      for (Path proc : (Iterable<Path>) procs::iterator) {
        String name = proc.getFileName().toString();
        if (!name.chars().allMatch(Character::isDigit)) {
          continue;
        }
        String stat;
        try {
          stat = Files.readString(proc.resolve("stat"));
        } catch (IOException e) {
          continue; // exited meanwhile
        }
        // Fields after the parenthesised command: state ppid ... utime(14) stime(15).
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long pid = Long.parseLong(name);
        if (pid == postmaster || Long.parseLong(f[1]) == postmaster) {
          ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
        }
      }
    }
    return new double[] {self, ticks / 100.0};
  }

  /** Whether stream id {@code id} is past {@code boundary} ({@code "0-0"}: any delivery is). */
  private static boolean after(String id, String boundary) {
    String[] a = id.split("-");
    String[] b = boundary.split("-");
    int byTime = Long.compare(Long.parseLong(a[0]), Long.parseLong(b[0]));
    return byTime != 0 ? byTime > 0 : Long.parseLong(a[1]) > Long.parseLong(b[1]);
  }

  /** Pre-loads the events; returns the id of entry number {@code mark} ("0-0" when 0). */
  private static String preload(TestRedis redis, int events, int mark) {
    String markId = "0-0";
    RedisClient client = RedisClient.create(redis.url());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      RedisAsyncCommands<String, String> async = connection.async();
      connection.setAutoFlushCommands(false);
      SplittableRandom random = new SplittableRandom(42);
      Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
      List<RedisFuture<?>> pending = new ArrayList<>();
      StreamSignatures router = TestStreamSignatures.as(ServiceTokens.ROUTER);
      for (int i = 0; i < events; i++) {
        RedisFuture<String> added =
            async.xadd(
                UsageStream.KEY,
                router.sign(UsageStream.KEY, Map.of(UsageStream.FIELD, event(random, hour))));
        pending.add(added);
        if (i == mark - 1) {
          connection.flushCommands();
          try {
            markId = added.get(1, TimeUnit.MINUTES);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
        if (pending.size() == 5000) {
          connection.flushCommands();
          LettuceFutures.awaitAll(Duration.ofMinutes(1), pending.toArray(new RedisFuture[0]));
          pending.clear();
        }
      }
      connection.flushCommands();
      LettuceFutures.awaitAll(Duration.ofMinutes(1), pending.toArray(new RedisFuture[0]));
    } finally {
      client.shutdown();
    }
    return markId;
  }

  private static String event(SplittableRandom random, Instant hour) {
    int roll = random.nextInt(100);
    String mode = MODES[roll < 70 ? 0 : roll < 80 ? 1 : roll < 90 ? 2 : roll < 95 ? 3 : 4];
    String model = MODELS[random.nextInt(MODELS.length)];
    long input = 200 + random.nextInt(8000);
    long cached = mode.startsWith("cache") ? 0 : random.nextInt((int) input / 2);
    long output = 20 + random.nextInt(800);
    Instant at = hour.plusMillis(random.nextInt(3_600_000));
    return ("{\"schemaVersion\":1,\"eventId\":\"%s\",\"occurredAt\":\"%s\",\"requestId\":\"req-%d\","
            + "\"tenant\":\"tenant-%d\",\"app\":\"app-%d\",\"endUser\":\"user-%d\","
            + "\"conversationId\":\"conv-%d\",\"route\":\"route-%d\",\"requestedModel\":\"%s\","
            + "\"servedModel\":\"%s\",\"provider\":\"%s\",\"mode\":\"%s\",\"inputTokens\":%d,"
            + "\"cachedInputTokens\":%d,\"outputTokens\":%d,\"reasoningTokens\":0,"
            + "\"latencyMs\":%d,\"status\":\"ok\",\"finishReason\":\"stop\"}")
        .formatted(
            UUID.randomUUID(),
            at,
            random.nextLong(),
            random.nextInt(20),
            random.nextInt(3),
            random.nextInt(2000),
            random.nextInt(10_000),
            random.nextInt(5),
            model,
            model,
            model.startsWith("gpt") ? "openai" : "anthropic",
            mode,
            input,
            cached,
            output,
            100 + random.nextInt(3000));
  }
}
