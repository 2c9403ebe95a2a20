package dev.tokenwise.router.selftraining;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The self-training loop of learned routes ({@code tokenwise.router.learning.*}).
 *
 * @param enabled whether learned routes send routing samples, explore and retrain
 * @param sampleRate the share of a learned route's requests whose routing sample is sent to
 *     cost-service (a request sampled for shadow evaluation always sends one): only sampled
 *     requests can become training data
 * @param exploration the share of a learned route's requests served by a tier drawn at random
 *     instead of the one the model chose, so that client feedback also says what the other tier
 *     would have done (the propensity is recorded with the sample)
 * @param pollInterval how often each router instance checks Redis for a route's active version
 * @param retrainInterval how often one router instance (a Redis lock elects it) retrains every
 *     learned route on its verdicts
 * @param maxVerdicts the most recent verdicts a retraining reads per route
 * @param keepPrompts routes whose samples also carry the prompt's text (none by default)
 * @param heldOutShare the most recent share of a route's verdicts held back to check a candidate
 * @param minHeldOut no new version is published on fewer held-back verdicts
 * @param minBothKnown held-back shadow verdicts (both tiers' outcomes known) needed to compare by
 *     APGR; with fewer, candidates are compared on the served outcomes' AUC
 * @param margin how much better than the version in use a candidate must score to be published
 * @param priorStrength how strongly a candidate is held to the route's configured model: the
 *     precision of the prior centred on its weights, worth about this many verdicts
 * @param ridge how strongly the rest of a candidate's weights are held to zero
 * @param calibrateToTraffic whether a learned route's strong share is a share of its own recent
 *     requests (the last 1,024 scores of the model in use, once 100 are in) rather than of the
 *     model's training prompts
 */
@ConfigurationProperties("tokenwise.router.learning")
public record LearningProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("0.05") double sampleRate,
    @DefaultValue("0.05") double exploration,
    @DefaultValue("10s") Duration pollInterval,
    @DefaultValue("10m") Duration retrainInterval,
    @DefaultValue("20000") int maxVerdicts,
    @DefaultValue List<String> keepPrompts,
    @DefaultValue("0.2") double heldOutShare,
    @DefaultValue("100") int minHeldOut,
    @DefaultValue("100") int minBothKnown,
    @DefaultValue("0.005") double margin,
    @DefaultValue("10") double priorStrength,
    @DefaultValue("10") double ridge,
    @DefaultValue("true") boolean calibrateToTraffic) {

  public LearningProperties {
    if (sampleRate < 0 || sampleRate > 1) {
      throw new IllegalArgumentException("tokenwise.router.learning.sample-rate must be 0..1");
    }
    if (exploration < 0 || exploration > 0.5) {
      throw new IllegalArgumentException("tokenwise.router.learning.exploration must be 0..0.5");
    }
    keepPrompts = keepPrompts == null ? List.of() : List.copyOf(keepPrompts);
    if (!(priorStrength > 0 && ridge > 0)) {
      throw new IllegalArgumentException(
          "tokenwise.router.learning.prior-strength and ridge must be positive");
    }
    if (!(heldOutShare > 0 && heldOutShare < 1)) {
      throw new IllegalArgumentException("tokenwise.router.learning.held-out-share must be 0..1");
    }
  }

  /** Off: no samples, no exploration, no retraining. */
  public static LearningProperties disabled() {
    return new LearningProperties(
        false,
        0,
        0,
        Duration.ofSeconds(10),
        Duration.ofMinutes(10),
        20000,
        List.of(),
        0.2,
        100,
        100,
        0.005,
        10,
        10,
        false);
  }
}
