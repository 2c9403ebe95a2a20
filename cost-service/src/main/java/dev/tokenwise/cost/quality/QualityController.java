package dev.tokenwise.cost.quality;

import dev.tokenwise.common.quality.QualityFeedback;
import dev.tokenwise.common.quality.RouteAdvice;
import dev.tokenwise.common.security.CallerNotAllowedException;
import dev.tokenwise.common.security.ServiceAuthServletFilter;
import dev.tokenwise.cost.quality.QualityStore.RouteStats;
import dev.tokenwise.cost.quality.QualityStore.Verdict;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Feedback and shadow-evaluation verdicts in, regression rates and route advice out.
 *
 * <ul>
 *   <li>{@code POST /api/feedback}: what the router forwards from its {@code POST /v1/feedback}.
 *   <li>{@code POST /api/quality/shadow}: a judge's verdict on a replayed request.
 *   <li>{@code GET /api/quality/routes}: the advice per route, as published to Redis.
 *   <li>{@code GET /api/reports/quality}: the fifth metric, regression rate per route.
 * </ul>
 */
@RestController
@Tag(name = "Quality", description = "Feedback, shadow evaluation, regression rate, route advice")
class QualityController {

  static final URI INVALID_VERDICT = URI.create("https://tokenwise.dev/problems/invalid-verdict");
  static final URI UNKNOWN_REQUEST = URI.create("https://tokenwise.dev/problems/unknown-request");
  private static final Set<String> VERDICTS = Set.of("good", "bad");
  private static final int MAX_COMMENT = 2000;

  private final QualityStore store;
  private final RouteAdvisor advisor;
  private final QualityProperties properties;
  private final QualityMeters meters;

  QualityController(
      QualityStore store,
      RouteAdvisor advisor,
      QualityProperties properties,
      QualityMeters meters) {
    this.store = store;
    this.advisor = advisor;
    this.properties = properties;
    this.meters = meters;
  }

  /**
   * @param status {@code recorded} (its route is known) or {@code pending} (its usage event is not
   *     stored yet; it is matched within {@code tokenwise.cost.quality.refresh-interval})
   */
  record Recorded(String requestId, String route, String status, RouteAdvice advice) {}

  @PostMapping("/api/feedback")
  @Operation(
      summary = "Record end-user feedback on one answer",
      description =
          "The router forwards its POST /v1/feedback here. A repeated request id replaces the"
              + " earlier verdict. 202 when the request's usage event is not stored yet.")
  ResponseEntity<Recorded> feedback(@RequestBody QualityFeedback body, HttpServletRequest request) {
    require(body != null, null, "body must be a JSON object");
    require(notBlank(body.requestId()), "requestId", "required");
    require(notBlank(body.tenant()), "tenant", "required");
    CallerNotAllowedException.requireTenant(
        ServiceAuthServletFilter.caller(request), body.tenant());
    require(
        body.verdict() != null && VERDICTS.contains(body.verdict()),
        "verdict",
        "must be 'good' or 'bad'");
    require(
        body.comment() == null || body.comment().length() <= MAX_COMMENT,
        "comment",
        "at most " + MAX_COMMENT + " characters");
    Optional<QualityStore.EventRef> event = store.event(body.requestId());
    if (event.isPresent() && !event.get().tenant().equals(body.tenant())) {
      // Another tenant's request: answered as unknown, so ids cannot be probed across tenants.
      throw new UnknownRequestException(body.requestId());
    }
    String route = event.map(e -> e.route() == null ? "" : e.route()).orElse(null);
    store.save(
        new Verdict(
            body.requestId(),
            "feedback",
            body.tenant(),
            route,
            QualityFeedback.BAD.equals(body.verdict()),
            null,
            null,
            body.comment()));
    meters.feedback(route, QualityFeedback.BAD.equals(body.verdict()));
    return recorded(body.requestId(), route);
  }

  /**
   * @param requestId the request that was replayed against the route's reference model
   * @param route the route it was answered on
   * @param verdict {@code good} or {@code bad}; optional when {@code similarity} is given
   * @param similarity the judge's similarity of the two answers, 0..1; below {@code
   *     tokenwise.cost.quality.similarity-threshold} counts as bad when no verdict is given
   * @param judge which judge decided (a model id, {@code embedding-similarity}), for the record
   * @param tenant the request's tenant, optional (taken from its usage event when stored)
   */
  record Shadow(
      String requestId,
      String route,
      String verdict,
      Double similarity,
      String judge,
      String tenant) {}

  @PostMapping("/api/quality/shadow")
  @Operation(
      summary = "Record a shadow evaluation",
      description =
          "A sampled routed-down or cache-answered request was replayed against the route's"
              + " reference model and a judge compared the answers.")
  ResponseEntity<Recorded> shadow(@RequestBody Shadow body) {
    require(body != null, null, "body must be a JSON object");
    require(notBlank(body.requestId()), "requestId", "required");
    require(notBlank(body.route()), "route", "required");
    require(
        body.verdict() == null || VERDICTS.contains(body.verdict()),
        "verdict",
        "must be 'good' or 'bad'");
    require(
        body.verdict() != null || body.similarity() != null,
        "verdict",
        "a verdict or a similarity is required");
    require(
        body.similarity() == null || (body.similarity() >= 0 && body.similarity() <= 1),
        "similarity",
        "must be between 0 and 1");
    Optional<QualityStore.EventRef> event = store.event(body.requestId());
    if (event.isPresent() && body.tenant() != null && !event.get().tenant().equals(body.tenant())) {
      throw new UnknownRequestException(body.requestId());
    }
    String tenant = event.map(QualityStore.EventRef::tenant).orElse(body.tenant());
    boolean bad =
        body.verdict() != null
            ? "bad".equals(body.verdict())
            : body.similarity() < properties.similarityThreshold();
    store.save(
        new Verdict(
            body.requestId(),
            "shadow",
            tenant,
            body.route(),
            bad,
            body.similarity(),
            body.judge(),
            null));
    meters.shadow(body.route(), bad ? "bad" : "good");
    return recorded(body.requestId(), body.route());
  }

  @GetMapping("/api/quality/routes")
  @Operation(
      summary = "Route advice",
      description =
          "Per route: regression rate over the window, budget, and whether the router should"
              + " tighten it. The router polls this list for quality-gated routing.")
  List<RouteAdvice> routes() {
    return advisor.evaluateAll();
  }

  /** One route's regression rate in a report window. */
  record QualityRow(
      String route,
      long evaluated,
      long bad,
      Double regressionRate,
      double budget,
      boolean overBudget,
      long feedbackVerdicts,
      long shadowVerdicts) {}

  record QualityReport(Instant from, Instant to, List<QualityRow> routes) {}

  @GetMapping("/api/reports/quality")
  @Operation(
      summary = "Quality regression rate per route",
      description =
          "Bad verdicts / evaluated requests (feedback and shadow evaluation; a request counts"
              + " once, bad if any verdict is), by the time verdicts were received.")
  QualityReport report(
      @RequestParam(required = false) String from,
      @RequestParam(required = false) String to,
      @RequestParam(required = false) String tenant,
      @RequestParam(required = false) String route) {
    Instant start = instant("from", from).truncatedTo(ChronoUnit.HOURS);
    Instant end = instant("to", to);
    require(start.isBefore(end), "from", "must be before 'to'");
    Map<String, RouteStats> stats =
        store.stats(start, end, blankToNull(tenant), blankToNull(route));
    List<QualityRow> rows = new ArrayList<>();
    stats.forEach(
        (name, s) -> {
          double budget = properties.budget(name);
          rows.add(
              new QualityRow(
                  name,
                  s.evaluated(),
                  s.bad(),
                  s.rate(),
                  budget,
                  s.rate() != null && s.rate() > budget,
                  s.feedbackVerdicts(),
                  s.shadowVerdicts()));
        });
    return new QualityReport(start, end, rows);
  }

  private ResponseEntity<Recorded> recorded(String requestId, String route) {
    if (route == null) {
      return ResponseEntity.accepted().body(new Recorded(requestId, null, "pending", null));
    }
    RouteAdvice advice = advisor.evaluate(List.of(route)).get(0);
    return ResponseEntity.ok(new Recorded(requestId, route, "recorded", advice));
  }

  @ExceptionHandler(InvalidVerdictException.class)
  ProblemDetail invalid(InvalidVerdictException e) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.BAD_REQUEST,
            e.field == null ? e.getMessage() : e.field + ": " + e.getMessage());
    problem.setType(INVALID_VERDICT);
    problem.setTitle("Invalid verdict");
    problem.setProperty("field", e.field);
    return problem;
  }

  @ExceptionHandler(UnknownRequestException.class)
  ProblemDetail unknown(UnknownRequestException e) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, e.getMessage());
    problem.setType(UNKNOWN_REQUEST);
    problem.setTitle("Unknown request");
    return problem;
  }

  private static Instant instant(String name, String value) {
    require(notBlank(value), name, "required");
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw new InvalidVerdictException(
          name, "must be an ISO-8601 instant such as 2026-11-27T00:00:00Z");
    }
  }

  private static void require(boolean ok, String field, String message) {
    if (!ok) {
      throw new InvalidVerdictException(field, message);
    }
  }

  private static boolean notBlank(String value) {
    return value != null && !value.isBlank();
  }

  private static String blankToNull(String value) {
    return notBlank(value) ? value : null;
  }

  static final class InvalidVerdictException extends RuntimeException {
    private final String field;

    InvalidVerdictException(String field, String message) {
      super(message);
      this.field = field;
    }
  }

  static final class UnknownRequestException extends RuntimeException {
    UnknownRequestException(String requestId) {
      super("no request " + requestId + " for this tenant");
    }
  }
}
