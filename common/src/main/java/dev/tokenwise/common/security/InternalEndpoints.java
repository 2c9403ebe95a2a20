package dev.tokenwise.common.security;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Which internal caller may call which endpoint of a service. A request whose path falls under a
 * guarded prefix must carry a service token from one of the callers its rule names; a guarded path
 * no rule names is refused for everyone, so a new endpoint is closed until someone states who may
 * call it. Paths outside the guarded prefixes (public APIs, actuator) are not this class's concern.
 */
public final class InternalEndpoints {

  /**
   * @param method HTTP method, or {@code *} for any
   * @param path exact path, or a prefix when it ends with {@code /**}
   * @param callers the services that may call it
   * @param anyTenant whether a token minted for no particular tenant is accepted (statistics,
   *     maintenance); when false the token must name the tenant the request acts for
   */
  public record Rule(String method, String path, Set<String> callers, boolean anyTenant) {

    boolean matches(String requestMethod, String requestPath) {
      if (!"*".equals(method) && !method.equalsIgnoreCase(requestMethod)) {
        return false;
      }
      return path.endsWith("/**")
          ? requestPath.startsWith(path.substring(0, path.length() - 2))
          : path.equals(requestPath);
    }
  }

  private final List<String> guarded;
  private final List<Rule> rules;

  private InternalEndpoints(List<String> guarded, List<Rule> rules) {
    this.guarded = List.copyOf(guarded);
    this.rules = List.copyOf(rules);
  }

  public static Builder guarding(String... prefixes) {
    return new Builder(List.of(prefixes));
  }

  /** Whether the path needs a service token. */
  public boolean guards(String path) {
    for (String prefix : guarded) {
      if (path.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /** The rule for a guarded request, or null when no caller may call it. */
  public Rule rule(String method, String path) {
    for (Rule rule : rules) {
      if (rule.matches(method, path)) {
        return rule;
      }
    }
    return null;
  }

  /** The rules, for documentation and tests. */
  public List<Rule> rules() {
    return rules;
  }

  /**
   * Checks a guarded request: verifies its token and that its caller may call this endpoint.
   *
   * @throws ServiceTokenException for a missing, forged, expired or misdirected token
   * @throws CallerNotAllowedException when the caller, or its tenant scope, may not call it
   */
  public ServiceCaller authorize(ServiceTokens tokens, String method, String path, String token) {
    ServiceCaller caller = tokens.verify(token);
    Rule rule = rule(method, path);
    if (rule == null || !rule.callers().contains(caller.service())) {
      throw new CallerNotAllowedException(
          caller.service() + " may not call " + method + " " + path + ".");
    }
    if (caller.anyTenant() && !rule.anyTenant()) {
      throw new CallerNotAllowedException(
          method + " " + path + " acts for one tenant: the service token must name it.");
    }
    return caller;
  }

  public static final class Builder {
    private final List<String> guarded;
    private final List<Rule> rules = new ArrayList<>();

    private Builder(List<String> guarded) {
      this.guarded = guarded;
    }

    /** A per-tenant endpoint: the token must name the tenant the request acts for. */
    public Builder allow(String method, String path, String... callers) {
      rules.add(new Rule(method, path, Set.of(callers), false));
      return this;
    }

    /** An endpoint that acts for no particular tenant: a {@code *} token is accepted too. */
    public Builder allowAnyTenant(String method, String path, String... callers) {
      rules.add(new Rule(method, path, Set.of(callers), true));
      return this;
    }

    public InternalEndpoints build() {
      return new InternalEndpoints(guarded, rules);
    }
  }
}
