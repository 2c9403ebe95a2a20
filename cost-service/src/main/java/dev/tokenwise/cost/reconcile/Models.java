package dev.tokenwise.cost.reconcile;

import dev.tokenwise.common.pricing.ModelPrice;
import dev.tokenwise.common.pricing.PriceCatalogs;

/** Model ids compared by family: a dated snapshot and its alias are the same model. */
final class Models {

  private static final PriceCatalogs CATALOGS = PriceCatalogs.bundled();

  private Models() {}

  /** Whether the catalog knows the model (bounded metric tags: others become {@code other}). */
  static boolean known(String model) {
    return CATALOGS.current().knows(model);
  }

  static String canonical(String model) {
    if (model == null || model.isBlank()) {
      return "unknown";
    }
    return CATALOGS.current().find(model).map(ModelPrice::model).orElse(model);
  }
}
