package dev.tokenwise.cost.pricing;

import dev.tokenwise.common.metrics.BoundedTags;
import dev.tokenwise.common.pricing.CostBreakdown;
import dev.tokenwise.common.pricing.CostCalculator;
import dev.tokenwise.common.pricing.ModelPrice;
import dev.tokenwise.common.pricing.PriceCatalog;
import dev.tokenwise.common.pricing.PriceCatalogs;
import dev.tokenwise.common.pricing.UnknownModelException;
import dev.tokenwise.common.usage.UsageEvent;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Prices usage events with common's bundled catalog history (plus configured overrides): each event
 * by the version in force when it occurred, through common's {@link CostCalculator}.
 */
@Component
public class UsagePricer {

  private static final Logger log = LoggerFactory.getLogger(UsagePricer.class);

  private final PriceCatalogs catalogs;

  @Autowired
  UsagePricer(PricingProperties properties) {
    this(PriceCatalogs.bundled().withOverrides(properties.overrides()));
  }

  UsagePricer(PriceCatalogs catalogs) {
    this.catalogs = catalogs;
    log.info("Pricing with catalog versions {}", catalogs);
  }

  /** The event's cost; unpriced (not an error) when no catalog version knows its model. */
  public EventCost price(UsageEvent event) {
    return price(event, null);
  }

  /**
   * The event's cost, with the output-cap saving estimated against {@code uncappedOutputEstimate}
   * (the route's measured uncapped output length) when not null.
   */
  public EventCost price(UsageEvent event, Long uncappedOutputEstimate) {
    String providerTag = BoundedTags.provider(event.provider());
    if (event.requestedModel() == null && event.servedModel() == null) {
      return new EventCost(
          null,
          catalogs.inForceAt(event.occurredAt()).version(),
          "event names no model",
          providerTag,
          BoundedTags.OTHER);
    }
    Optional<PriceCatalog> catalog = catalogs.forEvent(event);
    if (catalog.isEmpty()) {
      PriceCatalog inForce = catalogs.inForceAt(event.occurredAt());
      return new EventCost(
          null,
          inForce.version(),
          "no catalog version prices " + models(event),
          providerTag,
          BoundedTags.OTHER);
    }
    try {
      CostBreakdown breakdown = CostCalculator.price(event, catalog.get(), uncappedOutputEstimate);
      ModelPrice served = catalog.get().require(breakdown.servedModel());
      return new EventCost(
          breakdown, breakdown.catalogVersion(), null, served.provider(), served.model());
    } catch (UnknownModelException e) {
      return new EventCost(
          null, e.catalogVersion(), e.getMessage(), providerTag, BoundedTags.OTHER);
    }
  }

  private static String models(UsageEvent event) {
    if (event.requestedModel() == null || event.requestedModel().equals(event.servedModel())) {
      return "model " + event.servedModel();
    }
    return event.servedModel() == null
        ? "model " + event.requestedModel()
        : "requested model " + event.requestedModel() + " and served model " + event.servedModel();
  }
}
