package dev.tokenwise.common.quality;

/**
 * An end user's verdict on one answer, as the router forwards its {@code POST /v1/feedback} to
 * cost-service's {@code POST /api/feedback}.
 *
 * @param requestId the {@code Tokenwise-Request-Id} of the answer judged
 * @param verdict {@link #GOOD} or {@link #BAD}
 * @param comment optional free text, at most 2,000 characters
 * @param tenant the tenant the router authenticated; a tenant judges only its own requests
 */
public record QualityFeedback(String requestId, String verdict, String comment, String tenant) {

  public static final String GOOD = "good";
  public static final String BAD = "bad";
}
