package dev.tokenwise.router;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed-rate load client for the router's latency benchmark (BENCHMARKS.md, router-service;
 * {@code router-service/bench/latency.sh} runs it), since Debian's wrk has no fixed rate ({@code
 * -R} is wrk2's). Requests are sent on a fixed schedule whether or not earlier ones have answered,
 * and each latency is measured from the request's scheduled time, not from when it was sent: a
 * stalled server or a late sender thread shows up in the percentiles instead of silently lowering
 * the offered load (coordinated omission, as wrk2 corrects it). JDK only, so it also runs as a
 * single source file: {@code java FixedRateLoad.java <url> <req/s> <seconds> <key> [body]}; the
 * body defaults to a small gpt-5-mini chat request capped at 16 output tokens.
 *
 * <p>Prints one line: {@code rate=<offered> achieved=<answered/s> ok=<n> errors=<n> p50=<ms>
 * p90=<ms> p99=<ms> p999=<ms> max=<ms>}.
 */
public final class FixedRateLoad {

  private static final String BODY =
      "{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}],"
          + "\"max_completion_tokens\":16}";

  private FixedRateLoad() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println(
          "usage: FixedRateLoad <url> <requests per second> <seconds> [bearer key] [body]");
      System.exit(2);
    }
    URI uri = URI.create(args[0]);
    int rate = Integer.parseInt(args[1]);
    int seconds = Integer.parseInt(args[2]);
    String key = args.length > 3 ? args[3] : "tw-bench-key";
    String body = args.length > 4 ? args[4] : BODY;
    int total = rate * seconds;
    long period = TimeUnit.SECONDS.toNanos(1) / rate;

    ExecutorService callbacks = Executors.newFixedThreadPool(2);
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .executor(callbacks)
            .build();
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + key)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();

    long[] latencies = new long[total];
    AtomicInteger errors = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(total);
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
    for (int i = 0; i < total; i++) {
      long scheduled = start + i * period;
      long wait;
      while ((wait = scheduled - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      int slot = i;
      client
          .sendAsync(request, HttpResponse.BodyHandlers.discarding())
          .whenComplete(
              (response, failure) -> {
                latencies[slot] = System.nanoTime() - scheduled;
                if (failure != null || response.statusCode() != 200) {
                  errors.incrementAndGet();
                }
                done.countDown();
              });
    }
    boolean finished = done.await(60, TimeUnit.SECONDS);
    double elapsed = (System.nanoTime() - start) / 1e9;
    callbacks.shutdownNow();
    long[] sorted = Arrays.copyOf(latencies, total);
    long now = System.nanoTime();
    for (int i = 0; i < total; i++) {
      if (sorted[i] == 0) {
        // still unanswered after the grace period: counted at its age, never as fast
        sorted[i] = now - (start + i * period);
      }
    }
    Arrays.sort(sorted);
    long answered = total - done.getCount();
    System.out.printf(
        Locale.ROOT,
        "rate=%d achieved=%.0f ok=%d errors=%d%s p50=%.3f p90=%.3f p99=%.3f p999=%.3f max=%.3f%n",
        rate,
        answered / elapsed,
        answered - errors.get(),
        errors.get(),
        finished ? "" : " unfinished=" + done.getCount(),
        millis(sorted, 0.50),
        millis(sorted, 0.90),
        millis(sorted, 0.99),
        millis(sorted, 0.999),
        sorted[total - 1] / 1e6);
    System.exit(0);
  }

  private static double millis(long[] sorted, double quantile) {
    int index = (int) Math.ceil(quantile * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
  }
}
