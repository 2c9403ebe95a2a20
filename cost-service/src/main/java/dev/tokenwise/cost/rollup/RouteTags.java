package dev.tokenwise.cost.rollup;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * Bounds the {@code route} tag of cost-service's per-route meters. Routes are the router's
 * configuration, so few in practice, but cost-service also accepts events from outside Tokenwise:
 * the first {@code tokenwise.cost.metrics.max-routes} distinct route names (default 100) become tag
 * values and any later one is {@code other}. A missing route is {@code none}.
 */
@Component
public class RouteTags {

  private final int maxRoutes;
  private final Set<String> admitted = ConcurrentHashMap.newKeySet();

  RouteTags(CostMetricsProperties properties) {
    this.maxRoutes = properties.maxRoutes();
  }

  public String tag(String route) {
    if (route == null || route.isBlank()) {
      return "none";
    }
    if (admitted.contains(route)) {
      return route;
    }
    synchronized (admitted) {
      if (admitted.size() < maxRoutes) {
        admitted.add(route);
        return route;
      }
    }
    return "other";
  }
}
