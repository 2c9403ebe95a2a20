package dev.tokenwise.common.pricing;

/** A model the price catalog cannot price: its cost is unknown, never silently zero. */
public class UnknownModelException extends RuntimeException {

  private final String model;
  private final String catalogVersion;

  public UnknownModelException(String model, String catalogVersion) {
    super("No price for model '" + model + "' in price catalog " + catalogVersion);
    this.model = model;
    this.catalogVersion = catalogVersion;
  }

  public String model() {
    return model;
  }

  public String catalogVersion() {
    return catalogVersion;
  }
}
