package dev.tokenwise.batch.usage;

import dev.tokenwise.common.security.StreamSignatures;
import dev.tokenwise.common.usage.UsageStream;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Publishes the usage events that collection stored beside each answered request (an outbox): to
 * {@code UsageStream.KEY}, field {@code event}, then marks them published. A crash between the two
 * publishes an event again with the same {@code eventId}, which cost-service counts once; while
 * Redis is down, events wait in PostgreSQL and nothing is lost. Every entry is signed as
 * batch-service ({@link StreamSignatures}) when it is sent; cost-service refuses an unsigned one.
 */
@Component
public class UsagePublisher {

  private static final Logger log = LoggerFactory.getLogger(UsagePublisher.class);

  private static final int PAGE = 500;

  private final JdbcTemplate jdbc;
  private final StringRedisTemplate redis;
  private final StreamSignatures signatures;

  UsagePublisher(JdbcTemplate jdbc, StringRedisTemplate redis, StreamSignatures signatures) {
    this.jdbc = jdbc;
    this.redis = redis;
    this.signatures = signatures;
  }

  /** Publishes every pending event; returns how many. */
  public int publishPending() {
    int total = 0;
    while (true) {
      List<Map<String, Object>> page =
          jdbc.queryForList(
              "select id, usage_event from batch.deferred_request"
                  + " where usage_event is not null and not usage_published"
                  + " order by completed_at limit ?",
              PAGE);
      if (page.isEmpty()) {
        return total;
      }
      for (Map<String, Object> row : page) {
        try {
          redis
              .opsForStream()
              .add(
                  StreamRecords.string(
                          signatures.sign(
                              UsageStream.KEY,
                              Map.of(UsageStream.FIELD, (String) row.get("usage_event"))))
                      .withStreamKey(UsageStream.KEY));
        } catch (RuntimeException e) {
          log.warn("Usage events wait in PostgreSQL: Redis refused ({})", e.toString());
          return total;
        }
        jdbc.update(
            "update batch.deferred_request set usage_published = true where id = ?",
            (UUID) row.get("id"));
        total++;
      }
    }
  }
}
