package dev.tokenwise.router.route;

import dev.tokenwise.router.chat.ChatProperties;
import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.tenant.Tenant;
import java.util.Map;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Picks a request's route: the one the {@code Tokenwise-Route} header names, else the first
 * configured route matching the client's model, tenant or app, else the default route. Reads the
 * routes in force for the request's tenant at each request (its own route file's over the
 * router-wide ones), so a reloaded route file applies to the next request.
 */
@Component
public class RouteResolver {

  /** The request header a client names its route with. */
  public static final String HEADER = "Tokenwise-Route";

  private final RouteTable routes;
  private final ChatProperties chat;

  @Autowired
  public RouteResolver(RouteTable routes, ChatProperties chat) {
    this.routes = routes;
    this.chat = chat;
  }

  /** Over fixed routes (no route file). */
  public RouteResolver(RouteProperties routes, ChatProperties chat) {
    this(RouteTable.of(routes), chat);
  }

  /**
   * The request's route among the routes in force for its tenant ({@link
   * RouteTable#routes(String)}): the tenant's own definition of a route name wins over the
   * router-wide one.
   */
  public Route resolve(Tenant tenant, String headerRoute, String model) {
    Map<String, RouteProperties.Definition> routes = this.routes.routes(tenant.id());
    if (headerRoute != null && !headerRoute.isBlank()) {
      RouteProperties.Definition named = routes.get(headerRoute.strip());
      if (named == null) {
        throw OpenAiApiException.invalidRequest(
            "The route '"
                + headerRoute.strip()
                + "' named in the Tokenwise-Route header is not configured.",
            HEADER,
            "route_not_found");
      }
      return new Route(headerRoute.strip(), named, "header");
    }
    for (Map.Entry<String, RouteProperties.Definition> entry : routes.entrySet()) {
      if (entry.getValue().match().models().contains(model)) {
        return new Route(entry.getKey(), entry.getValue(), "model");
      }
    }
    for (Map.Entry<String, RouteProperties.Definition> entry : routes.entrySet()) {
      RouteProperties.Match match = entry.getValue().match();
      if (match.tenants().contains(tenant.id())) {
        return new Route(entry.getKey(), entry.getValue(), "tenant");
      }
      if (tenant.app() != null && match.apps().contains(tenant.app())) {
        return new Route(entry.getKey(), entry.getValue(), "app");
      }
    }
    String name = chat.defaultRoute().name();
    RouteProperties.Definition configured = routes.get(name);
    if (configured != null) {
      return new Route(name, configured, "default");
    }
    if (Route.isAlias(model)) {
      throw OpenAiApiException.invalidRequest(
          "The model '" + model + "' is a Tokenwise alias, but no route with tiers serves it.",
          "model",
          "model_not_found");
    }
    return new Route(name, defaults(), "default");
  }

  static RouteProperties.Definition defaults() {
    return new RouteProperties.Definition(
        new RouteProperties.Match(null, null, null),
        null,
        null,
        new RouteProperties.Classifier("none", null, 0.3, null),
        null,
        new RouteProperties.Output(null, null),
        null,
        "answer",
        RouteProperties.Cache.defaults(),
        new RouteProperties.PromptCache(true, "auto", 0.3, false, java.time.Duration.ofMinutes(5)),
        RouteProperties.Mode.AUTO,
        0,
        0.02);
  }
}
