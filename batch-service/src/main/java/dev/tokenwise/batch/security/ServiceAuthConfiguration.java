package dev.tokenwise.batch.security;

import dev.tokenwise.common.security.InternalEndpoints;
import dev.tokenwise.common.security.ServiceAuthServletFilter;
import dev.tokenwise.common.security.ServiceTokens;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * Who may call batch-service. Every endpoint but the actuator's is internal: clients reach it
 * through the router, which authenticates their virtual key and calls here with a service token
 * naming their tenant.
 *
 * <ul>
 *   <li>{@code POST /internal/deferred}: the router, for the tenant in the body;
 *   <li>{@code GET /v1/jobs/{id}}: the router, for the job's tenant (another tenant's job is 404);
 *   <li>{@code /v1/files/**}, {@code /v1/batches/**}: the router, for the tenant in {@code
 *       Tokenwise-Tenant}.
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
class ServiceAuthConfiguration {

  static final InternalEndpoints ENDPOINTS =
      InternalEndpoints.guarding("/internal/", "/v1/")
          .allow("POST", "/internal/deferred", ServiceTokens.ROUTER)
          .allow("GET", "/v1/jobs/**", ServiceTokens.ROUTER)
          .allow("*", "/v1/files/**", ServiceTokens.ROUTER)
          .allow("*", "/v1/files", ServiceTokens.ROUTER)
          .allow("*", "/v1/batches/**", ServiceTokens.ROUTER)
          .allow("*", "/v1/batches", ServiceTokens.ROUTER)
          .build();

  @Bean
  FilterRegistrationBean<ServiceAuthServletFilter> serviceAuthFilter(ServiceTokens tokens) {
    FilterRegistrationBean<ServiceAuthServletFilter> registration =
        new FilterRegistrationBean<>(new ServiceAuthServletFilter(tokens, ENDPOINTS));
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
    registration.addUrlPatterns("/*");
    return registration;
  }
}
