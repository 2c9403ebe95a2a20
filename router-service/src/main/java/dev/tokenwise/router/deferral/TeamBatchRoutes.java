package dev.tokenwise.router.deferral;

import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RequestPredicates.POST;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.tenant.Tenant;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * The OpenAI-compatible Files and Batches API for teams with JSONL ({@code POST /v1/files}, {@code
 * GET /v1/files/{id}}, {@code GET /v1/files/{id}/content}, {@code POST /v1/batches}, {@code GET
 * /v1/batches/{id}}): the router authenticates the virtual key and hands the call to batch-service
 * for the key's tenant, which batch-service takes only from the router's service token. Bodies and
 * answers pass through as they are.
 */
@Configuration(proxyBeanMethods = false)
class TeamBatchRoutes {

  /** Answer headers passed back to the client. */
  private static final List<String> ANSWER_HEADERS =
      List.of(HttpHeaders.CONTENT_TYPE, HttpHeaders.CONTENT_DISPOSITION, HttpHeaders.LOCATION);

  @Bean
  RouterFunction<ServerResponse> teamBatchRoute(
      VirtualKeyAuthenticator authenticator, BatchServiceClient batch) {
    return route(POST("/v1/files"), request -> forward(request, authenticator, batch))
        .andRoute(GET("/v1/files/{id}"), request -> forward(request, authenticator, batch))
        .andRoute(GET("/v1/files/{id}/content"), request -> forward(request, authenticator, batch))
        .andRoute(POST("/v1/batches"), request -> forward(request, authenticator, batch))
        .andRoute(GET("/v1/batches/{id}"), request -> forward(request, authenticator, batch));
  }

  private static Mono<ServerResponse> forward(
      ServerRequest request, VirtualKeyAuthenticator authenticator, BatchServiceClient batch) {
    Tenant tenant;
    try {
      tenant = authenticator.authenticate(request.headers().asHttpHeaders());
    } catch (OpenAiApiException e) {
      return Mono.error(e);
    }
    String query = request.uri().getRawQuery();
    String target = request.uri().getRawPath() + (query == null ? "" : "?" + query);
    return batch
        .forward(
            request.method(),
            target,
            request.headers().asHttpHeaders(),
            request.body(BodyExtractors.toDataBuffers()),
            tenant.id())
        .onErrorMap(
            e -> !(e instanceof OpenAiApiException),
            e ->
                OpenAiApiException.upstreamUnavailable(
                    HttpStatus.SERVICE_UNAVAILABLE,
                    "The batch service did not answer; retry later."))
        .flatMap(
            answer ->
                ServerResponse.status(answer.getStatusCode())
                    .headers(
                        out -> {
                          for (String name : ANSWER_HEADERS) {
                            List<String> values = answer.getHeaders().get(name);
                            if (values != null) {
                              out.put(name, values);
                            }
                          }
                        })
                    .body(answer.getBody(), DataBuffer.class));
  }
}
