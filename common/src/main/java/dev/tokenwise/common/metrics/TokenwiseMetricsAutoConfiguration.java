package dev.tokenwise.common.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The one place metric conventions are applied: Boot applies every {@code MeterFilter} bean to the
 * registries it creates, so each service gets the application tag and the dashboards' histograms
 * without copying configuration. Off with {@code tokenwise.metrics.enabled=false}.
 */
@AutoConfiguration
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnProperty(
    prefix = "tokenwise.metrics",
    name = "enabled",
    havingValue = "true",
    matchIfMissing = true)
public class TokenwiseMetricsAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  TokenwiseMeterFilter tokenwiseMeterFilter(Environment environment) {
    return new TokenwiseMeterFilter(environment.getProperty("spring.application.name"));
  }
}
