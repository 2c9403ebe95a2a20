package dev.tokenwise.cost.quality;

import dev.tokenwise.common.quality.RoutingSample;
import dev.tokenwise.common.quality.RoutingVerdict;
import dev.tokenwise.common.security.CallerNotAllowedException;
import dev.tokenwise.common.security.ServiceAuthServletFilter;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;

/**
 * The router's training data: {@code POST /api/quality/routing-samples} stores what its learned
 * classifier saw for one request, {@code GET /api/quality/routing-verdicts} returns a route's
 * samples joined with their verdicts (feedback and shadow evaluation), and {@code GET
 * /api/quality/routing-samples} its newest samples, for the router's retraining job. All take only
 * the router's service token.
 */
@RestController
@Tag(name = "Quality", description = "Feedback, shadow evaluation, regression rate, route advice")
class RoutingSampleController {

  static final int MAX_DIMENSIONS = 4096;
  static final int MAX_FEATURES = 256;
  static final int MAX_PROMPT = 100_000;
  static final int MAX_VERDICTS = 50_000;
  private static final int MAX_NAME = 200;

  private final RoutingSampleStore store;

  RoutingSampleController(RoutingSampleStore store) {
    this.store = store;
  }

  record Stored(String requestId, String status) {}

  @PostMapping("/api/quality/routing-samples")
  @Operation(
      summary = "Store what the router's classifier saw for one request",
      description =
          "201 when stored, 200 when a sample with this request id was stored before (it is"
              + " kept).")
  ResponseEntity<Stored> sample(@RequestBody RoutingSample body, HttpServletRequest request) {
    require(body != null, null, "body must be a JSON object");
    require(name(body.requestId()), "requestId", "required, at most " + MAX_NAME + " characters");
    require(name(body.tenant()), "tenant", "required, at most " + MAX_NAME + " characters");
    require(name(body.route()), "route", "required, at most " + MAX_NAME + " characters");
    require(
        name(body.routerVersion()),
        "routerVersion",
        "required, at most " + MAX_NAME + " characters");
    CallerNotAllowedException.requireTenant(
        ServiceAuthServletFilter.caller(request), body.tenant());
    require(body.servedTier() == 0 || body.servedTier() == 1, "servedTier", "must be 0 or 1");
    require(body.propensity() > 0 && body.propensity() <= 1, "propensity", "must be in (0, 1]");
    require(body.embedding() != null, "embedding", "required");
    float[] embedding;
    try {
      embedding = RoutingSample.decode(body.embedding());
    } catch (IllegalArgumentException e) {
      throw new InvalidSampleException(
          "embedding", "must be base64 of little-endian float32 values: " + e.getMessage());
    }
    require(
        embedding.length > 0 && embedding.length <= MAX_DIMENSIONS,
        "embedding",
        "must have 1 to " + MAX_DIMENSIONS + " dimensions");
    require(body.features() != null, "features", "required (may be empty)");
    require(body.features().length <= MAX_FEATURES, "features", "at most " + MAX_FEATURES);
    for (double f : body.features()) {
      require(Double.isFinite(f), "features", "must be finite numbers");
    }
    require(
        body.prompt() == null || body.prompt().length() <= MAX_PROMPT,
        "prompt",
        "at most " + MAX_PROMPT + " characters");
    boolean stored = store.save(body);
    return ResponseEntity.status(stored ? HttpStatus.CREATED : HttpStatus.OK)
        .body(new Stored(body.requestId(), stored ? "stored" : "duplicate"));
  }

  @GetMapping("/api/quality/routing-verdicts")
  @Operation(
      summary = "A route's verdicts with the routing samples they judge",
      description =
          "The newest `limit` verdicts received since `since` (default: 30 days ago), oldest"
              + " first. A request with feedback and a shadow evaluation appears once per source.")
  List<RoutingVerdict> verdicts(
      @RequestParam(required = false) String route,
      @RequestParam(required = false) String since,
      @RequestParam(defaultValue = "20000") int limit) {
    require(name(route), "route", "required");
    require(limit > 0 && limit <= MAX_VERDICTS, "limit", "must be 1 to " + MAX_VERDICTS);
    Instant from;
    if (since == null || since.isBlank()) {
      from = Instant.now().minus(Duration.ofDays(30));
    } else {
      try {
        from = Instant.parse(since);
      } catch (DateTimeParseException e) {
        throw new InvalidSampleException(
            "since", "must be an ISO-8601 instant such as 2026-11-27T00:00:00Z");
      }
    }
    return store.verdicts(route, from, limit);
  }

  @GetMapping("/api/quality/routing-samples")
  @Operation(
      summary = "A route's newest routing samples, with or without verdicts",
      description =
          "The route's traffic as its classifier saw it (prompts never included): the router sets"
              + " a retrained model's thresholds from it, so a strong share means the same share"
              + " of the route's own requests.")
  List<RoutingSample> samples(
      @RequestParam(required = false) String route,
      @RequestParam(defaultValue = "2000") int limit) {
    require(name(route), "route", "required");
    require(limit > 0 && limit <= MAX_VERDICTS, "limit", "must be 1 to " + MAX_VERDICTS);
    return store.samples(route, limit);
  }

  @ExceptionHandler(HttpMessageNotReadableException.class)
  ProblemDetail unreadable(HttpMessageNotReadableException e) {
    Throwable cause = e.getMostSpecificCause();
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.BAD_REQUEST,
            "the body is not a routing sample: "
                + (cause instanceof JacksonException j
                    ? j.getOriginalMessage()
                    : cause.getMessage()));
    problem.setTitle("Invalid routing sample");
    return problem;
  }

  @ExceptionHandler(InvalidSampleException.class)
  ProblemDetail invalid(InvalidSampleException e) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.BAD_REQUEST,
            e.field == null ? e.getMessage() : e.field + ": " + e.getMessage());
    problem.setTitle("Invalid routing sample");
    problem.setProperty("field", e.field);
    return problem;
  }

  private static boolean name(String value) {
    return value != null && !value.isBlank() && value.length() <= MAX_NAME;
  }

  private static void require(boolean ok, String field, String message) {
    if (!ok) {
      throw new InvalidSampleException(field, message);
    }
  }

  static final class InvalidSampleException extends RuntimeException {
    private final String field;

    InvalidSampleException(String field, String message) {
      super(message);
      this.field = field;
    }
  }
}
