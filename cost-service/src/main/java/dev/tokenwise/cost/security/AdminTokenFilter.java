package dev.tokenwise.cost.security;

import dev.tokenwise.common.security.ServiceAuthProblems;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * cost-service's operator calls that change history ({@code POST /api/admin/**}: repricing; {@code
 * POST /api/reconciliation/**}: a reconciliation run; {@code POST /api/quality/shadow}: an outside
 * judge's verdict) need {@code Authorization: Bearer <admin token>}, the deployment's admin token
 * ({@code TOKENWISE_ADMIN_TOKEN}, the router's admin API's too). Without a configured token they
 * are refused: an unconfigured admin API is a closed one.
 */
final class AdminTokenFilter implements Filter {

  private final byte[] token;

  AdminTokenFilter(String token) {
    this.token =
        token == null || token.isBlank() ? null : token.strip().getBytes(StandardCharsets.UTF_8);
  }

  static boolean guards(String method, String path) {
    return "POST".equalsIgnoreCase(method)
        && (path.startsWith("/api/admin/")
            || path.startsWith("/api/reconciliation/")
            || path.equals("/api/quality/shadow"));
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest request = (HttpServletRequest) req;
    String path = request.getRequestURI().substring(request.getContextPath().length());
    if (!guards(request.getMethod(), path)) {
      chain.doFilter(req, res);
      return;
    }
    String detail = null;
    if (token == null) {
      detail = "The admin API is off: set TOKENWISE_ADMIN_TOKEN (tokenwise.cost.admin-token).";
    } else {
      String presented = request.getHeader("Authorization");
      byte[] given =
          presented != null && presented.regionMatches(true, 0, "Bearer ", 0, 7)
              ? presented.substring(7).trim().getBytes(StandardCharsets.UTF_8)
              : new byte[0];
      if (!MessageDigest.isEqual(token, given)) {
        detail = "A valid admin token is required: Authorization: Bearer <admin token>.";
      }
    }
    if (detail != null) {
      ServiceAuthProblems.write(
          (HttpServletResponse) res, 401, "Admin token required", "admin_unauthorized", detail);
      return;
    }
    chain.doFilter(req, res);
  }
}
