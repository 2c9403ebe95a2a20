package dev.tokenwise.router.messages;

import static org.springframework.web.reactive.function.server.RequestPredicates.POST;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import dev.tokenwise.router.pipeline.RequestPipeline;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/** Maps the Messages endpoint. */
@Configuration(proxyBeanMethods = false)
class MessagesRoutes {

  @Bean
  RouterFunction<ServerResponse> messagesRoute(
      RequestPipeline pipeline, MessagesProtocol protocol) {
    return route(POST("/v1/messages"), request -> pipeline.handle(request, protocol));
  }
}
