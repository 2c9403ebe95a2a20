package dev.tokenwise.router.chat;

import static org.springframework.web.reactive.function.server.RequestPredicates.POST;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import dev.tokenwise.router.pipeline.RequestPipeline;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/** Maps the chat endpoint; functional routes are consulted before the gateway's route table. */
@Configuration(proxyBeanMethods = false)
class ChatRoutes {

  @Bean
  RouterFunction<ServerResponse> chatCompletionsRoute(
      RequestPipeline pipeline, ChatProtocol protocol) {
    return route(POST("/v1/chat/completions"), request -> pipeline.handle(request, protocol));
  }
}
