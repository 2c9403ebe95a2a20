package dev.tokenwise.router.usage;

import dev.tokenwise.common.pricing.CostCalculator;
import dev.tokenwise.common.pricing.PriceCatalogs;
import dev.tokenwise.common.usage.UsageEvent;
import java.math.BigDecimal;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The {@code Tokenwise-Cost-USD} estimate of one answered request, from the same catalog and
 * arithmetic cost-service bills with (the header is an estimate; cost-service's figure is the
 * record). A failed request costs nothing; a model no catalog version prices has no estimate.
 */
@Component
public class CostEstimator {

  private final PriceCatalogs catalogs;

  public CostEstimator(PriceCatalogs catalogs) {
    this.catalogs = catalogs;
  }

  public Optional<BigDecimal> estimateUsd(UsageEvent event) {
    if (event.status() == UsageEvent.Status.ERROR) {
      return Optional.of(BigDecimal.ZERO);
    }
    return catalogs
        .forEvent(event)
        .map(catalog -> CostCalculator.price(event, catalog).actual().stripTrailingZeros());
  }
}
