package dev.tokenwise.router.tenant;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The tenants allowed to call the router ({@code tokenwise.router.tenants[i].*}). Keys are
 * configured as lower- or upper-case SHA-256 hex of the virtual key, never the key itself.
 */
@ConfigurationProperties("tokenwise.router")
public record TenantProperties(@DefaultValue List<TenantEntry> tenants) {

  /** One tenant: its id, an optional app name, and the hashes of its virtual keys. */
  public record TenantEntry(String id, String app, @DefaultValue List<String> keyHashes) {}
}
