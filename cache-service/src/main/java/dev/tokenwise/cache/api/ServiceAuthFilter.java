package dev.tokenwise.cache.api;

import dev.tokenwise.common.cache.CacheApi;
import dev.tokenwise.common.security.CallerNotAllowedException;
import dev.tokenwise.common.security.InternalEndpoints;
import dev.tokenwise.common.security.ServiceAuthProblems;
import dev.tokenwise.common.security.ServiceCaller;
import dev.tokenwise.common.security.ServiceTokenException;
import dev.tokenwise.common.security.ServiceTokens;
import java.nio.charset.StandardCharsets;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Every {@code /internal/**} call needs a service token (header {@value ServiceTokens#HEADER}) from
 * a caller this table accepts; a path the table does not name is refused for everyone:
 *
 * <ul>
 *   <li>{@code POST /internal/cache/lookup}, {@code /store}: the router and batch-service, for the
 *       one tenant the token names;
 *   <li>{@code POST /internal/cache/shadow}, {@code /invalidate}: the router, for the token's
 *       tenant;
 *   <li>{@code GET /internal/cache/stats}: any Tokenwise service (no tenant data).
 * </ul>
 *
 * The handler then checks the body's tenant against the token's ({@link #caller}).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class ServiceAuthFilter implements WebFilter {

  static final InternalEndpoints ENDPOINTS =
      InternalEndpoints.guarding("/internal/")
          .allow("POST", CacheApi.LOOKUP, ServiceTokens.ROUTER, ServiceTokens.BATCH)
          .allow("POST", CacheApi.STORE, ServiceTokens.ROUTER, ServiceTokens.BATCH)
          .allow("POST", CacheApi.SHADOW, ServiceTokens.ROUTER)
          .allow("POST", CacheApi.INVALIDATE, ServiceTokens.ROUTER)
          .allowAnyTenant(
              "GET", CacheApi.STATS, ServiceTokens.ROUTER, ServiceTokens.BATCH, ServiceTokens.COST)
          .build();

  private static final String CALLER = ServiceCaller.class.getName();

  private final ServiceTokens tokens;

  ServiceAuthFilter(ServiceTokens tokens) {
    this.tokens = tokens;
  }

  /** The verified caller of an internal request. */
  static ServiceCaller caller(ServerWebExchange exchange) {
    return exchange.getAttribute(CALLER);
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    String path = exchange.getRequest().getPath().pathWithinApplication().value();
    if (!ENDPOINTS.guards(path)) {
      return chain.filter(exchange);
    }
    try {
      ServiceCaller caller =
          ENDPOINTS.authorize(
              tokens,
              exchange.getRequest().getMethod().name(),
              path,
              exchange.getRequest().getHeaders().getFirst(ServiceTokens.HEADER));
      exchange.getAttributes().put(CALLER, caller);
    } catch (ServiceTokenException e) {
      return refuse(
          exchange, HttpStatus.UNAUTHORIZED, "Service token refused", e.code(), e.getMessage());
    } catch (CallerNotAllowedException e) {
      return refuse(
          exchange,
          HttpStatus.FORBIDDEN,
          "Caller not allowed",
          "caller_not_allowed",
          e.getBody().getDetail());
    }
    return chain.filter(exchange);
  }

  /**
   * Answers a refused call after reading (and dropping) what is left of its body: a keep-alive
   * connection whose request body was never read does not serve the caller's next request.
   */
  private static Mono<Void> refuse(
      ServerWebExchange exchange, HttpStatus status, String title, String code, String detail) {
    ServerHttpResponse response = exchange.getResponse();
    return exchange
        .getRequest()
        .getBody()
        .doOnNext(DataBufferUtils::release)
        .then(Mono.defer(() -> write(response, status, title, code, detail)));
  }

  private static Mono<Void> write(
      ServerHttpResponse response, HttpStatus status, String title, String code, String detail) {
    response.setStatusCode(status);
    response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
    byte[] body =
        ServiceAuthProblems.json(status.value(), title, code, detail)
            .getBytes(StandardCharsets.UTF_8);
    return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
  }
}
