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
 */
@ConfigurationProperties("tokenwise.router.learning")
public record LearningProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("0.05") double sampleRate,
    @DefaultValue("0.05") double exploration,
    @DefaultValue("10s") Duration pollInterval,
    @DefaultValue("10m") Duration retrainInterval,
    @DefaultValue("20000") int maxVerdicts,
    @DefaultValue List<String> keepPrompts) {

  public LearningProperties {
    if (sampleRate < 0 || sampleRate > 1) {
      throw new IllegalArgumentException("tokenwise.router.learning.sample-rate must be 0..1");
    }
    if (exploration < 0 || exploration > 0.5) {
      throw new IllegalArgumentException("tokenwise.router.learning.exploration must be 0..0.5");
    }
    keepPrompts = keepPrompts == null ? List.of() : List.copyOf(keepPrompts);
  }

  /** Off: no samples, no exploration, no retraining. */
  public static LearningProperties disabled() {
    return new LearningProperties(
        false, 0, 0, Duration.ofSeconds(10), Duration.ofMinutes(10), 20000, List.of());
  }
}
