package dev.tokenwise.batch.intake;

/**
 * The experiment arm and routing model a deferred request was routed with, carried into its usage
 * event so that cost-service attributes its cost and verdicts to the arm as it does a synchronous
 * request's.
 *
 * @param experiment the route's experiment, or null
 * @param arm the arm the request was assigned to, or null
 * @param routerVersion the learned routing model's version that chose its tier, or null
 */
public record Arm(String experiment, String arm, String routerVersion) {

  public static final Arm NONE = new Arm(null, null, null);
}
