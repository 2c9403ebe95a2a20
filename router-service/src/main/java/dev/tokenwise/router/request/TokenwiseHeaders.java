package dev.tokenwise.router.request;

/** Response headers every answer of the public API carries (listed in router-service's README). */
public final class TokenwiseHeaders {

  public static final String ROUTE = "Tokenwise-Route";
  public static final String MODEL = "Tokenwise-Model";
  public static final String CACHE = "Tokenwise-Cache";
  public static final String COST_USD = "Tokenwise-Cost-USD";
  public static final String REQUEST_ID = "Tokenwise-Request-Id";

  /** Milliseconds spent inside Tokenwise, the provider's time excluded. */
  public static final String OVERHEAD_MS = "Tokenwise-Overhead-Ms";

  /**
   * The version of the learned routing model that chose the tier ({@code shipped}, a model file's
   * name, or a published version such as {@code support-v3}); absent when no learned model chose.
   */
  public static final String ROUTER_VERSION = "Tokenwise-Router-Version";

  /** Set when the tenant's monthly spend passed its soft budget cap. */
  public static final String BUDGET_WARNING = "Tokenwise-Budget-Warning";

  private TokenwiseHeaders() {}
}
