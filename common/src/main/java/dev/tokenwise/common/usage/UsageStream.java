package dev.tokenwise.common.usage;

/**
 * Names of the Redis Stream that carries usage events from producers (router, batch-service) to
 * cost-service. Each stream entry has one field, {@link #FIELD}, holding the event's JSON.
 */
public final class UsageStream {

  /** The stream key. */
  public static final String KEY = "tokenwise:usage-events";

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
