package dev.tokenwise.cache.namespace;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The tenant, route and model a cached answer belongs to; no answer is ever served outside its
 * namespace.
 *
 * @param tenant the tenant id
 * @param route the route name
 * @param model the model the route served
 */
public record CacheNamespace(String tenant, String route, String model) {

  /** Longest accepted component, so a key stays a reasonable Redis key. */
  public static final int MAX_COMPONENT_LENGTH = 256;

  public CacheNamespace {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(route, "route");
    Objects.requireNonNull(model, "model");
  }

  /**
   * The namespace as {@code tenant:route:model} with each component percent-encoded, so that a
   * component containing {@code :} (a tenant named {@code a:b}) cannot impersonate two components.
   * Percent-encoding is injective, so distinct namespaces never share a segment.
   */
  public String keySegment() {
    return encode(tenant) + ':' + encode(route) + ':' + encode(model);
  }

  private static String encode(String component) {
    return URLEncoder.encode(component, StandardCharsets.UTF_8);
  }
}
