package dev.tokenwise.router.request;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Gives each {@code /v1/**} request its id (echoed as {@code Tokenwise-Request-Id}, success or
 * error) and counts it once by outcome in {@code tokenwise.router.requests}.
 */
@Component
public class PublicApiRequestFilter implements WebFilter, Ordered {

  public static final String METER = "tokenwise.router.requests";

  private static final String REQUEST_ID_ATTRIBUTE = PublicApiRequestFilter.class.getName() + ".id";

  private final Map<RequestOutcome, Counter> counters = new EnumMap<>(RequestOutcome.class);

  public PublicApiRequestFilter(MeterRegistry registry) {
    for (RequestOutcome outcome : RequestOutcome.values()) {
      counters.put(
          outcome,
          Counter.builder(METER)
              .description("Requests to the public API by outcome")
              .tag("outcome", outcome.tag())
              .register(registry));
    }
  }

  /** The id of the current request, assigned on arrival. */
  public static String requestId(ServerWebExchange exchange) {
    String id = exchange.getAttribute(REQUEST_ID_ATTRIBUTE);
    return id != null ? id : "unassigned";
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE + 10;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    if (!exchange.getRequest().getPath().value().startsWith("/v1/")) {
      return chain.filter(exchange);
    }
    String id = "req_" + UUID.randomUUID().toString().replace("-", "");
    exchange.getAttributes().put(REQUEST_ID_ATTRIBUTE, id);
    exchange.getResponse().getHeaders().set(TokenwiseHeaders.REQUEST_ID, id);
    exchange
        .getResponse()
        .beforeCommit(
            () -> {
              exchange.getResponse().getHeaders().set(TokenwiseHeaders.REQUEST_ID, id);
              counters.get(RequestOutcome.of(exchange)).increment();
              return Mono.empty();
            });
    return chain.filter(exchange);
  }
}
