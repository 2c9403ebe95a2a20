package dev.tokenwise.router.route;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Assigns a request to an arm of its route's experiment: SHA-256 of the experiment's name and the
 * sticky key, read as a number in [0, 1), falls into the arms' weight buckets in their configured
 * order. The assignment depends on nothing but those inputs, so every replica, and every restart,
 * puts one end user (or conversation) on the same arm; the experiment's name is part of the hash,
 * so two experiments split the same users independently. Changing an experiment's arms or weights
 * moves some keys between arms.
 */
public final class ExperimentArms {

  private ExperimentArms() {}

  /**
   * Who is asking, for stickiness.
   *
   * @param endUser the client's raw end-user id, or null
   * @param conversation the conversation id as the router resolved it (already tenant-scoped), or
   *     null
   * @param requestId the request's id, the key when the sticky one is missing
   */
  public record Keys(String endUser, String conversation, String requestId) {

    /** A request known only by its id. */
    public static Keys ofRequest(String requestId) {
      return new Keys(null, null, requestId);
    }
  }

  /** The arm a request is served by. */
  static RouteProperties.Arm assign(
      RouteProperties.Experiment experiment, String tenant, Keys keys) {
    return pick(
        experiment.arms(), position(experiment.name(), stickyKey(experiment, tenant, keys)));
  }

  /** The key the assignment hashes: the sticky one when the request has it, else its request id. */
  static String stickyKey(RouteProperties.Experiment experiment, String tenant, Keys keys) {
    String sticky =
        switch (experiment.sticky()) {
          case END_USER ->
              keys.endUser() == null ? null : "user:" + tenant + '\u0000' + keys.endUser();
          case CONVERSATION ->
              keys.conversation() == null ? null : "conversation:" + keys.conversation();
          case REQUEST -> null;
        };
    if (sticky != null) {
      return sticky;
    }
    return "request:"
        + (keys.requestId() != null ? keys.requestId() : java.util.UUID.randomUUID().toString());
  }

  /** SHA-256 of name and key, its first 53 bits as a fraction in [0, 1). */
  static double position(String experiment, String key) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest((experiment + '\u0000' + key).getBytes(StandardCharsets.UTF_8));
      long bits = 0;
      for (int i = 0; i < 8; i++) {
        bits = (bits << 8) | (digest[i] & 0xff);
      }
      return (bits >>> 11) / (double) (1L << 53);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  /** The arm whose weight bucket holds {@code position}. */
  static RouteProperties.Arm pick(List<RouteProperties.Arm> arms, double position) {
    double total = 0;
    for (RouteProperties.Arm arm : arms) {
      total += arm.weight();
    }
    double point = position * total;
    double upTo = 0;
    for (RouteProperties.Arm arm : arms) {
      upTo += arm.weight();
      if (point < upTo) {
        return arm;
      }
    }
    return arms.get(arms.size() - 1);
  }
}
