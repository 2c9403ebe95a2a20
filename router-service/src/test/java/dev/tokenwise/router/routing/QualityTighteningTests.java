package dev.tokenwise.router.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenwise.common.quality.RouteAdvice;
import dev.tokenwise.router.route.RouteProperties;
import dev.tokenwise.router.route.RouteTable;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import tools.jackson.databind.json.JsonMapper;

class QualityTighteningTests {

  private final JsonMapper json = JsonMapper.builder().build();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final QualityTightening quality =
      new QualityTightening(
          (org.springframework.web.reactive.function.client.WebClient) null,
          RouteTable.of(new RouteProperties(Map.of("support", route()))),
          new QualityProperties(true, Duration.ofSeconds(30), 0.1, 0.25),
          meters,
          json);

  private static RouteProperties.Definition route() {
    return new Binder(new MapConfigurationPropertySource(Map.of("route.tiers[0]", "gpt-5-nano")))
        .bind("route", RouteProperties.Definition.class)
        .get();
  }

  private String advice(boolean tighten) {
    return json.writeValueAsString(
        new RouteAdvice(
            "support",
            tighten,
            tighten ? 0.05 : 0.01,
            0.02,
            100,
            tighten ? 5 : 1,
            Duration.ofHours(24),
            "test",
            Instant.parse("2026-11-27T05:00:00Z")));
  }

  @Test
  void eachTightenReadingRaisesTheShareByAStepUpToTheMaximumAndLooseningStepsBack() {
    quality.apply("support", advice(true));
    assertThat(quality.boost("support")).isEqualTo(0.1);
    quality.apply("support", advice(true));
    quality.apply("support", advice(true));
    assertThat(quality.boost("support")).isEqualTo(0.25);
    assertThat(meters.get(QualityTightening.METRIC).tag("route", "support").gauge().value())
        .isEqualTo(0.25);

    quality.apply("support", advice(false));
    assertThat(quality.boost("support")).isEqualTo(0.15);
    quality.apply("support", advice(false));
    quality.apply("support", advice(false));
    assertThat(quality.boost("support")).isZero();
  }

  @Test
  void adviceForUnknownRoutesAndUnreadableAdviceChangeNothing() {
    quality.apply("someone-elses-route", advice(true));
    quality.apply("support", "{not json");
    assertThat(quality.boost("someone-elses-route")).isZero();
    assertThat(quality.boost("support")).isZero();
    assertThat(meters.find(QualityTightening.METRIC).tag("route", "someone-elses-route").gauge())
        .isNull();
  }
}
