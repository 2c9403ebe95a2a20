package dev.tokenwise.simulator.fault;

import dev.tokenwise.simulator.wire.BadSimulatorHeader;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;

/**
 * Decides, per provider request, which fault (if any) to inject and how fast to answer. A header
 * wins over queued faults, which win over the configured rates.
 */
@Component
public class FaultPlanner {

  /** Injects one fault into this request: a {@link Fault} token, or {@code none}. */
  public static final String FAULT_HEADER = "x-simulator-fault";

  /** Overrides the time to first token for this request, in milliseconds. */
  public static final String LATENCY_HEADER = "x-simulator-latency-ms";

  /** Overrides the output speed for this request, in tokens per second (0 = unlimited). */
  public static final String SPEED_HEADER = "x-simulator-tokens-per-second";

  private final FaultProperties faults;
  private final LatencyProperties latency;
  private final Map<Fault, Double> rates;
  private final Random random;
  private final Deque<QueuedFault> queued = new ArrayDeque<>();
  private final Map<Fault, Long> injected = new EnumMap<>(Fault.class);

  public FaultPlanner(FaultProperties faults, LatencyProperties latency) {
    this.faults = faults;
    this.latency = latency;
    this.rates = faults.faultRates();
    this.random = faults.seed() == null ? new Random() : new Random(faults.seed());
  }

  /**
   * A fault waiting for the next matching request.
   *
   * @param fault the fault to inject
   * @param endpoint only requests to this endpoint ({@code POST /v1/messages}); null for any
   * @param model only requests for this model (as requested, or the snapshot served); null for any
   */
  public record QueuedFault(Fault fault, String endpoint, String model) {

    boolean matches(String endpoint, Set<String> models) {
      return (this.endpoint == null || this.endpoint.equals(endpoint))
          && (this.model == null || models.contains(this.model));
    }
  }

  /**
   * The fault for a request to {@code endpoint} for one of {@code models}, counted as injected.
   *
   * @throws BadSimulatorHeader when the fault header names no fault
   */
  public Optional<Fault> faultFor(HttpHeaders headers, String endpoint, Set<String> models) {
    Optional<Fault> fault = choose(headers, endpoint, models);
    fault.ifPresent(
        f -> {
          synchronized (injected) {
            injected.merge(f, 1L, Long::sum);
          }
        });
    return fault;
  }

  private Optional<Fault> choose(HttpHeaders headers, String endpoint, Set<String> models) {
    String header = headers.getFirst(FAULT_HEADER);
    if (header != null && !header.isBlank()) {
      if (header.strip().equalsIgnoreCase("none")) {
        return Optional.empty();
      }
      return Optional.of(
          Fault.fromToken(header)
              .orElseThrow(
                  () ->
                      new BadSimulatorHeader(
                          FAULT_HEADER, "unknown fault '" + header.strip() + "'")));
    }
    synchronized (queued) {
      for (Iterator<QueuedFault> it = queued.iterator(); it.hasNext(); ) {
        QueuedFault next = it.next();
        if (next.matches(endpoint, models)) {
          it.remove();
          return Optional.of(next.fault());
        }
      }
    }
    if (rates.isEmpty()) {
      return Optional.empty();
    }
    double draw = random.nextDouble();
    double bound = 0;
    for (Map.Entry<Fault, Double> rate : rates.entrySet()) {
      bound += rate.getValue();
      if (draw < bound) {
        return Optional.of(rate.getKey());
      }
    }
    return Optional.empty();
  }

  /**
   * The pacing for a request with these headers.
   *
   * @throws BadSimulatorHeader when a latency header is not a non-negative number
   */
  public Pacing pacingFor(HttpHeaders headers) {
    Duration ttft = latency.timeToFirstToken();
    double speed = latency.tokensPerSecond();
    String ms = headers.getFirst(LATENCY_HEADER);
    if (ms != null) {
      ttft = Duration.ofMillis(nonNegative(LATENCY_HEADER, ms).longValue());
    }
    String tps = headers.getFirst(SPEED_HEADER);
    if (tps != null) {
      speed = nonNegative(SPEED_HEADER, tps).doubleValue();
    }
    return new Pacing(ttft, speed);
  }

  /** Makes the next {@code count} matching requests without a fault header fail with it. */
  public void enqueue(QueuedFault fault, int count) {
    synchronized (queued) {
      for (int i = 0; i < count; i++) {
        queued.addLast(fault);
      }
    }
  }

  /** How many of each fault have been injected since the last reset, by token. */
  public Map<String, Long> injected() {
    Map<String, Long> byToken = new LinkedHashMap<>();
    synchronized (injected) {
      injected.forEach((fault, count) -> byToken.put(fault.token(), count));
    }
    return byToken;
  }

  /** Faults still queued. */
  public int queued() {
    synchronized (queued) {
      return queued.size();
    }
  }

  /** Forgets queued faults and the injected counts. */
  public void reset() {
    synchronized (queued) {
      queued.clear();
    }
    synchronized (injected) {
      injected.clear();
    }
  }

  /** The {@code Retry-After} for throttling faults. */
  public Duration retryAfter() {
    return faults.retryAfter();
  }

  /** How long a slow-first-byte fault holds back the response. */
  public Duration slowFirstByte() {
    return faults.slowFirstByte();
  }

  /** Stream events sent before a mid-stream reset or error. */
  public int eventsBeforeReset() {
    return faults.eventsBeforeReset();
  }

  private static Number nonNegative(String header, String value) {
    try {
      double parsed = Double.parseDouble(value.strip());
      if (parsed >= 0 && Double.isFinite(parsed)) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new BadSimulatorHeader(header, "expected a non-negative number, got '" + value + "'");
  }
}
