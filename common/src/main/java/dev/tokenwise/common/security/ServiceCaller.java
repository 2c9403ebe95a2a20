package dev.tokenwise.common.security;

/**
 * A verified internal caller: the service that signed the token and the tenant it may act for.
 *
 * @param service the calling service, one of {@link ServiceTokens}' names
 * @param tenant the one tenant the call may name, or {@link ServiceTokens#ANY_TENANT} for a call
 *     that acts for no tenant in particular (statistics, maintenance)
 */
public record ServiceCaller(String service, String tenant) {

  /** Whether this caller may read or write {@code requested}'s data. */
  public boolean mayActFor(String requested) {
    return tenant.equals(requested);
  }

  /** Whether the token was minted for no particular tenant. */
  public boolean anyTenant() {
    return ServiceTokens.ANY_TENANT.equals(tenant);
  }
}
