package dev.tokenwise.router.admin;

import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RequestPredicates.POST;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.route.RouteProperties;
import dev.tokenwise.router.route.RouteTable;
import dev.tokenwise.router.routing.TierChooser;
import dev.tokenwise.router.selftraining.RouterRetraining;
import dev.tokenwise.router.selftraining.RouterVersions;
import dev.tokenwise.router.tenant.AdminWrite;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The admin API for learned routes' routing models (super admin only; routes are shared by all
 * tenants):
 *
 * <ul>
 *   <li>{@code GET /admin/routes/{route}/router-versions}: every published version with its
 *       held-out scores, the configured model's name, the version in use, and what the latest
 *       retraining decided ({@code lastRetraining}, published or not);
 *   <li>{@code POST /admin/routes/{route}/router-versions/{version}/activate}: roll back (or
 *       forward) to a stored version; the version {@code configured} returns to the route's
 *       configured model. Every router instance follows within {@code poll-interval};
 *   <li>{@code POST /admin/routes/{route}/retrain}: retrain the route now instead of waiting for
 *       the periodic job; answers what the retraining did.
 * </ul>
 *
 * Changes are written to the audit log.
 */
@Configuration(proxyBeanMethods = false)
class RouterVersionRoutes {

  static final String CONFIGURED = "configured";

  private final AdminAuth auth;
  private final AuditLog audit;
  private final RouteTable routes;
  private final RouterVersions versions;
  private final RouterRetraining retraining;
  private final JsonMapper json;

  RouterVersionRoutes(
      AdminAuth auth,
      AuditLog audit,
      RouteTable routes,
      RouterVersions versions,
      RouterRetraining retraining,
      JsonMapper json) {
    this.json = json;
    this.auth = auth;
    this.audit = audit;
    this.routes = routes;
    this.versions = versions;
    this.retraining = retraining;
  }

  @Bean
  RouterFunction<ServerResponse> routerVersionApi() {
    return route(
            GET("/admin/routes/{route}/router-versions"), AdminRoutes.guarded(auth, this::list))
        .andRoute(
            POST("/admin/routes/{route}/router-versions/{version}/activate"),
            AdminRoutes.guarded(auth, this::activate))
        .andRoute(POST("/admin/routes/{route}/retrain"), AdminRoutes.guarded(auth, this::retrain));
  }

  private Mono<ServerResponse> list(Admin admin, ServerRequest request) {
    admin.mustBeSuper("read routing model versions");
    String route = learnedRoute(request);
    String configured =
        TierChooser.configuredVersion(routes.routes().get(route).classifier().modelPath());
    return Mono.zip(
            versions.activeInRedis(route).defaultIfEmpty(configured),
            versions.list(route),
            versions.lastRetraining(route).defaultIfEmpty("null"))
        .flatMap(
            all -> {
              Map<String, Object> body = new LinkedHashMap<>();
              body.put("route", route);
              body.put("configured", configured);
              body.put("active", all.getT1());
              body.put("versions", all.getT2());
              body.put("lastRetraining", json.readTree(all.getT3()));
              return AdminRoutes.respond(HttpStatus.OK, body);
            });
  }

  private Mono<ServerResponse> activate(Admin admin, ServerRequest request) {
    admin.mustBeSuper("change a route's routing model");
    String route = learnedRoute(request);
    String version = request.pathVariable("version");
    String target = CONFIGURED.equals(version) ? null : version;
    return versions
        .activeInRedis(route)
        .defaultIfEmpty(CONFIGURED)
        .flatMap(
            before -> {
              AdminWrite write = new AdminWrite();
              return versions
                  .activate(route, target, write)
                  .flatMap(
                      found -> {
                        if (!found) {
                          return Mono.error(
                              AdminRoutes.notFound(
                                  "Route '"
                                      + route
                                      + "' has no routing model version '"
                                      + version
                                      + "'."));
                        }
                        Map<String, Object> change = new LinkedHashMap<>();
                        change.put("before", before);
                        change.put("after", version);
                        audit.record(write, admin, "router-version.activate", null, route, change);
                        return audit
                            .commit(write)
                            .then(versions.refresh())
                            .then(
                                AdminRoutes.respond(
                                    HttpStatus.OK, Map.of("route", route, "active", version)));
                      });
            });
  }

  private Mono<ServerResponse> retrain(Admin admin, ServerRequest request) {
    admin.mustBeSuper("retrain a route");
    String route = learnedRoute(request);
    // Audited before it runs: the retraining publishes a version itself (as the periodic job
    // does), so an entry written after it could fail with the version already in use. What it
    // decided is kept as the route's lastRetraining (GET .../router-versions) and answered here.
    return audit
        .commit(
            audit.record(
                new AdminWrite(), admin, "router.retrain", null, route, Map.of("requested", "now")))
        .then(retraining.retrain(route))
        .flatMap(result -> AdminRoutes.respond(HttpStatus.OK, result));
  }

  private String learnedRoute(ServerRequest request) {
    String route = request.pathVariable("route");
    RouteProperties.Definition definition = routes.routes().get(route);
    if (definition == null) {
      throw AdminRoutes.notFound("No route '" + route + "'.");
    }
    if (definition.tiers().isEmpty() || !"learned".equals(definition.classifier().type())) {
      throw new OpenAiApiException(
          HttpStatus.BAD_REQUEST,
          "Route '" + route + "' has no learned classifier, so no routing model versions.",
          "invalid_request_error",
          "route",
          "not_a_learned_route");
    }
    return route;
  }
}
