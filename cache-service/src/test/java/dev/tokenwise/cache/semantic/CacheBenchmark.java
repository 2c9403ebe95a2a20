package dev.tokenwise.cache.semantic;

import dev.tokenwise.cache.CacheApplication;
import dev.tokenwise.cache.namespace.CacheNamespace;
import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.testsupport.TestRedis;
import dev.tokenwise.common.testsupport.TestServers;
import dev.tokenwise.common.testsupport.TestServiceTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import reactor.core.publisher.Flux;

/**
 * A load harness for BENCHMARKS.md, not a test (its name matches neither {@code *Tests} nor {@code
 * *IT}). Measures, on this machine:
 *
 * <ol>
 *   <li>exact-lookup p50/p99 through the service over HTTP, against a real Redis;
 *   <li>rebuild time of a replica's index from {@code n} entries of one namespace in Redis, and the
 *       index's bytes per entry;
 *   <li>semantic search p50/p99 excluding the embedding (top 4 on the rebuilt index, in process);
 *   <li>semantic lookup p50/p99 through the service over HTTP, embedding included: misses, and
 *       paraphrases of stored questions that reach the verifier;
 *   <li>restart time: a third instance restores the index from the snapshot the second wrote.
 * </ol>
 *
 * Vectors are random unit vectors (the harder case for HNSW than real, clustered embeddings).
 *
 * <pre>
 * ./mvnw -q -pl cache-service test-compile exec:java -Dexec.classpathScope=test \
 *   -Dexec.mainClass=dev.tokenwise.cache.semantic.CacheBenchmark -Dexec.args=100000
 * </pre>
 */
public final class CacheBenchmark {

  private static final int DIMENSION = 384;
  private static final String CONTEXT = "0123456789abcdef0123456789abcdef";

  private CacheBenchmark() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    Random random = new Random(42);
    float[][] vectors = new float[n][];
    for (int i = 0; i < n; i++) {
      vectors[i] = unit(random);
    }
    throughTheService(n, vectors, random);
    System.exit(0);
  }

  private static void throughTheService(int n, float[][] vectors, Random random) throws Exception {
    TestRedis redis = TestServers.redis();
    redis.flushAll();
    String[] properties = {
      "--spring.data.redis.host=" + redis.host(),
      "--spring.data.redis.port=" + redis.port(),
      "--server.port=0",
      "--logging.level.root=WARN",
      // Measure latency, not the fail-open cut-off: on a loaded machine the 50 ms default would
      // turn the slowest lookups into misses and hide them.
      "--tokenwise.cache.exact.lookup-timeout=2s",
      "--tokenwise.cache.semantic.lookup-timeout=2s",
      "--spring.data.redis.timeout=30s",
      "--logging.level.dev.tokenwise.cache.semantic.SemanticIndexes=INFO"
    };
    HttpClient http = HttpClient.newHttpClient();
    CacheNamespace namespace = new CacheNamespace("bench", "default", "gpt-5-mini");
    try (ConfigurableApplicationContext app =
        SpringApplication.run(CacheApplication.class, properties)) {
      int port = ((WebServerApplicationContext) app).getWebServer().getPort();
      String request =
          "{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"What is Redis?\"}]}";
      post(http, port, "/store", body(request, ",\"response\":" + answer()));
      long[] exact = new long[5000];
      int hits = 0;
      for (int round = -2000; round < exact.length; round++) {
        long t = System.nanoTime();
        String answer = post(http, port, "/lookup", body(request, ""));
        if (round >= 0) {
          exact[round] = System.nanoTime() - t;
          hits += answer.contains("hit-exact") ? 1 : 0;
        }
      }
      System.out.printf(
          Locale.ROOT, "exact lookup over HTTP (%d hits): %s%n", hits, percentiles(exact));

      // Seed n semantic entries straight into Redis, as n stores would leave them.
      SemanticEntries entries = app.getBean(SemanticEntries.class);
      byte[] response = answer().getBytes();
      long seedStart = System.nanoTime();
      Flux.range(0, n)
          .flatMap(
              i ->
                  entries.put(
                      SemanticEntries.key(namespace, id(i)),
                      "question " + i,
                      CONTEXT,
                      vectors[i],
                      Instant.now(),
                      response,
                      Duration.ofHours(6)),
              16)
          .blockLast();
      System.out.printf(
          Locale.ROOT,
          "seeded %d entries into Redis in %.1f s%n",
          n,
          (System.nanoTime() - seedStart) / 1e9);
    }

    long rebuildStart = System.nanoTime();
    try (ConfigurableApplicationContext app =
        SpringApplication.run(CacheApplication.class, properties)) {
      SemanticIndexes indexes = app.getBean(SemanticIndexes.class);
      while (!indexes.isRebuilt()) {
        Thread.sleep(50);
      }
      System.out.printf(
          Locale.ROOT,
          "rebuild from Redis: %d entries, service start to index ready %.1f s; index %.0f"
              + " bytes/entry%n",
          indexes.entryCount(),
          (System.nanoTime() - rebuildStart) / 1e9,
          (double) indexes.bytesUsed() / Math.max(1, indexes.entryCount()));
      // Search excluding the embedding, on the rebuilt index itself: top 4 of one context.
      String segment = namespace.keySegment();
      long[] search = new long[3000];
      for (int round = -1000; round < search.length; round++) {
        float[] query = near(vectors[random.nextInt(n)], random);
        long t = System.nanoTime();
        indexes.search(segment, CONTEXT, query, 4);
        if (round >= 0) {
          search[round] = System.nanoTime() - t;
        }
      }
      System.out.printf(
          Locale.ROOT,
          "semantic search excluding the embedding, %d entries in one namespace: %s%n",
          indexes.entryCount(),
          percentiles(search));
      int port = ((WebServerApplicationContext) app).getWebServer().getPort();
      List<String> questions = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        questions.add("How do I configure feature number " + i + " of the product?");
      }
      long[] semantic = new long[2000];
      for (int round = -500; round < semantic.length; round++) {
        String question = questions.get(Math.floorMod(round, questions.size()));
        String request =
            "{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + question
                + "\"}]}";
        long t = System.nanoTime();
        String answer = post(http, port, "/lookup", body(request, ""));
        if (round >= 0) {
          semantic[round] = System.nanoTime() - t;
        }
        if (round == 0 && !answer.contains("miss")) {
          System.out.println("unexpected: " + answer);
        }
      }
      System.out.printf(
          Locale.ROOT,
          "semantic lookup over HTTP, %d entries in the namespace, embedding included: %s%n",
          indexes.entryCount(),
          percentiles(semantic));

      // Lookups that reach the verifier: 200 questions stored through the service, then asked
      // again in other words (same numbers, so the guards pass and the candidate is scored).
      for (String question : questions) {
        post(http, port, "/store", body(chat(question), ",\"response\":" + answer()));
      }
      long[] verified = new long[2000];
      int semanticHits = 0;
      for (int round = -500; round < verified.length; round++) {
        String question =
            questions.get(Math.floorMod(round, questions.size())).replace("How do I", "How can I");
        long t = System.nanoTime();
        String answer = post(http, port, "/lookup", body(chat(question), ""));
        if (round >= 0) {
          verified[round] = System.nanoTime() - t;
          semanticHits += answer.contains("hit-semantic") ? 1 : 0;
        }
      }
      System.out.printf(
          Locale.ROOT,
          "semantic lookup over HTTP reaching the verifier (%d of %d hit), %d entries, embedding"
              + " included: %s%n",
          semanticHits,
          verified.length,
          indexes.entryCount(),
          percentiles(verified));
      long snapshotStart = System.nanoTime();
      indexes.writeSnapshot().block();
      System.out.printf(
          Locale.ROOT,
          "snapshot written to Redis in %.1f s%n",
          (System.nanoTime() - snapshotStart) / 1e9);
    }

    // A restart: the index comes from the snapshot the previous instance wrote.
    long restartStart = System.nanoTime();
    try (ConfigurableApplicationContext app =
        SpringApplication.run(CacheApplication.class, properties)) {
      SemanticIndexes indexes = app.getBean(SemanticIndexes.class);
      while (!indexes.isRebuilt()) {
        Thread.sleep(50);
      }
      double ready = (System.nanoTime() - restartStart) / 1e9;
      int port = ((WebServerApplicationContext) app).getWebServer().getPort();
      String answer =
          post(
              http,
              port,
              "/lookup",
              body(chat("How can I configure feature number 7 of the product?"), ""));
      System.out.printf(
          Locale.ROOT,
          "restart: %d entries %s, service start to index ready %.1f s, to the first semantic"
              + " answer (%s) %.1f s%n",
          indexes.entryCount(),
          indexes.isRestoredFromSnapshot() ? "restored from the snapshot" : "REBUILT",
          ready,
          answer.contains("hit-semantic") ? "a hit" : "not a hit",
          (System.nanoTime() - restartStart) / 1e9);
    }
  }

  private static String chat(String question) {
    return "{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\""
        + question
        + "\"}]}";
  }

  private static String body(String request, String extra) {
    return "{\"tenant\":\"bench\",\"route\":\"default\",\"model\":\"gpt-5-mini\",\"request\":"
        + request
        + extra
        + "}";
  }

  private static String post(HttpClient http, int port, String path, String body) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/internal/cache" + path))
                .header("Content-Type", "application/json")
                .header(
                    ServiceTokens.HEADER,
                    TestServiceTokens.forBody(ServiceTokens.ROUTER, ServiceTokens.CACHE, body))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return response.body();
  }

  private static String answer() {
    return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-5-mini\","
        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"An"
        + " in-memory data store.\"},\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":5,\"total_tokens\":14}}";
  }

  private static String percentiles(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return String.format(
        Locale.ROOT,
        "p50 %.3f ms, p99 %.3f ms (n=%d)",
        sorted[sorted.length / 2] / 1e6,
        sorted[(int) (sorted.length * 0.99)] / 1e6,
        sorted.length);
  }

  private static String id(int n) {
    return String.format(Locale.ROOT, "%032x", n);
  }

  private static float[] near(float[] vector, Random random) {
    float[] v = vector.clone();
    for (int i = 0; i < v.length; i++) {
      v[i] += (float) (random.nextGaussian() * 0.02);
    }
    return normalise(v);
  }

  private static float[] unit(Random random) {
    float[] v = new float[DIMENSION];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return normalise(v);
  }

  private static float[] normalise(float[] v) {
    double sum = 0;
    for (float x : v) {
      sum += x * x;
    }
    float scale = (float) (1 / Math.sqrt(sum));
    for (int i = 0; i < v.length; i++) {
      v[i] *= scale;
    }
    return v;
  }
}
