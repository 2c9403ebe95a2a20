package dev.tokenwise.simulator.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * Counts provider requests per endpoint and keeps the latest ones, so a test can assert "no
 * provider call" or inspect what was forwarded. Also counted in the {@code simulator.requests}
 * meter, tagged by endpoint.
 */
@Component
public class RequestLog {

  /** How many recent requests are kept. */
  static final int KEPT = 200;

  private static final Set<String> CREDENTIALS = Set.of("authorization", "x-api-key", "api-key");

  private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
  private final Deque<RecordedRequest> recent = new ArrayDeque<>();
  private final MeterRegistry meters;
  private final Clock clock;

  public RequestLog(MeterRegistry meters) {
    this.meters = meters;
    this.clock = Clock.systemUTC();
  }

  /** Bodies larger than this many characters are counted but not kept. */
  static final int MAX_KEPT_BODY_CHARS = 256 * 1024;

  /** Records a request without a body to {@code endpoint} (e.g. {@code GET /v1/models}). */
  public void record(String endpoint, HttpHeaders headers) {
    record(endpoint, headers, null, 0);
  }

  /**
   * Records a request to {@code endpoint} (e.g. {@code POST /v1/messages}) whose body, {@code
   * bodyChars} long, parsed to {@code body} (null if it did not).
   */
  public void record(String endpoint, HttpHeaders headers, JsonNode body, long bodyChars) {
    counts.computeIfAbsent(endpoint, e -> new AtomicLong()).incrementAndGet();
    Counter.builder("tokenwise.simulator.requests")
        .description("Requests the simulated providers received, by endpoint")
        .tag("endpoint", endpoint)
        .register(meters)
        .increment();
    Map<String, String> kept = new TreeMap<>();
    headers.forEach(
        (name, values) -> {
          String lower = name.toLowerCase(Locale.ROOT);
          kept.put(lower, CREDENTIALS.contains(lower) ? "<redacted>" : String.join(", ", values));
        });
    synchronized (recent) {
      boolean omitted = bodyChars > MAX_KEPT_BODY_CHARS;
      recent.addLast(
          new RecordedRequest(endpoint, clock.instant(), kept, omitted ? null : body, omitted));
      while (recent.size() > KEPT) {
        recent.removeFirst();
      }
    }
  }

  /** Requests per endpoint since the last reset, sorted by endpoint. */
  public Map<String, Long> counts() {
    Map<String, Long> snapshot = new TreeMap<>();
    counts.forEach((endpoint, count) -> snapshot.put(endpoint, count.get()));
    return snapshot;
  }

  /** The latest requests, oldest first. */
  public List<RecordedRequest> recent() {
    synchronized (recent) {
      return new ArrayList<>(recent);
    }
  }

  /** Forgets counts and requests (the meter keeps counting: meters are monotonic). */
  public void reset() {
    counts.clear();
    synchronized (recent) {
      recent.clear();
    }
  }
}
