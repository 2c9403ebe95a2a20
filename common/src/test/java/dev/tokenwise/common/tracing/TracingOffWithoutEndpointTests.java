package dev.tokenwise.common.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

class TracingOffWithoutEndpointTests {

  private final StandardEnvironment environment = new StandardEnvironment();

  private StandardEnvironment processed() {
    new TracingOffWithoutEndpoint().postProcessEnvironment(environment, new SpringApplication());
    return environment;
  }

  @Test
  void tracingIsOffWithoutAnEndpoint() {
    assertThat(processed().getProperty(TracingOffWithoutEndpoint.ENABLED)).isEqualTo("false");
  }

  @Test
  void aBlankEndpointCountsAsNone() {
    environment
        .getPropertySources()
        .addFirst(new MapPropertySource("test", Map.of(TracingOffWithoutEndpoint.ENDPOINT, " ")));
    assertThat(processed().getProperty(TracingOffWithoutEndpoint.ENABLED)).isEqualTo("false");
  }

  @Test
  void anEndpointSetAfterStartUpBeganLeavesBootsDefault() {
    processed()
        .getPropertySources()
        .addFirst(
            new MapPropertySource(
                "dynamic", Map.of(TracingOffWithoutEndpoint.ENDPOINT, "http://127.0.0.1:4318")));
    assertThat(environment.getProperty(TracingOffWithoutEndpoint.ENABLED)).isNull();
  }

  @Test
  void anExplicitSettingWins() {
    environment
        .getPropertySources()
        .addFirst(new MapPropertySource("test", Map.of(TracingOffWithoutEndpoint.ENABLED, "true")));
    assertThat(processed().getProperty(TracingOffWithoutEndpoint.ENABLED)).isEqualTo("true");
  }
}
