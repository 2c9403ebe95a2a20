package dev.tokenwise.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class TokenwiseMetricsAutoConfigurationTests {

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(TokenwiseMetricsAutoConfiguration.class))
          .withPropertyValues("spring.application.name=cost-service");

  @Test
  void isRegisteredAsAnAutoConfiguration() throws Exception {
    try (InputStream in =
        getClass()
            .getClassLoader()
            .getResourceAsStream(
                "META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports")) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
          .contains(TokenwiseMetricsAutoConfiguration.class.getName());
    }
  }

  @Test
  void dashboardTimersPublishPercentileHistogramsAndEveryMeterNamesItsApplication() {
    runner.run(
        context -> {
          PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
          registry.config().meterFilter(context.getBean(TokenwiseMeterFilter.class));

          Timer duration =
              Timer.builder(MetricNames.OPERATION_DURATION)
                  .tag(MetricTags.PROVIDER_NAME, "openai")
                  .register(registry);
          duration.record(Duration.ofMillis(250));
          Timer unrelated = Timer.builder("some.other.timer").register(registry);
          unrelated.record(Duration.ofMillis(250));
          Counter cost =
              Counter.builder(MetricNames.COST).baseUnit(MetricTags.UNIT_USD).register(registry);

          cost.increment(0.25);

          String scrape = registry.scrape();
          assertThat(scrape)
              .contains(
                  "gen_ai_client_operation_duration_seconds_bucket{application=\"cost-service\"")
              .doesNotContain("some_other_timer_seconds_bucket")
              .contains("tokenwise_cost_usd_total{application=\"cost-service\"} 0.25");
        });
  }

  @Test
  void backsOffWithoutMicrometer() {
    runner
        .withClassLoader(new FilteredClassLoader(MeterRegistry.class))
        .run(context -> assertThat(context).doesNotHaveBean(TokenwiseMeterFilter.class));
  }

  @Test
  void canBeSwitchedOff() {
    runner
        .withPropertyValues("tokenwise.metrics.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(TokenwiseMeterFilter.class));
  }
}
