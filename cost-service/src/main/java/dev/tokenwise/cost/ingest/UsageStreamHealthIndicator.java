package dev.tokenwise.cost.ingest;

import dev.tokenwise.common.usage.UsageStream;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/health/usageStream}: whether this instance is reading the usage stream. Down
 * while the consumer loop keeps failing (Redis unreachable, PostgreSQL refusing the batch); events
 * then wait in the stream, nothing is lost. Not part of the readiness group: the reports are served
 * from PostgreSQL either way.
 */
@Component("usageStream")
class UsageStreamHealthIndicator implements HealthIndicator {

  private final UsageStreamConsumer consumer;
  private final IngestProperties properties;

  UsageStreamHealthIndicator(UsageStreamConsumer consumer, IngestProperties properties) {
    this.consumer = consumer;
    this.properties = properties;
  }

  @Override
  public Health health() {
    if (!properties.enabled()) {
      return Health.unknown().withDetail("enabled", false).build();
    }
    UsageStreamConsumer.State state = consumer.state();
    Health.Builder health =
        state.failing() ? Health.down() : state.running() ? Health.up() : Health.outOfService();
    health
        .withDetail("stream", UsageStream.KEY)
        .withDetail("group", UsageStream.GROUP)
        .withDetail("consumer", state.consumer());
    if (state.lastReadAt() != null) {
      health.withDetail("lastReadAt", state.lastReadAt().toString());
    }
    if (state.failing()) {
      health
          .withDetail("lastFailureAt", state.lastFailureAt().toString())
          .withDetail("lastFailure", state.lastFailure());
    }
    return health.build();
  }
}
