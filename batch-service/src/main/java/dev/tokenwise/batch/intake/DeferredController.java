package dev.tokenwise.batch.intake;

import dev.tokenwise.batch.metrics.BatchMetrics;
import dev.tokenwise.common.batch.DeferredApi;
import dev.tokenwise.common.security.CallerNotAllowedException;
import dev.tokenwise.common.security.ServiceAuthServletFilter;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
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
  static final URI TOO_LARGE = URI.create("https://tokenwise.dev/problems/body-too-large");

  private final JsonMapper json;
  private final DeferredIntake intake;
  private final DeferredRequests requests;
  private final BatchMetrics metrics;
  private final IntakeProperties limits;

  DeferredController(
      JsonMapper json,
      DeferredIntake intake,
      DeferredRequests requests,
      BatchMetrics metrics,
      IntakeProperties limits) {
    this.limits = limits;
    this.json = json;
    this.intake = intake;
    this.requests = requests;
    this.metrics = metrics;
  }

  @PostMapping(DeferredApi.PATH)
  ResponseEntity<DeferredApi.Accepted> submit(HttpServletRequest request) throws IOException {
    byte[] body = bounded(request, limits.maxBodySize().toBytes());
    JsonNode tree;
    try {
      tree = body == null || body.length == 0 ? null : json.readTree(body);
    } catch (JacksonException e) {
      throw new InvalidDeferredRequest(null, "The body is not valid JSON.");
    }
    NewRequest submitted = intake.read(tree);
    CallerNotAllowedException.requireTenant(
        ServiceAuthServletFilter.caller(request), submitted.tenant());
    UUID id = requests.add(submitted);
    metrics.count(BatchMetrics.Outcome.ACCEPTED);
    return ResponseEntity.status(HttpStatus.ACCEPTED)
        .location(URI.create("/v1/jobs/" + id))
        .body(new DeferredApi.Accepted(id.toString(), "queued", "/v1/jobs/" + id));
  }

  /**
   * The request's body, read only as far as {@code limit}: a declared length over it is refused
   * before reading, a chunked body as soon as it passes it.
   */
  private static byte[] bounded(HttpServletRequest request, long limit) throws IOException {
    long declared = request.getContentLengthLong();
    if (declared > limit) {
      throw new BodyTooLarge(limit);
    }
    try (InputStream in = request.getInputStream()) {
      byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
      if (body.length > limit) {
        throw new BodyTooLarge(limit);
      }
      return body;
    }
  }

  /** A submission over {@code tokenwise.batch.intake.max-body-size}. */
  static final class BodyTooLarge extends RuntimeException {
    BodyTooLarge(long limit) {
      super(
          "The body is larger than the limit of "
              + limit
              + " bytes (tokenwise.batch.intake.max-body-size).");
    }
  }

  @ExceptionHandler(BodyTooLarge.class)
  ProblemDetail tooLarge(BodyTooLarge e) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(HttpStatus.CONTENT_TOO_LARGE, e.getMessage());
    problem.setType(TOO_LARGE);
    problem.setTitle("Body too large");
    return problem;
  }

  /** A caller whose service token names another tenant than the submission: 403, nothing queued. */
  @ExceptionHandler(CallerNotAllowedException.class)
  ProblemDetail notAllowed(CallerNotAllowedException e) {
    return e.getBody();
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
