package dev.tokenwise.cost.report;

import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** Bad report parameters as RFC 9457 problems naming the parameter. */
@RestControllerAdvice(basePackageClasses = ReportExceptionHandler.class)
class ReportExceptionHandler {

  static final URI INVALID_QUERY = URI.create("https://tokenwise.dev/problems/invalid-time-window");

  @ExceptionHandler(InvalidReportQueryException.class)
  ProblemDetail invalid(InvalidReportQueryException e) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.field() + ": " + e.getMessage());
    problem.setType(INVALID_QUERY);
    problem.setTitle("Invalid report query");
    problem.setProperty("field", e.field());
    return problem;
  }
}
