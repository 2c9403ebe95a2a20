package dev.tokenwise.batch.intake;

import dev.tokenwise.batch.metrics.BatchMetrics;
import java.net.URI;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /internal/deferred}: the router hands over a routed request; the answer is {@code
 * 202} with the job id. Bad input is a 400 RFC 9457 problem naming the field, and nothing is
 * stored.
 */
@RestController
class DeferredController {

  static final URI INVALID = URI.create("https://tokenwise.dev/problems/invalid-deferred-request");

  private final JsonMapper json;
  private final DeferredIntake intake;
  private final DeferredRequests requests;
  private final BatchMetrics metrics;

  DeferredController(
      JsonMapper json, DeferredIntake intake, DeferredRequests requests, BatchMetrics metrics) {
    this.json = json;
    this.intake = intake;
    this.requests = requests;
    this.metrics = metrics;
  }

  @PostMapping("/internal/deferred")
  ResponseEntity<Map<String, Object>> submit(@RequestBody(required = false) byte[] body) {
    JsonNode tree;
    try {
      tree = body == null || body.length == 0 ? null : json.readTree(body);
    } catch (JacksonException e) {
      throw new InvalidDeferredRequest(null, "The body is not valid JSON.");
    }
    UUID id = requests.add(intake.read(tree));
    metrics.count(BatchMetrics.Outcome.ACCEPTED);
    return ResponseEntity.status(HttpStatus.ACCEPTED)
        .location(URI.create("/v1/jobs/" + id))
        .body(Map.of("id", id.toString(), "status", "queued", "statusUrl", "/v1/jobs/" + id));
  }

  @ExceptionHandler(InvalidDeferredRequest.class)
  ProblemDetail invalid(InvalidDeferredRequest e) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
    problem.setType(INVALID);
    problem.setTitle("Invalid deferred request");
    if (e.field() != null) {
      problem.setProperty("field", e.field());
    }
    return problem;
  }
}
