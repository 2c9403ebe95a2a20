package dev.tokenwise.cost.pricing;

import dev.tokenwise.common.pricing.PriceOverride;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Corrections to the bundled price catalog (negotiated rates, a price change not yet bundled, a
 * model it lacks), USD per million tokens, e.g. {@code
 * tokenwise.pricing.overrides[gpt-4.1].input=1.80}. Overridden events record a catalog version
 * ending in {@code +overrides-<hash>}.
 */
@ConfigurationProperties("tokenwise.pricing")
record PricingProperties(Map<String, PriceOverride> overrides) {

  PricingProperties {
    overrides = overrides == null ? Map.of() : Map.copyOf(overrides);
  }
}
