package dev.tokenwise.cache.semantic;

import dev.tokenwise.cache.namespace.CacheNamespace;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What an invalidation removes: one tenant's entries, or one route's, or one namespace's
 * (tenant/route/model), or one entry. Components are matched whole, so tenant {@code acme} never
 * removes tenant {@code acme2}'s entries.
 *
 * @param tenant the tenant (required)
 * @param route the route, or null for all of the tenant's routes
 * @param model the model, or null for all of the route's models
 * @param entryId one entry (exact or semantic id), or null for all
 */
public record InvalidationScope(String tenant, String route, String model, String entryId) {

  public InvalidationScope {
    if (tenant == null) {
      throw new IllegalArgumentException("tenant is required");
    }
    if (route == null && model != null) {
      throw new IllegalArgumentException("model needs a route");
    }
    if (entryId != null && model == null) {
      throw new IllegalArgumentException("entryId needs tenant, route and model");
    }
  }

  public static InvalidationScope namespace(CacheNamespace namespace) {
    return new InvalidationScope(namespace.tenant(), namespace.route(), namespace.model(), null);
  }

  /** {@code tenant}, {@code route}, {@code namespace} or {@code entry}. */
  public String level() {
    if (entryId != null) {
      return "entry";
    }
    if (model != null) {
      return "namespace";
    }
    return route != null ? "route" : "tenant";
  }

  /** The encoded namespace components this scope fixes, in key order. */
  List<String> segments() {
    List<String> parts = new ArrayList<>(3);
    parts.add(encode(tenant));
    if (route != null) {
      parts.add(encode(route));
    }
    if (model != null) {
      parts.add(encode(model));
    }
    return parts;
  }

  /** SCAN glob for this scope's keys under {@code prefix}. */
  String pattern(String prefix) {
    String fixed = SemanticEntries.globEscape(String.join(":", segments()));
    if (entryId != null) {
      return prefix + fixed + ":" + SemanticEntries.globEscape(entryId);
    }
    return prefix + fixed + ":*";
  }

  /** Whether the namespace with key segment {@code segment} lies inside this scope. */
  boolean covers(String segment) {
    String[] parts = segment.split(":", -1);
    List<String> fixed = segments();
    for (int i = 0; i < fixed.size(); i++) {
      if (i >= parts.length || !parts[i].equals(fixed.get(i))) {
        return false;
      }
    }
    return true;
  }

  private static String encode(String component) {
    return URLEncoder.encode(component, StandardCharsets.UTF_8);
  }
}
