package dev.tokenwise.batch.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenwise.batch.assemble.Assembler;
import dev.tokenwise.batch.cache.CacheLookups;
import dev.tokenwise.batch.collect.Collector;
import dev.tokenwise.batch.usage.UsagePublisher;
import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.testsupport.RealServers;
import dev.tokenwise.common.testsupport.TestServiceTokens;
import dev.tokenwise.common.usage.UsageStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The figures in BENCHMARKS.md ("batch-service"). Not part of the build: run against a provider
 * simulator started separately (see BENCHMARKS.md for the commands), with {@code
 * -Dtokenwise.benchmark.simulator=http://localhost:8090}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealServers
@EnabledIfSystemProperty(named = "tokenwise.benchmark.simulator", matches = "http.*")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BatchBenchmarks {

  private static final String SIMULATOR = System.getProperty("tokenwise.benchmark.simulator", "");

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) throws Exception {
    registry.add("tokenwise.batch.providers.openai.base-url", () -> SIMULATOR);
    registry.add("tokenwise.batch.providers.openai.api-key", () -> "sk-bench");
    registry.add("tokenwise.batch.providers.anthropic.base-url", () -> SIMULATOR);
    registry.add("tokenwise.batch.providers.anthropic.api-key", () -> "sk-ant-bench");
    String dir = Files.createTempDirectory("tokenwise-bench").toString();
    registry.add("tokenwise.batch.assembly.work-dir", () -> dir);
    registry.add("tokenwise.batch.scheduling.enabled", () -> "false");
    // with -Dtokenwise.benchmark.cache=<cache-service URL> assembly includes the lookups
    String cache = System.getProperty("tokenwise.benchmark.cache", "");
    registry.add("tokenwise.batch.cache.enabled", () -> String.valueOf(!cache.isEmpty()));
    if (!cache.isEmpty()) {
      registry.add("tokenwise.batch.cache.base-url", () -> cache);
    }
    registry.add("logging.level.root", () -> "WARN");
  }

  @Autowired JdbcTemplate jdbc;
  @Autowired StringRedisTemplate redis;
  @Autowired Assembler assembler;
  @Autowired CacheLookups cacheLookups;
  @Autowired Collector collector;
  @Autowired UsagePublisher usage;
  @LocalServerPort int port;

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void clean() {
    jdbc.update("delete from batch.deferred_request");
    jdbc.update("delete from batch.provider_batch");
    redis.delete(UsageStream.KEY);
  }

  @Test
  @Order(1)
  void endToEndThroughTheSimulator() throws Exception {
    int n = Integer.getInteger("tokenwise.benchmark.e2e", 10_000);
    long start = System.nanoTime();
    intake(n, 8, i -> i % 2 == 0 ? "openai" : "anthropic");
    long submitted = System.nanoTime();
    assembler.runOnce(true);
    await()
        .atMost(Duration.ofMinutes(15))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              collector.runOnce(true);
              return count("status in ('succeeded', 'failed')") == n;
            });
    int events = usage.publishPending();
    long end = System.nanoTime();
    assertThat(count("status = 'succeeded'")).isEqualTo(n);
    assertThat(redis.opsForStream().size(UsageStream.KEY)).isEqualTo(n);
    report(
        "end-to-end %d requests (half OpenAI, half Anthropic) through the simulator: %.1f s"
            + " (intake %.1f s, batches to results %.1f s), %d usage events",
        n, secs(end - start), secs(submitted - start), secs(end - submitted), events);
  }

  @Test
  @Order(2)
  void intakeAndAssemblyOf100k() throws Exception {
    long small = assemblyPeak(10_000);
    clean();
    int n = 100_000;
    long start = System.nanoTime();
    intake(n, 8, i -> "openai");
    double intakeSecs = secs(System.nanoTime() - start);
    report(
        "intake %d deferred requests over HTTP, 8 client threads: %.1f s, %.0f req/s",
        n, intakeSecs, n / intakeSecs);
    long large = assemblyPeak(n);
    report(
        "assembly peak heap above baseline: %d MB at 10,000 requests, %d MB at 100,000",
        small >> 20, large >> 20);
  }

  /**
   * Assembly with cache lookups (only with {@code -Dtokenwise.benchmark.cache=<cache-service
   * URL>}): half the queued requests have their answer in cache-service beforehand.
   */
  @Test
  @Order(3)
  void assemblyWithCacheLookups() throws Exception {
    String cache = System.getProperty("tokenwise.benchmark.cache", "");
    Assumptions.assumeFalse(cache.isEmpty(), "no -Dtokenwise.benchmark.cache");
    int n = Integer.getInteger("tokenwise.benchmark.cache-requests", 20_000);
    intake(n, 8, i -> "openai");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> stores = new ArrayList<>();
    for (int i = 0; i < n; i += 2) {
      int item = i;
      stores.add(
          pool.submit(
              () -> {
                String store =
                    "{\"tenant\":\"bench\",\"route\":\"default\",\"model\":\"gpt-5-mini\","
                        + "\"request\":"
                        + clientBody(item)
                        + ",\"response\":{\"id\":\"chatcmpl-"
                        + item
                        + "\",\"object\":\"chat.completion\",\"created\":1764000000,"
                        + "\"model\":\"gpt-5-mini\",\"choices\":[{\"index\":0,\"message\":"
                        + "{\"role\":\"assistant\",\"content\":\"Cached.\"},"
                        + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":40,"
                        + "\"completion_tokens\":30,\"total_tokens\":70}}}";
                HttpResponse<Void> response =
                    http.send(
                        HttpRequest.newBuilder(URI.create(cache + "/internal/cache/store"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(store))
                            .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() != 201) {
                  throw new IllegalStateException("store answered " + response.statusCode());
                }
                return null;
              }));
    }
    for (Future<?> f : stores) {
      f.get();
    }
    pool.shutdown();
    // the lookups the assembler makes first, timed on their own, then the rest of the pass
    long start = System.nanoTime();
    int hits = cacheLookups.answerQueued("openai", "gpt-5-mini", "/v1/chat/completions");
    long looked = System.nanoTime();
    List<?> batches = assembler.runOnce(true);
    long end = System.nanoTime();
    report(
        "assembly of %d requests with cache lookups: %.1f s = lookups %.1f s (%.0f lookups/s,"
            + " %d hits) + submitting the %d misses in %d batch(es) %.1f s",
        n,
        secs(end - start),
        secs(looked - start),
        n / secs(looked - start),
        hits,
        count("status = 'submitted'"),
        batches.size(),
        secs(end - looked));
  }

  /** Assembles {@code n} queued requests (queued first); returns the peak heap above baseline. */
  private long assemblyPeak(int n) throws Exception {
    if (count("status = 'queued'") == 0) {
      intake(n, 8, i -> "openai");
    }
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.gc();
    long baseline = memory.getHeapMemoryUsage().getUsed();
    AtomicLong peak = new AtomicLong(baseline);
    Thread sampler =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                  Thread.sleep(10);
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
    sampler.setDaemon(true);
    sampler.start();
    long start = System.nanoTime();
    List<?> batches = assembler.runOnce(true);
    long took = System.nanoTime() - start;
    sampler.interrupt();
    sampler.join();
    long bytes =
        jdbc.queryForObject(
            "select coalesce(sum(file_bytes), 0) from batch.provider_batch", Long.class);
    report(
        "assembly of %d requests into %d OpenAI batch files (%d MB, written, uploaded, created): %.1f s;"
            + " heap baseline %d MB, peak %d MB",
        n, batches.size(), bytes >> 20, secs(took), baseline >> 20, peak.get() >> 20);
    for (String id :
        jdbc.queryForList("select provider_batch_id from batch.provider_batch", String.class)) {
      http.send(
          HttpRequest.newBuilder(URI.create(SIMULATOR + "/v1/batches/" + id + "/cancel"))
              .header("Authorization", "Bearer sk-bench")
              .POST(HttpRequest.BodyPublishers.noBody())
              .build(),
          HttpResponse.BodyHandlers.discarding());
    }
    return peak.get() - baseline;
  }

  private void intake(int n, int threads, java.util.function.IntFunction<String> provider)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> futures = new ArrayList<>();
    int per = n / threads;
    for (int t = 0; t < threads; t++) {
      int from = t * per;
      int to = t == threads - 1 ? n : from + per;
      futures.add(
          pool.submit(
              () -> {
                for (int i = from; i < to; i++) {
                  String p = provider.apply(i);
                  String model = p.equals("openai") ? "gpt-5-mini" : "claude-sonnet-4-5";
                  String token =
                      TestServiceTokens.token(ServiceTokens.ROUTER, ServiceTokens.BATCH, "bench");
                  String body =
                      "{\"tenant\":\"bench\",\"route\":\"default\",\"provider\":\""
                          + p
                          + "\",\"model\":\""
                          + model
                          + "\",\"clientFormat\":\"openai\",\"body\":"
                          + clientBody(i)
                          + "}";
                  HttpResponse<Void> response =
                      http.send(
                          HttpRequest.newBuilder(
                                  URI.create("http://localhost:" + port + "/internal/deferred"))
                              .header("Content-Type", "application/json")
                              .header(ServiceTokens.HEADER, token)
                              .POST(HttpRequest.BodyPublishers.ofString(body))
                              .build(),
                          HttpResponse.BodyHandlers.discarding());
                  if (response.statusCode() != 202) {
                    throw new IllegalStateException("intake answered " + response.statusCode());
                  }
                }
                return null;
              }));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    pool.shutdown();
  }

  /** The client's OpenAI chat request for item {@code i}. */
  private static String clientBody(int i) {
    return "{\"model\":\"gpt-5-mini\",\"max_completion_tokens\":200,\"messages\":[{\"role\":"
        + "\"system\",\"content\":\"You are a concise assistant for a product catalogue.\"},"
        + "{\"role\":\"user\",\"content\":\"Describe item number "
        + i
        + " in two sentences, mentioning its price and colour.\"}]}";
  }

  private int count(String where) {
    return jdbc.queryForObject(
        "select count(*) from batch.deferred_request where " + where, Integer.class);
  }

  private static double secs(long nanos) {
    return nanos / 1e9;
  }

  private static void report(String format, Object... args) {
    System.out.println("BENCHMARK " + String.format(format, args));
  }
}
