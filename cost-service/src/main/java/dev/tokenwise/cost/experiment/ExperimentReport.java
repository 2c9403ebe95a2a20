package dev.tokenwise.cost.experiment;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * {@code GET /api/experiments/{name}}: each arm's figures in the window and each arm compared with
 * the baseline arm. Money is a decimal string (USD), rates and means are numbers.
 *
 * @param alpha the significance level the comparisons were judged at
 * @param baseline the arm the others are compared with
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record ExperimentReport(
    String experiment,
    Instant from,
    Instant to,
    String route,
    String tenant,
    double alpha,
    String baseline,
    List<Arm> arms,
    List<Comparison> comparisons) {

  /**
   * One arm.
   *
   * @param requests answered requests
   * @param failedRequests requests that failed without an answer or usage (not in {@code requests})
   * @param unpricedRequests answered requests no catalog could price (not in the cost figures)
   * @param costUsd what the priced requests cost
   * @param costPerRequestUsd {@code costUsd} over the priced requests; null when none
   * @param evaluated requests with at least one verdict (feedback or shadow evaluation)
   * @param bad evaluated requests with a bad verdict
   * @param regressionRate {@code bad / evaluated}; null when none was evaluated
   * @param routes the routes its requests took
   * @param models the models that served them
   */
  record Arm(
      String arm,
      long requests,
      long failedRequests,
      long unpricedRequests,
      String costUsd,
      String costPerRequestUsd,
      Double inputTokensPerRequest,
      Double outputTokensPerRequest,
      long evaluated,
      long bad,
      Double regressionRate,
      List<String> routes,
      List<String> models) {}

  /**
   * One arm against the baseline.
   *
   * @param significant whether either difference is significant at {@code alpha}
   * @param verdict the comparison in plain words
   */
  record Comparison(
      String arm,
      String baseline,
      RateDifference regressionRate,
      CostDifference costPerRequest,
      boolean significant,
      String verdict) {}

  /**
   * The arm's regression rate minus the baseline's, with the two-proportion z-test's p-value.
   *
   * @param difference in rate units (0.05 = five percentage points); null when an arm has no
   *     evaluated request
   * @param pValue null when an arm has no evaluated request
   */
  record RateDifference(Double difference, Double pValue, boolean significant) {}

  /**
   * The arm's mean cost per request minus the baseline's, with Welch's t-test p-value.
   *
   * @param differenceUsd null when an arm has no priced request
   * @param relativeDifference {@code differenceUsd} over the baseline's cost per request (-0.8 =
   *     80% cheaper); null when the baseline's is 0 or unknown
   * @param pValue null when an arm has fewer than two priced requests
   */
  record CostDifference(
      String differenceUsd, Double relativeDifference, Double pValue, boolean significant) {}

  /** {@code GET /api/experiments}: the experiments with events in a window. */
  record Listing(Instant from, Instant to, List<Seen> experiments) {}

  /**
   * One experiment in a listing.
   *
   * @param arms its arms with events in the window, by name
   */
  record Seen(
      String experiment,
      List<String> arms,
      List<String> routes,
      long requests,
      Instant firstSeen,
      Instant lastSeen) {}
}
