package dev.tokenwise.router.usage;

import dev.tokenwise.common.metrics.BoundedTags;
import dev.tokenwise.common.pricing.PriceCatalogs;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** common's bundled price catalog, for cost estimates and for bounding model tag values. */
@Configuration(proxyBeanMethods = false)
class PricingConfiguration {

  @Bean
  PriceCatalogs priceCatalogs() {
    return PriceCatalogs.bundled();
  }

  @Bean
  BoundedTags boundedTags(PriceCatalogs catalogs) {
    return new BoundedTags(catalogs.current());
  }
}
