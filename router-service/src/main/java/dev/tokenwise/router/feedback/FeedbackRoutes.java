package dev.tokenwise.router.feedback;

import static org.springframework.web.reactive.function.server.RequestPredicates.POST;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/** Maps {@code POST /v1/feedback}. */
@Configuration(proxyBeanMethods = false)
class FeedbackRoutes {

  @Bean
  RouterFunction<ServerResponse> feedbackRoute(FeedbackHandler feedback) {
    return route(POST("/v1/feedback"), feedback::handle);
  }
}
