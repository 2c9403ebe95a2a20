package dev.tokenwise.router.request;

import dev.tokenwise.common.metrics.BoundedTags;
import dev.tokenwise.common.metrics.MetricNames;
import dev.tokenwise.common.metrics.MetricTags;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Gives each {@code /v1/**} request its id (echoed as {@code Tokenwise-Request-Id}, success or
 * error) and counts it once in {@code tokenwise.router.requests} by route, model and outcome.
 */
@Component
public class PublicApiRequestFilter implements WebFilter, Ordered {

  private static final String NONE = BoundedTags.NONE;

  private static final String REQUEST_ID_ATTRIBUTE = PublicApiRequestFilter.class.getName() + ".id";

  private static final String ROUTE_ATTRIBUTE = PublicApiRequestFilter.class.getName() + ".route";
  private static final String MODEL_ATTRIBUTE = PublicApiRequestFilter.class.getName() + ".model";

  private static final Logger log = LoggerFactory.getLogger(PublicApiRequestFilter.class);

  private final MeterRegistry registry;
  private final RequestGuardProperties guard;

  public PublicApiRequestFilter(MeterRegistry registry, RequestGuardProperties guard) {
    this.registry = registry;
    this.guard = guard;
  }

  /**
   * Names the route and the (already bounded) model of the current request for its count; requests
   * rejected before they are known count as {@code none}.
   */
  public static void describe(ServerWebExchange exchange, String route, String boundedModel) {
    exchange.getAttributes().put(ROUTE_ATTRIBUTE, route);
    exchange.getAttributes().put(MODEL_ATTRIBUTE, boundedModel);
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
    String id = RandomIds.requestId();
    exchange.getAttributes().put(REQUEST_ID_ATTRIBUTE, id);
    exchange.getResponse().getHeaders().set(TokenwiseHeaders.REQUEST_ID, id);
    // a request whose answer has not started by then is named with the step it is in
    Disposable watch =
        Schedulers.parallel()
            .schedule(
                () ->
                    log.warn(
                        "Request {} ({} {}) has had no answer for {} s; it is in step: {}",
                        id,
                        exchange.getRequest().getMethod(),
                        exchange.getRequest().getPath().value(),
                        guard.unansweredWarning().toSeconds(),
                        Stages.of(exchange)),
                guard.unansweredWarning().toMillis(),
                TimeUnit.MILLISECONDS);
    exchange
        .getResponse()
        .beforeCommit(
            () -> {
              watch.dispose();
              exchange.getResponse().getHeaders().set(TokenwiseHeaders.REQUEST_ID, id);
              Counter.builder(MetricNames.ROUTER_REQUESTS)
                  .description("Requests to the public API by route, model and outcome")
                  .tag(MetricTags.ROUTE, exchange.getAttributeOrDefault(ROUTE_ATTRIBUTE, NONE))
                  .tag(MetricTags.MODEL, exchange.getAttributeOrDefault(MODEL_ATTRIBUTE, NONE))
                  .tag(MetricTags.OUTCOME, RequestOutcome.of(exchange).tag())
                  .register(registry)
                  .increment();
              return Mono.empty();
            });
    return chain.filter(exchange).doFinally(signal -> watch.dispose());
  }
}
