package dev.tokenwise.cost.experiment;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The experiments report and gauges ({@code tokenwise.cost.experiments.*}).
 *
 * @param alpha the significance level a difference between two arms must reach (a p-value below
 *     it); a request may set its own with {@code ?alpha=}
 * @param defaultWindow the window a report covers when the request names no {@code from}
 * @param maxArms most distinct (experiment, arm) pairs published as gauges; pairs seen after that
 *     are left out of the gauges (they stay in the report), so an event producer cannot grow the
 *     number of series without bound
 */
@ConfigurationProperties("tokenwise.cost.experiments")
record ExperimentProperties(
    @DefaultValue("0.05") double alpha,
    @DefaultValue("7d") Duration defaultWindow,
    @DefaultValue("50") int maxArms) {

  ExperimentProperties {
    if (!(alpha > 0 && alpha < 1)) {
      throw new IllegalArgumentException("tokenwise.cost.experiments.alpha must be within (0, 1)");
    }
  }
}
