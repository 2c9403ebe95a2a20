package dev.tokenwise.common.tracing;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;

/**
 * Turns Spring Boot's tracing off ({@value #ENABLED} false) when no OTLP endpoint ({@value
 * #ENDPOINT}) is set, so a service that exports no traces does not pay for making them: without
 * this, every request still opens a span, injects a {@code traceparent} into each outgoing call and
 * puts the trace ids in the logging context (about 5% of the router's CPU per request). Metrics
 * from the same observations ({@code http.server.requests} and the rest) are unaffected.
 *
 * <p>The answer is given when the setting is read, not when this runs, so an endpoint added later
 * in start-up (a test's dynamic property) still turns tracing on; an explicit {@value #ENABLED}
 * anywhere wins, this source being the last consulted.
 */
public final class TracingOffWithoutEndpoint implements EnvironmentPostProcessor, Ordered {

  static final String ENABLED = "management.tracing.export.enabled";
  static final String ENDPOINT = "management.opentelemetry.tracing.export.otlp.endpoint";

  @Override
  public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication app) {
    environment.getPropertySources().addLast(new Default(environment));
  }

  @Override
  public int getOrder() {
    return Ordered.LOWEST_PRECEDENCE;
  }

  /** {@value #ENABLED}: "false" while the endpoint is unset or blank, else absent. */
  static final class Default extends PropertySource<ConfigurableEnvironment> {

    Default(ConfigurableEnvironment environment) {
      super("tokenwise-tracing-off-without-endpoint", environment);
    }

    @Override
    public Object getProperty(String name) {
      if (!ENABLED.equals(name)) {
        return null;
      }
      String endpoint = getSource().getProperty(ENDPOINT);
      return endpoint == null || endpoint.isBlank() ? "false" : null;
    }
  }
}
