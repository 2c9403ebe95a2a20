package dev.tokenwise.cache.api;

import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/** The problem types of the cache API (RFC 9457), each with a stable {@code type} URI. */
final class CacheProblems {

  static final URI INVALID_REQUEST =
      URI.create("https://tokenwise.dev/problems/invalid-cache-request");
  static final URI NOT_CACHEABLE =
      URI.create("https://tokenwise.dev/problems/response-not-cacheable");
  static final URI ENTRY_TOO_LARGE =
      URI.create("https://tokenwise.dev/problems/cache-entry-too-large");
  static final URI UNAVAILABLE = URI.create("https://tokenwise.dev/problems/cache-unavailable");

  private CacheProblems() {}

  /** A 400 naming the body field that is wrong ({@code null} when the body as a whole is). */
  static ErrorResponseException invalidRequest(String field, String detail) {
    ProblemDetail problem =
        problem(HttpStatus.BAD_REQUEST, INVALID_REQUEST, "Invalid cache request", detail);
    if (field != null) {
      problem.setProperty("field", field);
    }
    return new ErrorResponseException(HttpStatus.BAD_REQUEST, problem, null);
  }

  static ProblemDetail notCacheable(String reason) {
    return problem(
        HttpStatus.UNPROCESSABLE_CONTENT, NOT_CACHEABLE, "Response not cacheable", reason);
  }

  static ProblemDetail entryTooLarge(long sizeBytes, long maxBytes) {
    ProblemDetail problem =
        problem(
            HttpStatus.CONTENT_TOO_LARGE,
            ENTRY_TOO_LARGE,
            "Cache entry too large",
            "response is " + sizeBytes + " bytes; the limit is " + maxBytes + " bytes");
    problem.setProperty("field", "response");
    return problem;
  }

  static ProblemDetail unavailable() {
    return problem(
        HttpStatus.SERVICE_UNAVAILABLE,
        UNAVAILABLE,
        "Cache unavailable",
        "the cache store did not answer in time; the response was not stored");
  }

  static ErrorResponseException unavailableException() {
    return new ErrorResponseException(HttpStatus.SERVICE_UNAVAILABLE, unavailable(), null);
  }

  private static ProblemDetail problem(HttpStatus status, URI type, String title, String detail) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    problem.setType(type);
    problem.setTitle(title);
    return problem;
  }
}
