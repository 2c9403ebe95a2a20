package dev.tokenwise.cost.reprice;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/admin/reprice}: re-prices the events in {@code [from, to)} with the catalog as
 * configured now and reports the difference. An internal admin API: expose it only to operators.
 */
@RestController
@Tag(name = "Admin", description = "Audited re-pricing after a catalog correction")
class RepriceController {

  static final URI INVALID = URI.create("https://tokenwise.dev/problems/invalid-reprice-request");

  private final Repricer repricer;

  RepriceController(Repricer repricer) {
    this.repricer = repricer;
  }

  /**
   * @param from start (inclusive), ISO-8601 instant
   * @param to end (exclusive), ISO-8601 instant
   * @param reason why (the catalog correction), required; kept in the audit row
   * @param requestedBy who asked, optional
   */
  record RepriceRequest(String from, String to, String reason, String requestedBy) {}

  /** The audit row plus the deltas, money as decimal strings. */
  record RepriceResponse(
      long auditId,
      Instant requestedAt,
      Instant from,
      Instant to,
      String reason,
      String requestedBy,
      String catalogVersions,
      long eventsExamined,
      long eventsChanged,
      String costBeforeUsd,
      String costAfterUsd,
      String costDeltaUsd,
      String baselineBeforeUsd,
      String baselineAfterUsd,
      String baselineDeltaUsd) {}

  @PostMapping("/api/admin/reprice")
  @Operation(
      summary = "Re-price an interval after a catalog correction",
      description =
          "Prices every event in [from, to) again with the bundled catalogs plus the configured"
              + " overrides, updates events and rollups, audits the run and returns the delta.")
  RepriceResponse reprice(@RequestBody RepriceRequest body) {
    if (body == null) {
      throw new InvalidRepriceException(null, "body must be a JSON object");
    }
    Instant from = instant("from", body.from());
    Instant to = instant("to", body.to());
    if (!from.isBefore(to)) {
      throw new InvalidRepriceException("from", "must be before 'to'");
    }
    if (body.reason() == null || body.reason().isBlank()) {
      throw new InvalidRepriceException("reason", "required: say which correction this applies");
    }
    RepriceResult r = repricer.reprice(from, to, body.reason(), body.requestedBy());
    return new RepriceResponse(
        r.auditId(),
        r.requestedAt(),
        r.from(),
        r.to(),
        r.reason(),
        r.requestedBy(),
        r.catalogVersions(),
        r.eventsExamined(),
        r.eventsChanged(),
        money(r.costBeforeUsd()),
        money(r.costAfterUsd()),
        money(r.costAfterUsd().subtract(r.costBeforeUsd())),
        money(r.baselineBeforeUsd()),
        money(r.baselineAfterUsd()),
        money(r.baselineAfterUsd().subtract(r.baselineBeforeUsd())));
  }

  @ExceptionHandler(InvalidRepriceException.class)
  ProblemDetail invalid(InvalidRepriceException e) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.BAD_REQUEST,
            e.field == null ? e.getMessage() : e.field + ": " + e.getMessage());
    problem.setType(INVALID);
    problem.setTitle("Invalid re-pricing request");
    problem.setProperty("field", e.field);
    return problem;
  }

  private static String money(BigDecimal usd) {
    BigDecimal rounded = usd.setScale(10, RoundingMode.HALF_EVEN).stripTrailingZeros();
    return rounded.signum() == 0 ? "0" : rounded.toPlainString();
  }

  private static Instant instant(String name, String value) {
    if (value == null || value.isBlank()) {
      throw new InvalidRepriceException(name, "required");
    }
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw new InvalidRepriceException(
          name, "must be an ISO-8601 instant such as 2026-11-27T00:00:00Z");
    }
  }

  static final class InvalidRepriceException extends RuntimeException {
    private final String field;

    InvalidRepriceException(String field, String message) {
      super(message);
      this.field = field;
    }
  }
}
