package dev.tokenwise.cost.ingest;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How cost-service reads the usage stream.
 *
 * @param enabled whether this instance consumes the stream at all
 * @param consumerName this instance's name in the consumer group; blank means the host name (the
 *     pod name on Kubernetes), so a restarted pod picks up its own pending entries
 * @param consumers threads reading the stream in this instance, each its own consumer in the group
 * @param batchSize entries read, priced and stored together
 * @param block how long one read waits for new entries
 * @param claimMinIdle how long an entry must sit unacknowledged with another consumer before this
 *     one takes it over (that consumer is presumed dead)
 * @param claimInterval how often to look for such entries
 * @param retryBackoff first wait after a failure (Redis or PostgreSQL unreachable), doubled up to
 *     {@code maxRetryBackoff}
 * @param maxRetryBackoff longest wait between retries
 * @param maxEventsPerRequest most events {@code POST /api/events} accepts in one body
 * @param deadLetterMaxLength about how many entries the dead-letter stream keeps (oldest trimmed)
 * @param retainAcknowledged how long the usage stream keeps entries every consumer group has
 *     acknowledged (they are stored in PostgreSQL by then); older ones are trimmed every {@code
 *     claimInterval}. Producers do not trim the stream, so this is what bounds its memory.
 */
@ConfigurationProperties("tokenwise.cost.ingest")
record IngestProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("") String consumerName,
    @DefaultValue("2") int consumers,
    @DefaultValue("2000") int batchSize,
    @DefaultValue("1s") Duration block,
    @DefaultValue("1m") Duration claimMinIdle,
    @DefaultValue("30s") Duration claimInterval,
    @DefaultValue("500ms") Duration retryBackoff,
    @DefaultValue("30s") Duration maxRetryBackoff,
    @DefaultValue("1000") int maxEventsPerRequest,
    @DefaultValue("100000") long deadLetterMaxLength,
    @DefaultValue("5m") Duration retainAcknowledged) {

  IngestProperties {
    if (consumers < 1 || batchSize < 1 || maxEventsPerRequest < 1 || deadLetterMaxLength < 1) {
      throw new IllegalArgumentException(
          "consumers, batch-size, max-events-per-request and dead-letter-max-length must be"
              + " positive");
    }
  }
}
