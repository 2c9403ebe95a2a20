package dev.tokenwise.router.deferral;

import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/** Maps {@code GET /v1/jobs/{id}}. */
@Configuration(proxyBeanMethods = false)
class DeferralRoutes {

  @Bean
  RouterFunction<ServerResponse> jobsRoute(Deferrals deferrals) {
    return route(GET("/v1/jobs/{id}"), deferrals::job);
  }
}
