package dev.tokenwise.router.admin;

import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import dev.tokenwise.common.security.ServiceTokens;
import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.feedback.CostServiceProperties;
import io.micrometer.observation.ObservationRegistry;
import java.util.regex.Pattern;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * cost-service's reports through the admin API, so that a tenant's admins read their own tenant's
 * numbers with the admin token they already hold:
 *
 * <ul>
 *   <li>{@code GET /admin/reports/{report}}: cost-service's {@code GET /api/reports/{report}} with
 *       the same query ({@code cost-per-request}, {@code tokens-per-request}, {@code
 *       cache-hit-rate}, {@code cost-per-user}, {@code savings}, {@code quality}, {@code overview},
 *       {@code weekly});
 *   <li>{@code GET /admin/experiments} and {@code GET /admin/experiments/{name}}: its experiment
 *       reports.
 * </ul>
 *
 * A tenant admin's call carries the router's service token for that tenant, and cost-service
 * narrows the report to it (naming another tenant is a 403 there); the super admin's carries the
 * token for every tenant. cost-service's answer, error or not, is passed on as it is.
 */
@Configuration(proxyBeanMethods = false)
class ReportRoutes {

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

  private final AdminAuth auth;
  private final ServiceTokens tokens;
  private final CostServiceProperties costService;
  private final WebClient cost;

  ReportRoutes(
      AdminAuth auth,
      ServiceTokens tokens,
      CostServiceProperties costService,
      ObservationRegistry observations) {
    this.auth = auth;
    this.tokens = tokens;
    this.costService = costService;
    this.cost =
        WebClient.builder()
            .baseUrl(costService.baseUrl().toString())
            .observationRegistry(observations)
            .build();
  }

  @Bean
  RouterFunction<ServerResponse> reportApi() {
    return route(
            GET("/admin/reports/{report}"),
            AdminRoutes.guarded(
                auth, (admin, request) -> forward(admin, request, "/api/reports/", "report")))
        .andRoute(
            GET("/admin/experiments"),
            AdminRoutes.guarded(
                auth, (admin, request) -> forward(admin, request, "/api/experiments", null)))
        .andRoute(
            GET("/admin/experiments/{name}"),
            AdminRoutes.guarded(
                auth, (admin, request) -> forward(admin, request, "/api/experiments/", "name")));
  }

  private Mono<ServerResponse> forward(
      Admin admin, ServerRequest request, String path, String variable) {
    String target = path;
    if (variable != null) {
      String name = request.pathVariable(variable);
      if (!NAME.matcher(name).matches()) {
        return Mono.error(
            OpenAiApiException.invalidRequest(
                "'" + variable + "' must be lower-case letters, digits and dashes.",
                variable,
                "invalid_value"));
      }
      target = path + name;
    }
    String query = request.uri().getRawQuery();
    String uri = query == null ? target : target + "?" + query;
    String tenant = admin.isSuper() ? ServiceTokens.ANY_TENANT : admin.tenant();
    return cost.get()
        .uri(uri)
        .header(ServiceTokens.HEADER, tokens.mint(ServiceTokens.COST, tenant))
        .exchangeToMono(
            reply ->
                reply
                    .bodyToMono(byte[].class)
                    .defaultIfEmpty(new byte[0])
                    .flatMap(
                        body ->
                            ServerResponse.status(reply.statusCode())
                                .contentType(
                                    reply
                                        .headers()
                                        .contentType()
                                        .orElse(MediaType.APPLICATION_JSON))
                                .bodyValue(body)))
        .timeout(costService.timeout())
        .onErrorMap(
            e -> !(e instanceof OpenAiApiException),
            e ->
                OpenAiApiException.upstreamUnavailable(
                    HttpStatus.SERVICE_UNAVAILABLE,
                    "cost-service did not answer the report; retry later."));
  }
}
