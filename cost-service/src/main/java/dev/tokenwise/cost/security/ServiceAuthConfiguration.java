package dev.tokenwise.cost.security;

import dev.tokenwise.common.security.BodyLimitServletFilter;
import dev.tokenwise.common.security.InternalEndpoints;
import dev.tokenwise.common.security.ServiceAuthServletFilter;
import dev.tokenwise.common.security.ServiceTokens;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.util.unit.DataSize;

/**
 * Who may write to cost-service, and how large a body may be.
 *
 * <ul>
 *   <li>{@code POST /api/events}: the router and batch-service, each event for the tenant the token
 *       names;
 *   <li>{@code POST /api/feedback}, {@code POST /api/quality/shadow-requests}, {@code POST
 *       /api/quality/routing-samples}: the router, for the tenant in the body;
 *   <li>{@code GET /api/quality/routing-verdicts}, {@code GET /api/quality/routing-samples}: the
 *       router, for any tenant (its retraining job reads a route's verdicts and samples across
 *       tenants).
 * </ul>
 *
 * Shadow results ({@code POST /api/quality/shadow-results/{id}}) are batch-service's webhook
 * deliveries, authenticated by their signature instead. Repricing and reconciliation runs need the
 * admin token ({@link AdminTokenFilter}); reading reports needs the report or admin token, or the
 * router's service token ({@link ReportAccessFilter}). Every body is bounded by {@code
 * tokenwise.cost.max-body-size} (default 1 MB).
 */
@Configuration(proxyBeanMethods = false)
class ServiceAuthConfiguration {

  static final InternalEndpoints ENDPOINTS =
      InternalEndpoints.guarding(
              "/internal/",
              "/api/events",
              "/api/feedback",
              "/api/quality/shadow-requests",
              "/api/quality/routing-samples",
              "/api/quality/routing-verdicts")
          .allow("POST", "/api/events", ServiceTokens.ROUTER, ServiceTokens.BATCH)
          .allow("POST", "/api/feedback", ServiceTokens.ROUTER)
          .allow("POST", "/api/quality/shadow-requests", ServiceTokens.ROUTER)
          .allow("POST", "/api/quality/routing-samples", ServiceTokens.ROUTER)
          .allowAnyTenant("GET", "/api/quality/routing-verdicts", ServiceTokens.ROUTER)
          .allowAnyTenant("GET", "/api/quality/routing-samples", ServiceTokens.ROUTER)
          .build();

  @Bean
  FilterRegistrationBean<ServiceAuthServletFilter> serviceAuthFilter(ServiceTokens tokens) {
    FilterRegistrationBean<ServiceAuthServletFilter> registration =
        new FilterRegistrationBean<>(new ServiceAuthServletFilter(tokens, ENDPOINTS));
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
    registration.addUrlPatterns("/*");
    return registration;
  }

  @Bean
  FilterRegistrationBean<ReportAccessFilter> reportAccessFilter(
      ServiceTokens tokens,
      @Value("${tokenwise.cost.report-token:}") String reportToken,
      @Value("${tokenwise.cost.admin-token:}") String adminToken) {
    FilterRegistrationBean<ReportAccessFilter> registration =
        new FilterRegistrationBean<>(new ReportAccessFilter(tokens, reportToken, adminToken));
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 12);
    registration.addUrlPatterns("/*");
    return registration;
  }

  @Bean
  FilterRegistrationBean<AdminTokenFilter> adminTokenFilter(
      @Value("${tokenwise.cost.admin-token:}") String adminToken) {
    FilterRegistrationBean<AdminTokenFilter> registration =
        new FilterRegistrationBean<>(new AdminTokenFilter(adminToken));
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 11);
    registration.addUrlPatterns("/*");
    return registration;
  }

  @Bean
  FilterRegistrationBean<BodyLimitServletFilter> bodyLimitFilter(
      @Value("${tokenwise.cost.max-body-size:1MB}") DataSize maxBodySize) {
    FilterRegistrationBean<BodyLimitServletFilter> registration =
        new FilterRegistrationBean<>(
            new BodyLimitServletFilter(maxBodySize.toBytes(), "tokenwise.cost.max-body-size"));
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 5);
    registration.addUrlPatterns("/*");
    return registration;
  }
}
