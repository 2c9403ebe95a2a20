package dev.tokenwise.common.metrics;

/**
 * Every meter name Tokenwise publishes, defined once. OpenTelemetry GenAI semantic-convention names
 * where one exists; Tokenwise's own under the {@code tokenwise.} prefix. Lower.dot style in base
 * units; the Prometheus registry exports {@code a.b} as {@code a_b}, appends the base unit and
 * {@code _total} to counters, and {@code _seconds} to timers (the exported names are noted so
 * dashboards and alerts can be checked against them).
 */
public final class MetricNames {

  /**
   * Counter of tokens, tagged {@link MetricTags#TOKEN_TYPE}, {@link MetricTags#PROVIDER}, {@link
   * MetricTags#REQUEST_MODEL}, {@link MetricTags#OPERATION}. Exported as {@code
   * gen_ai_client_token_usage_total}.
   */
  public static final String TOKEN_USAGE = "gen_ai.client.token.usage";

  /**
   * Timer of a whole provider call. Exported as {@code gen_ai_client_operation_duration_seconds}.
   */
  public static final String OPERATION_DURATION = "gen_ai.client.operation.duration";

  /** Timer from request to the first streamed chunk. */
  public static final String TIME_TO_FIRST_CHUNK = "gen_ai.client.operation.time_to_first_chunk";

  /**
   * Counter of provider-billed cost in USD, tagged {@link MetricTags#PROVIDER}, {@link
   * MetricTags#MODEL}, {@link MetricTags#MODE}. Exported as {@code tokenwise_cost_usd_total}.
   */
  public static final String COST = "tokenwise.cost";

  /**
   * Counter of what the same traffic would have cost without Tokenwise (USD), tagged like {@link
   * #COST}. Exported as {@code tokenwise_cost_baseline_usd_total}.
   */
  public static final String COST_BASELINE = "tokenwise.cost.baseline";

  /**
   * Counter of savings in USD by {@link MetricTags#TACTIC} (and {@link MetricTags#PROVIDER}, {@link
   * MetricTags#MODEL}, {@link MetricTags#MODE}). Exported as {@code tokenwise_savings_usd_total}.
   */
  public static final String SAVINGS = "tokenwise.savings";

  /**
   * Counter of response-cache lookups by {@link MetricTags#CACHE_RESULT} and {@link
   * MetricTags#ROUTE}. Exported as {@code tokenwise_cache_lookups_total}.
   */
  public static final String CACHE_LOOKUPS = "tokenwise.cache.lookups";

  /** Timer of one cache lookup as the caller sees it. */
  public static final String CACHE_LOOKUP_DURATION = "tokenwise.cache.lookup.duration";

  /**
   * Timer of the time the router adds to a request (total minus provider time), by {@link
   * MetricTags#ROUTE}. Exported as {@code tokenwise_router_overhead_seconds}.
   */
  public static final String ROUTER_OVERHEAD = "tokenwise.router.overhead";

  /** Counter of routed requests by {@link MetricTags#ROUTE}, {@link MetricTags#MODEL}, outcome. */
  public static final String ROUTER_REQUESTS = "tokenwise.router.requests";

  /**
   * Counter of usage events by {@link MetricTags#OUTCOME} ({@code published}, {@code spooled},
   * {@code ingested}, {@code duplicate}, {@code dead-lettered}).
   */
  public static final String USAGE_EVENTS = "tokenwise.usage.events";

  /** Gauge of usage events waiting in the local spool file for Redis to come back. */
  public static final String USAGE_SPOOL_SIZE = "tokenwise.usage.spool.size";

  /** Counter of deferred requests handled by batch-service, by {@link MetricTags#OUTCOME}. */
  public static final String BATCH_REQUESTS = "tokenwise.batch.requests";

  /**
   * Counter of the magnitude of negative savings (a tactic that cost more than the baseline on an
   * event: a prompt-cache write not read yet, a routing choice dearer than the requested model), in
   * USD, tagged like {@link #SAVINGS}; net savings = savings - this.
   */
  public static final String SAVINGS_NEGATIVE = "tokenwise.savings.negative";

  /**
   * Counter of requests as cost-service recorded them, by {@link MetricTags#ROUTE}, {@link
   * MetricTags#PROVIDER}, {@link MetricTags#MODEL}, {@link MetricTags#MODE} and {@link
   * MetricTags#OUTCOME}: {@code answered}, {@code unpriced} (answered, the catalog lacks the model:
   * no money counted) or {@code failed} (no answer; not a request with 0 tokens).
   */
  public static final String COST_REQUESTS = "tokenwise.cost.requests";

  /**
   * Gauge of the latest reconciled day's cost drift against a provider's own cost report, (recorded
   * - reported) / reported, by {@link MetricTags#PROVIDER}, {@link MetricTags#MODEL} and tier.
   */
  public static final String RECONCILIATION_DRIFT = "tokenwise.cost.reconciliation.drift";

  /**
   * Counter of Redis stream entries a consumer refused because their signature is missing, invalid
   * or by a producer it does not take that stream from, by {@link MetricTags#STREAM} and {@link
   * MetricTags#REASON} ({@code signature-missing}, {@code signature-invalid}, {@code
   * producer-not-allowed}). Anything above zero means someone with Redis access wrote entries
   * without the deployment's secret, or a service runs with another deployment's secret.
   */
  public static final String STREAM_ENTRIES_REFUSED = "tokenwise.stream.entries.refused";

  /** Boot's HTTP server timer, listed so dashboards get its percentile histogram. */
  public static final String HTTP_SERVER_REQUESTS = "http.server.requests";

  private MetricNames() {}
}
