package dev.tokenwise.common.metrics;

import dev.tokenwise.common.pricing.CostBreakdown;
import dev.tokenwise.common.pricing.ModelPrice;
import dev.tokenwise.common.pricing.PriceCatalog;
import dev.tokenwise.common.usage.UsageEvent;
import java.util.Collection;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Turns raw values into tag values from a bounded set, so a client cannot grow the metric series by
 * sending made-up model names. Models are bounded by the price catalog (aliases and dated snapshots
 * collapse to the canonical id); anything unknown becomes {@value #OTHER}.
 */
public final class BoundedTags {

  /** The value for anything outside the bounded set. */
  public static final String OTHER = "other";

  /** The value when nothing was given. */
  public static final String NONE = "none";

  /** OpenTelemetry GenAI provider names Tokenwise may call (plus its local simulator). */
  public static final Set<String> PROVIDERS =
      Set.of(
          "openai",
          "anthropic",
          "gcp.gemini",
          "gcp.vertex_ai",
          "aws.bedrock",
          "azure.ai.openai",
          "simulator");

  private final PriceCatalog catalog;

  public BoundedTags(PriceCatalog catalog) {
    this.catalog = Objects.requireNonNull(catalog, "catalog");
  }

  /**
   * The catalog's canonical id for {@code model}, else {@value #OTHER} ({@value #NONE} if null).
   */
  public String model(String model) {
    if (model == null || model.isBlank()) {
      return NONE;
    }
    return catalog.find(model).map(ModelPrice::model).orElse(OTHER);
  }

  /** A known provider name, lower-cased, else {@value #OTHER}. */
  public static String provider(String provider) {
    if (provider == null || provider.isBlank()) {
      return NONE;
    }
    String p = provider.trim().toLowerCase(Locale.ROOT);
    return PROVIDERS.contains(p) ? p : OTHER;
  }

  /** The usage event mode's wire value ({@code sync}, {@code cache-exact}, ...). */
  public static String mode(UsageEvent.Mode mode) {
    if (mode == null) {
      return NONE;
    }
    return mode.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The savings tactic's tag value. */
  public static String tactic(CostBreakdown.Tactic tactic) {
    return tactic.tagValue();
  }

  /** {@code route} when it is one of the configured routes, else {@value #OTHER}. */
  public static String route(String route, Collection<String> configuredRoutes) {
    if (route == null || route.isBlank()) {
      return NONE;
    }
    return configuredRoutes.contains(route) ? route : OTHER;
  }
}
