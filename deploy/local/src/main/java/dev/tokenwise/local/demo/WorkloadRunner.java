package dev.tokenwise.local.demo;

import dev.tokenwise.local.demo.DemoRequest.Kind;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sends workload requests to the router, {@code concurrency} at a time, with the JDK's HttpClient,
 * and tallies what came back from the response headers: status, cache outcome, route, served model,
 * request id, and the job id of each deferred request.
 */
final class WorkloadRunner {

  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

  /** What one answer said about itself. */
  record Outcome(
      Kind kind,
      int tenant,
      int status,
      String cache,
      String route,
      String model,
      String requestId,
      String jobId,
      boolean linted,
      String question) {

    boolean answered() {
      return status >= 200 && status < 300;
    }
  }

  private final HttpClient http;
  private final URI router;
  private final List<String> keys;
  private final JsonMapper json;
  private final Progress progress;

  private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
  private final LongAdder failed = new LongAdder();
  private final Map<String, LongAdder> cache = new ConcurrentHashMap<>();
  private final List<String> errors = new CopyOnWriteArrayList<>();
  private final AtomicLong sent = new AtomicLong();
  private final LongAdder retried = new LongAdder();
  private final List<Future<?>> pending = new CopyOnWriteArrayList<>();
  private final ExecutorService workers;

  WorkloadRunner(
      HttpClient http,
      URI router,
      List<String> keys,
      JsonMapper json,
      int concurrency,
      Progress progress) {
    this.http = http;
    this.router = router;
    this.keys = List.copyOf(keys);
    this.json = json;
    this.progress = progress;
    this.workers = Executors.newFixedThreadPool(concurrency);
  }

  /**
   * Starts the conversations, each a chain of turns and so the longest path through the run; they
   * go on while {@link #run} sends waves of independent requests beside them.
   */
  void start(List<ChatThread> threads) {
    for (ChatThread thread : threads) {
      pending.add(workers.submit(() -> converse(thread)));
    }
  }

  /** Sends the requests; returns when each has been answered or has failed. */
  void run(List<DemoRequest> requests) throws InterruptedException {
    List<Future<?>> wave = new ArrayList<>();
    for (DemoRequest request : requests) {
      wave.add(workers.submit(() -> send(request)));
    }
    await(wave);
  }

  /** Waits for the conversations too, then stops the workers. */
  void finish() throws InterruptedException {
    try {
      await(pending);
    } finally {
      workers.shutdownNow();
    }
  }

  private void await(List<Future<?>> futures) throws InterruptedException {
    for (Future<?> future : futures) {
      try {
        future.get();
      } catch (ExecutionException e) {
        failed.increment();
        note("unexpected: " + e.getCause());
      }
    }
  }

  private void send(DemoRequest request) {
    exchange(request.kind(), request.tenant(), request.route(), request.deferred(), request.body());
  }

  private void converse(ChatThread thread) {
    List<String> answers = new ArrayList<>();
    for (int turn = 0; turn < thread.userTurns().size(); turn++) {
      String body = thread.request(json, turn, answers, Instant.now());
      String answer = exchange(Kind.CHAT, thread.tenant(), thread.route(), false, body);
      // A failed turn still leaves the thread readable: the user repeats the question.
      answers.add(answer != null ? answer : "Sorry, could you repeat that?");
    }
  }

  /** The text of the request's last user message, as the simulator's quality world reads it. */
  private String lastUserMessage(String body) {
    String question = null;
    for (tools.jackson.databind.JsonNode message : readTree(body).path("messages")) {
      if ("user".equals(message.path("role").asString()) && message.path("content").isString()) {
        question = message.path("content").asString();
      }
    }
    return question;
  }

  /**
   * Sends one request; returns the assistant's text when there is one. A request that gets no
   * answer in time, or loses its connection, is sent once more, as a client would.
   */
  private String exchange(Kind kind, int tenant, String route, boolean deferred, String body) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(router.resolve("/v1/chat/completions"))
            .timeout(REQUEST_TIMEOUT)
            .header("Authorization", "Bearer " + keys.get(tenant))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (route != null) {
      builder.header("Tokenwise-Route", route);
    }
    if (deferred) {
      builder.header("Tokenwise-Mode", "deferred");
    }
    HttpRequest request = builder.build();
    sent.incrementAndGet();
    String text = null;
    try {
      HttpResponse<String> response;
      try {
        response = http.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        retried.increment();
        note(kind + " request (route " + route + ") sent again after " + e);
        response = http.send(request, HttpResponse.BodyHandlers.ofString());
      }
      int status = response.statusCode();
      String cacheOutcome = response.headers().firstValue("Tokenwise-Cache").orElse(null);
      String jobId = null;
      if (status == 202) {
        jobId = readTree(response.body()).path("id").asString(null);
      } else if (status / 100 == 2) {
        text =
            readTree(response.body())
                .path("choices")
                .path(0)
                .path("message")
                .path("content")
                .asString(null);
        if (cacheOutcome != null) {
          cache.computeIfAbsent(cacheOutcome, k -> new LongAdder()).increment();
        }
      } else {
        failed.increment();
        note(
            kind
                + " request (route "
                + route
                + "): HTTP "
                + status
                + " "
                + abbreviate(response.body()));
      }
      outcomes.add(
          new Outcome(
              kind,
              tenant,
              status,
              cacheOutcome,
              response.headers().firstValue("Tokenwise-Route").orElse(null),
              response.headers().firstValue("Tokenwise-Model").orElse(null),
              response.headers().firstValue("Tokenwise-Request-Id").orElse(null),
              jobId,
              response.headers().firstValue("Tokenwise-Prompt-Lint").isPresent(),
              lastUserMessage(body)));
    } catch (IOException e) {
      failed.increment();
      note(kind + " request (route " + route + ") failed twice: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failed.increment();
    }
    progress.step(failed.sum(), cacheHits());
    return text;
  }

  private JsonNode readTree(String body) {
    try {
      return json.readTree(body);
    } catch (JacksonException e) {
      return json.createObjectNode();
    }
  }

  private void note(String error) {
    if (errors.size() < 10) {
      errors.add(error);
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 300 ? text : text.substring(0, 300) + "...";
  }

  long sent() {
    return sent.get();
  }

  long failed() {
    return failed.sum();
  }

  /** Requests sent a second time after a timeout or a lost connection. */
  long retried() {
    return retried.sum();
  }

  long cacheHits() {
    return cache.entrySet().stream()
        .filter(e -> e.getKey().startsWith("hit"))
        .mapToLong(e -> e.getValue().sum())
        .sum();
  }

  /** Answers by {@code Tokenwise-Cache} value. */
  Map<String, Long> cacheOutcomes() {
    Map<String, Long> counts = new TreeMap<>();
    cache.forEach((k, v) -> counts.put(k, v.sum()));
    return counts;
  }

  List<Outcome> outcomes() {
    return List.copyOf(outcomes);
  }

  List<String> errors() {
    return List.copyOf(errors);
  }
}
