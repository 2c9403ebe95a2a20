package dev.tokenwise.common.usage;

import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.common.security.StreamSignatures;
import java.util.Set;

/**
 * Names of the Redis Stream that carries usage events from producers (router, batch-service) to
 * cost-service. Each stream entry has one field, {@link #FIELD}, holding the event's JSON, and is
 * signed by its producer ({@link StreamSignatures}); cost-service refuses an entry not signed by
 * one of {@link #PRODUCERS}.
 */
public final class UsageStream {

  /** The stream key. */
  public static final String KEY = "tokenwise:usage-events";

  /** The services whose signed entries cost-service accepts. */
  public static final Set<String> PRODUCERS = Set.of(ServiceTokens.ROUTER, ServiceTokens.BATCH);

  /** The consumer group cost-service replicas share. */
  public static final String GROUP = "cost-service";

  /** Entries that could not be ingested, with a {@code reason} field beside {@link #FIELD}. */
  public static final String DEAD_LETTER_KEY = "tokenwise:usage-events:dead";

  /** The entry field holding the event JSON. */
  public static final String FIELD = "event";

  /**
   * Optional entry field: the W3C {@code traceparent} of the request that produced the event, so
   * cost-service's ingest span joins that request's trace. Producers add it when they trace.
   */
  public static final String TRACEPARENT = "traceparent";

  private UsageStream() {}
}
