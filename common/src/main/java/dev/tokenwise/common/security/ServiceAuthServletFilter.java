package dev.tokenwise.common.security;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Guards a servlet service's internal endpoints: a request under a guarded prefix needs a valid
 * service token from a caller its {@link InternalEndpoints} rule accepts (401 for a missing, forged
 * or expired token, 403 for a caller the endpoint does not accept, or for a {@value #TENANT_HEADER}
 * header naming another tenant than the token). The verified caller is left in the request
 * attribute {@link #CALLER} for the handler's check of a tenant named in the body.
 */
public final class ServiceAuthServletFilter implements Filter {

  public static final String CALLER = ServiceCaller.class.getName();

  /** A tenant named in this header must be the token's tenant. */
  public static final String TENANT_HEADER = "Tokenwise-Tenant";

  private final ServiceTokens tokens;
  private final InternalEndpoints endpoints;

  public ServiceAuthServletFilter(ServiceTokens tokens, InternalEndpoints endpoints) {
    this.tokens = tokens;
    this.endpoints = endpoints;
  }

  /** The verified caller of a guarded request, or null. */
  public static ServiceCaller caller(HttpServletRequest request) {
    return (ServiceCaller) request.getAttribute(CALLER);
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest request = (HttpServletRequest) req;
    String path = request.getRequestURI().substring(request.getContextPath().length());
    if (!endpoints.guards(path)) {
      chain.doFilter(req, res);
      return;
    }
    try {
      ServiceCaller caller =
          endpoints.authorize(
              tokens, request.getMethod(), path, request.getHeader(ServiceTokens.HEADER));
      String tenantHeader = request.getHeader(TENANT_HEADER);
      if (tenantHeader != null && !caller.mayActFor(tenantHeader)) {
        throw new CallerNotAllowedException(
            "The service token acts for tenant '"
                + caller.tenant()
                + "', not '"
                + tenantHeader
                + "' named in "
                + TENANT_HEADER
                + ".");
      }
      request.setAttribute(CALLER, caller);
    } catch (ServiceTokenException e) {
      refuse((HttpServletResponse) res, 401, "Service token refused", e.code(), e.getMessage());
      return;
    } catch (CallerNotAllowedException e) {
      refuse(
          (HttpServletResponse) res,
          403,
          "Caller not allowed",
          "caller_not_allowed",
          e.getBody().getDetail());
      return;
    }
    chain.doFilter(req, res);
  }

  private static void refuse(
      HttpServletResponse response, int status, String title, String code, String detail)
      throws IOException {
    ServiceAuthProblems.write(response, status, title, code, detail);
  }
}
