package dev.tokenwise.simulator.control;

import dev.tokenwise.simulator.billing.BillingLedger;
import dev.tokenwise.simulator.fault.Fault;
import dev.tokenwise.simulator.fault.FaultPlanner;
import dev.tokenwise.simulator.fault.FaultPlanner.QueuedFault;
import dev.tokenwise.simulator.quality.QualityWorld;
import dev.tokenwise.simulator.stats.RecordedRequest;
import dev.tokenwise.simulator.stats.RequestLog;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Lets tests see and steer the simulator: {@code GET /simulator/stats}, {@code GET
 * /simulator/requests}, {@code POST /simulator/faults}, {@code POST /simulator/reset}. Errors are
 * RFC 9457 problem details, as on every internal Tokenwise API.
 */
@RestController
class ControlController {

  private static final int MAX_QUEUED = 10_000;

  private final RequestLog requests;
  private final FaultPlanner faults;
  private final BillingLedger billing;
  private final QualityWorld quality;

  ControlController(
      RequestLog requests, FaultPlanner faults, BillingLedger billing, QualityWorld quality) {
    this.requests = requests;
    this.faults = faults;
    this.billing = billing;
    this.quality = quality;
  }

  /** Request counts per provider endpoint, injected faults, and faults still queued. */
  record Stats(
      long total, Map<String, Long> endpoints, Map<String, Long> faults, int queuedFaults) {}

  /**
   * Faults to inject into the next {@code count} provider requests that name no fault by header,
   * optionally only those to one endpoint or for one model.
   */
  record QueuedFaults(String fault, Integer count, String endpoint, String model) {}

  @GetMapping("/simulator/stats")
  Stats stats() {
    Map<String, Long> counts = requests.counts();
    long total = counts.values().stream().mapToLong(Long::longValue).sum();
    return new Stats(total, counts, faults.injected(), faults.queued());
  }

  @GetMapping("/simulator/requests")
  List<RecordedRequest> recent(@RequestParam(required = false) String endpoint) {
    return requests.recent().stream()
        .filter(r -> endpoint == null || r.endpoint().equals(endpoint))
        .toList();
  }

  @PostMapping("/simulator/faults")
  ResponseEntity<?> enqueue(@RequestBody QueuedFaults request) {
    Fault fault = request.fault() == null ? null : Fault.fromToken(request.fault()).orElse(null);
    int count = request.count() == null ? 1 : request.count();
    if (fault == null || count < 1 || count > MAX_QUEUED) {
      ProblemDetail problem =
          ProblemDetail.forStatusAndDetail(
              HttpStatus.BAD_REQUEST,
              "fault must be one of 429, 500, 503, 529, reset, slow-first-byte, stream-error; count"
                  + " 1.."
                  + MAX_QUEUED);
      problem.setType(URI.create("https://tokenwise.dev/problems/invalid-simulator-fault"));
      problem.setTitle("Invalid simulator fault");
      return ResponseEntity.badRequest().body(problem);
    }
    faults.enqueue(new QueuedFault(fault, request.endpoint(), request.model()), count);
    return ResponseEntity.accepted().body(stats());
  }

  @PostMapping("/simulator/reset")
  ResponseEntity<Void> reset() {
    requests.reset();
    faults.reset();
    billing.reset();
    quality.reset();
    return ResponseEntity.noContent().build();
  }
}
