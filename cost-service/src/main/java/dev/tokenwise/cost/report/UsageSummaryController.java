package dev.tokenwise.cost.report;

import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/usage/summary?from=&to=}: requests, tokens, cost and savings in a window. */
@RestController
class UsageSummaryController {

  static final URI INVALID_WINDOW =
      URI.create("https://tokenwise.dev/problems/invalid-time-window");

  private final UsageReportRepository reports;

  UsageSummaryController(UsageReportRepository reports) {
    this.reports = reports;
  }

  /** Events with {@code from <= occurredAt < to}; both ISO-8601 instants, {@code from < to}. */
  @GetMapping("/api/usage/summary")
  UsageSummary summary(
      @RequestParam(required = false) String from, @RequestParam(required = false) String to) {
    Instant start = instant("from", from);
    Instant end = instant("to", to);
    if (!start.isBefore(end)) {
      throw new InvalidWindowException("from", "must be before 'to'");
    }
    return UsageSummary.of(start, end, reports.totalsByModel(start, end));
  }

  @ExceptionHandler(InvalidWindowException.class)
  ProblemDetail invalid(InvalidWindowException e) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.field + ": " + e.getMessage());
    problem.setType(INVALID_WINDOW);
    problem.setTitle("Invalid time window");
    problem.setProperty("field", e.field);
    return problem;
  }

  private static Instant instant(String name, String value) {
    if (value == null || value.isBlank()) {
      throw new InvalidWindowException(name, "required");
    }
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw new InvalidWindowException(
          name, "must be an ISO-8601 instant such as 2026-11-27T00:00:00Z");
    }
  }

  static final class InvalidWindowException extends RuntimeException {
    private final String field;

    InvalidWindowException(String field, String message) {
      super(message);
      this.field = field;
    }
  }
}
