package dev.tokenwise.cost.budget;

import dev.tokenwise.common.budget.SpendSettlement;
import dev.tokenwise.common.security.StreamSignatures;
import dev.tokenwise.cost.pricing.PricedEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.data.redis.connection.DefaultStringRedisConnection;
import org.springframework.data.redis.connection.RedisStreamCommands.XAddOptions;
import org.springframework.data.redis.connection.StringRedisConnection;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Tells the router that requests' costs are recorded: one {@link SpendSettlement} per usage event
 * on {@link SpendSettlement#STREAM_KEY} (up to {@link SpendSettlement#MAX_PER_ENTRY} per entry),
 * appended after the commit that stored the events. Every event of a batch is settled, those stored
 * before included: a redelivered batch (cost-service died between its commit and this call) settles
 * again, and the router ignores a request it has already settled. A failure here propagates, so the
 * batch stays unacknowledged and is retried. Every entry is signed as cost-service ({@link
 * StreamSignatures}): the router applies no other.
 */
@Component
public class SpendSettlements {

  private final StringRedisTemplate redis;
  private final BudgetProperties properties;
  private final StreamSignatures signatures;

  SpendSettlements(
      StringRedisTemplate redis, BudgetProperties properties, StreamSignatures signatures) {
    this.redis = redis;
    this.properties = properties;
    this.signatures = signatures;
  }

  /**
   * Appends a settlement for each event (an event without a request id has none to settle), up to
   * {@link SpendSettlement#MAX_PER_ENTRY} per stream entry, all entries in one pipeline.
   */
  public void settled(List<PricedEvent> events) {
    if (!properties.settlements() || events.isEmpty()) {
      return;
    }
    List<SpendSettlement> settlements = new ArrayList<>(events.size());
    for (PricedEvent e : events) {
      SpendSettlement settlement = of(e);
      if (settlement != null) {
        settlements.add(settlement);
      }
    }
    if (settlements.isEmpty()) {
      return;
    }
    XAddOptions options =
        XAddOptions.maxlen(properties.settlementStreamMaxLength()).approximateTrimming(true);
    redis.executePipelined(
        (RedisCallback<Object>)
            connection -> {
              StringRedisConnection strings = new DefaultStringRedisConnection(connection);
              for (int from = 0; from < settlements.size(); from += SpendSettlement.MAX_PER_ENTRY) {
                List<SpendSettlement> entry =
                    settlements.subList(
                        from, Math.min(settlements.size(), from + SpendSettlement.MAX_PER_ENTRY));
                Map<String, String> fields =
                    entry.size() == 1
                        ? entry.get(0).toFields()
                        : SpendSettlement.batchFields(entry);
                strings.xAdd(
                    StreamRecords.string(signatures.sign(SpendSettlement.STREAM_KEY, fields))
                        .withStreamKey(SpendSettlement.STREAM_KEY),
                    options);
              }
              return null;
            });
  }

  static SpendSettlement of(PricedEvent e) {
    if (e.event().requestId() == null || e.event().requestId().isBlank()) {
      return null;
    }
    return new SpendSettlement(
        e.event().requestId(),
        e.event().tenant(),
        SpendSettlement.monthOf(e.event().occurredAt()),
        e.cost().costUsd());
  }
}
