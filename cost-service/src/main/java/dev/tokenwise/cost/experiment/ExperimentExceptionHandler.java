package dev.tokenwise.cost.experiment;

import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** Bad experiments-report parameters and unknown experiments as RFC 9457 problems. */
@RestControllerAdvice(basePackageClasses = ExperimentExceptionHandler.class)
class ExperimentExceptionHandler {

  static final URI INVALID_QUERY =
      URI.create("https://tokenwise.dev/problems/invalid-experiment-query");
  static final URI NOT_FOUND = URI.create("https://tokenwise.dev/problems/experiment-not-found");

  @ExceptionHandler(InvalidExperimentQueryException.class)
  ProblemDetail invalid(InvalidExperimentQueryException e) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.field() + ": " + e.getMessage());
    problem.setType(INVALID_QUERY);
    problem.setTitle("Invalid experiments query");
    problem.setProperty("field", e.field());
    return problem;
  }

  @ExceptionHandler(ExperimentNotFoundException.class)
  ProblemDetail notFound(ExperimentNotFoundException e) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, e.getMessage());
    problem.setType(NOT_FOUND);
    problem.setTitle("Experiment not found");
    return problem;
  }

  /** No event of the experiment in the window (and filters) asked for. */
  static class ExperimentNotFoundException extends RuntimeException {
    ExperimentNotFoundException(String message) {
      super(message);
    }
  }
}
