package dev.tokenwise.cost.security;

import dev.tokenwise.common.security.ServiceAuthProblems;
import dev.tokenwise.common.security.ServiceCaller;
import dev.tokenwise.common.security.ServiceTokenException;
import dev.tokenwise.common.security.ServiceTokens;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Who may read cost-service's reports. Spend, savings and usage per tenant are as confidential as
 * the tenants' cached answers, so no read is anonymous:
 *
 * <ul>
 *   <li>{@code Authorization: Bearer <report token>} ({@code TOKENWISE_REPORT_TOKEN}, a read-only
 *       credential for dashboards and finance tools) or {@code Bearer <admin token>} ({@code
 *       TOKENWISE_ADMIN_TOKEN}) reads every report, for every tenant;
 *   <li>the router's service token ({@code Tokenwise-Service-Token}) for one tenant reads that
 *       tenant's reports only: the router's admin API serves them to the tenant's admins ({@code
 *       GET /admin/reports/**}). The {@code tenant} parameter is set to the token's tenant when
 *       absent; naming another tenant is a 403. Reports that cannot be narrowed to one tenant (the
 *       usage summary, route advice, reconciliation) need a token for every tenant;
 *   <li>the router's service token for every tenant ({@code *}) reads them all (the router polls
 *       {@code GET /api/quality/routes}, and serves the super admin's report calls).
 * </ul>
 *
 * Without any of these the read is a 401 naming what is missing; with neither token configured only
 * the router can read.
 */
final class ReportAccessFilter implements Filter {

  /** Reports that take a {@code tenant} parameter and honour it everywhere they read. */
  private static final List<String> TENANT_SCOPED = List.of("/api/reports/", "/api/experiments");

  /** Reports over every tenant, or none in particular. */
  private static final List<String> ALL_TENANTS =
      List.of("/api/usage/", "/api/quality/routes", "/api/reconciliation");

  private final List<byte[]> readers;
  private final ServiceTokens tokens;

  ReportAccessFilter(ServiceTokens tokens, String reportToken, String adminToken) {
    this.tokens = tokens;
    List<byte[]> configured = new ArrayList<>();
    for (String token : new String[] {reportToken, adminToken}) {
      if (token != null && !token.isBlank()) {
        configured.add(token.strip().getBytes(StandardCharsets.UTF_8));
      }
    }
    this.readers = List.copyOf(configured);
  }

  /** Whether {@code method path} reads a report this filter guards. */
  static boolean guards(String method, String path) {
    if (!"GET".equalsIgnoreCase(method) && !"HEAD".equalsIgnoreCase(method)) {
      return false;
    }
    return tenantScoped(path) || ALL_TENANTS.stream().anyMatch(p -> matches(path, p));
  }

  private static boolean tenantScoped(String path) {
    return TENANT_SCOPED.stream().anyMatch(p -> matches(path, p));
  }

  private static boolean matches(String path, String prefix) {
    return prefix.endsWith("/")
        ? path.startsWith(prefix)
        : path.equals(prefix) || path.startsWith(prefix + "/");
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest request = (HttpServletRequest) req;
    HttpServletResponse response = (HttpServletResponse) res;
    String path = request.getRequestURI().substring(request.getContextPath().length());
    if (!guards(request.getMethod(), path)) {
      chain.doFilter(req, res);
      return;
    }
    if (reader(request.getHeader("Authorization"))) {
      chain.doFilter(req, res);
      return;
    }
    String serviceToken = request.getHeader(ServiceTokens.HEADER);
    if (serviceToken == null) {
      refuse(
          response,
          401,
          "Report credential required",
          "report_unauthorized",
          "Reading reports needs 'Authorization: Bearer <report token>' (TOKENWISE_REPORT_TOKEN)"
              + " or the admin token; a tenant's admins read their own through the router's admin"
              + " API.");
      return;
    }
    ServiceCaller caller;
    try {
      caller = tokens.verify(serviceToken);
    } catch (ServiceTokenException e) {
      refuse(response, 401, "Service token refused", e.code(), e.getMessage());
      return;
    }
    if (!ServiceTokens.ROUTER.equals(caller.service())) {
      refuse(
          response,
          403,
          "Caller not allowed",
          "caller_not_allowed",
          caller.service() + " may not read reports.");
      return;
    }
    if (caller.anyTenant()) {
      chain.doFilter(req, res);
      return;
    }
    if (!tenantScoped(path)) {
      refuse(
          response,
          403,
          "Caller not allowed",
          "caller_not_allowed",
          "GET " + path + " covers every tenant: a token for one tenant cannot read it.");
      return;
    }
    String named = request.getParameter("tenant");
    if (named != null && !named.isBlank() && !named.equals(caller.tenant())) {
      refuse(
          response,
          403,
          "Caller not allowed",
          "caller_not_allowed",
          "The service token reads tenant '"
              + caller.tenant()
              + "''s reports, not '"
              + named
              + "'.");
      return;
    }
    chain.doFilter(new OneTenant(request, caller.tenant()), res);
  }

  private boolean reader(String authorization) {
    if (readers.isEmpty()
        || authorization == null
        || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    byte[] given = authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8);
    boolean match = false;
    for (byte[] reader : readers) {
      match |= MessageDigest.isEqual(reader, given);
    }
    return match;
  }

  private static void refuse(
      HttpServletResponse response, int status, String title, String code, String detail)
      throws IOException {
    ServiceAuthProblems.write(response, status, title, code, detail);
  }

  /** The request with its {@code tenant} parameter set to one tenant, whatever it said. */
  private static final class OneTenant extends HttpServletRequestWrapper {
    private final Map<String, String[]> parameters;

    OneTenant(HttpServletRequest request, String tenant) {
      super(request);
      Map<String, String[]> copy = new LinkedHashMap<>(request.getParameterMap());
      copy.put("tenant", new String[] {tenant});
      this.parameters = Collections.unmodifiableMap(copy);
    }

    @Override
    public String getParameter(String name) {
      String[] values = parameters.get(name);
      return values == null || values.length == 0 ? null : values[0];
    }

    @Override
    public String[] getParameterValues(String name) {
      String[] values = parameters.get(name);
      return values == null ? null : values.clone();
    }

    @Override
    public Map<String, String[]> getParameterMap() {
      return parameters;
    }

    @Override
    public Enumeration<String> getParameterNames() {
      return Collections.enumeration(parameters.keySet());
    }
  }
}
