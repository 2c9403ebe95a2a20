package dev.tokenwise.common.metrics;

/**
 * Tag keys, defined once. Every meter of one name carries the same keys (Prometheus requires it).
 * Values must be bounded: see {@link BoundedTags}; never a tenant, user or request id.
 */
public final class MetricTags {

  /** OpenTelemetry GenAI: {@code input} or {@code output}. */
  public static final String TOKEN_TYPE = "gen_ai.token.type";

  /** OpenTelemetry GenAI provider name: {@code openai}, {@code anthropic}, {@code gcp.gemini}. */
  public static final String PROVIDER_NAME = "gen_ai.provider.name";

  /** OpenTelemetry GenAI requested model (bounded: unknown models are {@code other}). */
  public static final String REQUEST_MODEL = "gen_ai.request.model";

  /** OpenTelemetry GenAI served model (bounded like {@link #REQUEST_MODEL}). */
  public static final String RESPONSE_MODEL = "gen_ai.response.model";

  /** OpenTelemetry GenAI operation: {@code chat}, {@code embeddings}, ... */
  public static final String OPERATION = "gen_ai.operation.name";

  /** OpenTelemetry: the error class of a failed operation ({@code _OTHER} when unknown). */
  public static final String ERROR_TYPE = "error.type";

  /** Tokenwise meters: provider ({@link BoundedTags#provider}). */
  public static final String PROVIDER = "provider";

  /** Tokenwise meters: model ({@link BoundedTags#model}). */
  public static final String MODEL = "model";

  /** Usage-event mode: {@code sync}, {@code stream}, {@code batch}, {@code cache-exact}, ... */
  public static final String MODE = "mode";

  /** Configured route name ({@link BoundedTags#route}). */
  public static final String ROUTE = "route";

  /** Savings tactic: {@code cache}, {@code routing}, {@code prompt-caching}, {@code batch}, ... */
  public static final String TACTIC = "tactic";

  /** Cache lookup result: {@code hit-exact}, {@code hit-semantic}, {@code miss}, {@code bypass}. */
  public static final String CACHE_RESULT = "result";

  /** A bounded outcome word, meter-specific. */
  public static final String OUTCOME = "outcome";

  /** A Redis stream's key (a fixed set of stream names). */
  public static final String STREAM = "stream";

  /** Why something was refused, a bounded word defined by the meter. */
  public static final String REASON = "reason";

  /** Added to every meter by the auto-configuration: {@code spring.application.name}. */
  public static final String APPLICATION = "application";

  /** GenAI operation name for chat completions and messages. */
  public static final String OPERATION_CHAT = "chat";

  /** {@link #TOKEN_TYPE} value for input tokens. */
  public static final String TOKEN_TYPE_INPUT = "input";

  /** {@link #TOKEN_TYPE} value for output tokens. */
  public static final String TOKEN_TYPE_OUTPUT = "output";

  /** Base unit of money meters. */
  public static final String UNIT_USD = "usd";

  /** Base unit of token meters. */
  public static final String UNIT_TOKENS = "tokens";

  private MetricTags() {}
}
