package dev.tokenwise.cost.ingest;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Monthly partitions of {@code cost.usage_event}.
 *
 * @param monthsAhead partitions kept ready beyond the current month (UTC)
 * @param checkInterval how often to make sure they exist
 */
@ConfigurationProperties("tokenwise.cost.partitions")
record PartitionProperties(
    @DefaultValue("2") int monthsAhead, @DefaultValue("6h") Duration checkInterval) {

  PartitionProperties {
    if (monthsAhead < 0) {
      throw new IllegalArgumentException("months-ahead must not be negative");
    }
  }
}
