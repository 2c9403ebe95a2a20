package dev.tokenwise.router.responses;

import static org.springframework.web.reactive.function.server.RequestPredicates.POST;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import dev.tokenwise.router.pipeline.RequestPipeline;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/** Maps the Responses endpoint. */
@Configuration(proxyBeanMethods = false)
class ResponsesRoutes {

  @Bean
  RouterFunction<ServerResponse> responsesRoute(
      RequestPipeline pipeline, ResponsesProtocol protocol) {
    return route(POST("/v1/responses"), request -> pipeline.handle(request, protocol));
  }
}
