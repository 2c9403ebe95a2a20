package dev.tokenwise.common.security;

import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A verified internal caller asked for something it may not do: an endpoint not meant for it, or
 * another tenant's data. A 403 problem ({@code code: caller_not_allowed}); nothing is changed.
 */
public final class CallerNotAllowedException extends ErrorResponseException {

  public static final URI TYPE = URI.create("https://tokenwise.dev/problems/caller-not-allowed");

  public CallerNotAllowedException(String detail) {
    super(HttpStatus.FORBIDDEN, problem(detail), null);
  }

  /** Refuses unless {@code caller} may act for {@code tenant}. */
  public static void requireTenant(ServiceCaller caller, String tenant) {
    if (caller == null) {
      throw new CallerNotAllowedException("The call carries no verified service identity.");
    }
    if (tenant == null || !caller.mayActFor(tenant)) {
      throw new CallerNotAllowedException(
          "The service token of "
              + caller.service()
              + " acts for tenant '"
              + caller.tenant()
              + "', not '"
              + tenant
              + "'.");
    }
  }

  private static ProblemDetail problem(String detail) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, detail);
    problem.setType(TYPE);
    problem.setTitle("Caller not allowed");
    problem.setProperty("code", "caller_not_allowed");
    return problem;
  }
}
