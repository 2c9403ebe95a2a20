package dev.tokenwise.router.admin;

import static org.springframework.web.reactive.function.server.RequestPredicates.DELETE;
import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RequestPredicates.PUT;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.route.RouteTable;
import dev.tokenwise.router.route.TenantRoutes;
import dev.tokenwise.router.tenant.AdminWrite;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A tenant's own routes, in the admin API: its route file (the members of a route as in {@code
 * tokenwise.router.routes.<name>.*}) replaces the router-wide route of the same name for the
 * tenant's requests. The super admin may act on any tenant, a tenant admin on its own only.
 *
 * <ul>
 *   <li>{@code PUT /admin/tenants/{tenant}/routes}: the whole file, {@code {"routes": {<name>:
 *       {...}}}} as JSON, or as YAML with {@code Content-Type: application/yaml}; at most {@value
 *       #MAX_FILE_BYTES} bytes (413 beyond);
 *   <li>{@code GET /admin/tenants/{tenant}/routes}: the file as JSON with its version (also the
 *       {@code ETag}), when and by whom it was set;
 *   <li>{@code DELETE /admin/tenants/{tenant}/routes}: the tenant's requests use the router-wide
 *       routes again;
 *   <li>{@code PUT|DELETE /admin/tenants/{tenant}/routes/{route}}: one route of the file.
 * </ul>
 *
 * A file is checked as the router's route file on disk is ({@link TenantRoutes#check}); an invalid
 * one is a 400 naming the route and the problem, and changes and audits nothing. A change is stored
 * with its audit entry in one atomic write, applied on this replica at once and on every other
 * within about a second.
 */
@Configuration(proxyBeanMethods = false)
class TenantRouteRoutes {

  /** Route files are larger than other admin bodies: 256 KiB, for this endpoint only. */
  static final int MAX_FILE_BYTES = 256 * 1024;

  private static final Set<String> YAML = Set.of("yaml", "x-yaml");

  private final AdminAuth auth;
  private final AuditLog audit;
  private final TenantRoutes routes;
  private final JsonMapper json;

  TenantRouteRoutes(AdminAuth auth, AuditLog audit, TenantRoutes routes, JsonMapper json) {
    this.auth = auth;
    this.audit = audit;
    this.routes = routes;
    this.json = json;
  }

  @Bean
  RouterFunction<ServerResponse> tenantRouteApi() {
    return route(PUT("/admin/tenants/{tenant}/routes"), AdminRoutes.guarded(auth, this::putFile))
        .andRoute(GET("/admin/tenants/{tenant}/routes"), AdminRoutes.guarded(auth, this::getFile))
        .andRoute(
            DELETE("/admin/tenants/{tenant}/routes"), AdminRoutes.guarded(auth, this::deleteFile))
        .andRoute(
            PUT("/admin/tenants/{tenant}/routes/{route}"),
            AdminRoutes.guarded(auth, this::putRoute))
        .andRoute(
            DELETE("/admin/tenants/{tenant}/routes/{route}"),
            AdminRoutes.guarded(auth, this::deleteRoute));
  }

  private Mono<ServerResponse> putFile(Admin admin, ServerRequest request) {
    String tenant = AdminRoutes.pathTenant(admin, request);
    return body(request)
        .flatMap(
            tree -> {
              ObjectNode file = json.createObjectNode();
              file.set("routes", routesOf(tree));
              return store(admin, tenant, file, "tenant.routes.put", tenant);
            });
  }

  private Mono<ServerResponse> getFile(Admin admin, ServerRequest request) {
    String tenant = AdminRoutes.pathTenant(admin, request);
    return stored(tenant)
        .flatMap(
            stored ->
                ServerResponse.ok()
                    .contentType(MediaType.APPLICATION_JSON)
                    .eTag(etag(stored))
                    .bodyValue(view(stored)));
  }

  private Mono<ServerResponse> deleteFile(Admin admin, ServerRequest request) {
    String tenant = AdminRoutes.pathTenant(admin, request);
    return stored(tenant)
        .flatMap(
            stored -> {
              AdminWrite write = new AdminWrite();
              routes.delete(tenant, write);
              Map<String, Object> summary = new LinkedHashMap<>();
              summary.put("routes", names(json.readTree(stored.file())));
              summary.put("version", stored.version());
              audit.record(write, admin, "tenant.routes.delete", tenant, tenant, summary);
              return audit
                  .commit(write)
                  .then(routes.changed(tenant))
                  .then(
                      AdminRoutes.respond(
                          HttpStatus.OK, Map.of("tenant", tenant, "routes", "router-wide")));
            });
  }

  private Mono<ServerResponse> putRoute(Admin admin, ServerRequest request) {
    String tenant = AdminRoutes.pathTenant(admin, request);
    String name = routeName(request);
    return body(request)
        .zipWith(
            routes
                .read(tenant)
                .map(stored -> (ObjectNode) json.readTree(stored.file()))
                .defaultIfEmpty(emptyFile()))
        .flatMap(
            both -> {
              if (!both.getT1().isObject()) {
                throw invalid("A route must be a JSON object of its members.");
              }
              ObjectNode file = both.getT2();
              ((ObjectNode) file.get("routes")).set(name, both.getT1());
              return store(admin, tenant, file, "tenant.route.put", name);
            });
  }

  private Mono<ServerResponse> deleteRoute(Admin admin, ServerRequest request) {
    String tenant = AdminRoutes.pathTenant(admin, request);
    String name = routeName(request);
    return stored(tenant)
        .flatMap(
            stored -> {
              ObjectNode file = (ObjectNode) json.readTree(stored.file());
              ObjectNode own = (ObjectNode) file.get("routes");
              if (!own.has(name)) {
                throw AdminRoutes.notFound(
                    "Tenant '" + tenant + "' has no route '" + name + "' of its own.");
              }
              own.remove(name);
              if (own.isEmpty()) {
                AdminWrite write = new AdminWrite();
                routes.delete(tenant, write);
                audit.record(
                    write,
                    admin,
                    "tenant.route.delete",
                    tenant,
                    name,
                    Map.of("version", stored.version(), "routes", List.of()));
                return audit
                    .commit(write)
                    .then(routes.changed(tenant))
                    .then(
                        AdminRoutes.respond(
                            HttpStatus.OK, Map.of("tenant", tenant, "routes", "router-wide")));
              }
              return store(admin, tenant, file, "tenant.route.delete", name);
            });
  }

  /**
   * Checks {@code file} and stores it as the tenant's, with its audit entry, in one atomic write;
   * answers the stored file.
   */
  private Mono<ServerResponse> store(
      Admin admin, String tenant, ObjectNode file, String action, String target) {
    byte[] bytes = json.writeValueAsBytes(file);
    try {
      routes.check(bytes);
    } catch (RouteTable.InvalidRoutes e) {
      throw invalid("The route file is invalid: " + e.getMessage());
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    AdminWrite write = new AdminWrite();
    int version = routes.put(tenant, text, admin.id(), write);
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("routes", names(file));
    summary.put("sha256", sha256(bytes));
    audit.record(write, admin, action, tenant, target, summary);
    return audit
        .commit(write)
        .flatMap(
            replies ->
                routes
                    .changed(tenant)
                    .then(
                        Mono.defer(
                            () -> {
                              TenantRoutes.Stored stored =
                                  new TenantRoutes.Stored(
                                      tenant,
                                      text,
                                      Long.parseLong(replies.get(version)),
                                      java.time.Instant.now(),
                                      admin.id());
                              return ServerResponse.ok()
                                  .contentType(MediaType.APPLICATION_JSON)
                                  .eTag(etag(stored))
                                  .bodyValue(view(stored));
                            })));
  }

  /** The body as a JSON tree: YAML when the content type says so, else JSON. */
  private Mono<JsonNode> body(ServerRequest request) {
    boolean yaml =
        request
            .headers()
            .contentType()
            .map(type -> YAML.contains(type.getSubtype().toLowerCase()))
            .orElse(false);
    return AdminBodies.bytes(request, MAX_FILE_BYTES)
        .onErrorMap(
            DataBufferLimitException.class,
            e ->
                new OpenAiApiException(
                    HttpStatus.PAYLOAD_TOO_LARGE,
                    "A route file may be at most " + MAX_FILE_BYTES + " bytes.",
                    "invalid_request_error",
                    null,
                    "request_too_large"))
        .map(bytes -> yaml ? fromYaml(bytes) : fromJson(bytes));
  }

  private JsonNode fromJson(byte[] bytes) {
    if (bytes.length == 0) {
      throw invalid("The body is empty; it must be a route file.");
    }
    try {
      JsonNode tree = json.readTree(bytes);
      if (tree == null || tree.isMissingNode()) {
        throw invalid("The body is empty; it must be a route file.");
      }
      return tree;
    } catch (JacksonException e) {
      throw invalid("The body is not valid JSON: " + e.getOriginalMessage());
    }
  }

  private JsonNode fromYaml(byte[] bytes) {
    Object loaded;
    try {
      loaded =
          new Yaml(new SafeConstructor(new LoaderOptions()))
              .load(new String(bytes, StandardCharsets.UTF_8));
    } catch (YAMLException e) {
      throw invalid("The body is not valid YAML: " + e.getMessage());
    }
    if (loaded == null) {
      throw invalid("The body is empty; it must be a route file.");
    }
    try {
      return json.valueToTree(loaded);
    } catch (IllegalArgumentException | JacksonException e) {
      throw invalid("The body's YAML has values JSON cannot hold: " + e.getMessage());
    }
  }

  /**
   * The routes object of a route file: its only member {@code routes} (or {@code
   * tokenwise.router.routes}).
   */
  private static JsonNode routesOf(JsonNode tree) {
    if (!tree.isObject()) {
      throw invalid("A route file must be a JSON object: {\"routes\": {\"<name>\": {...}}}.");
    }
    JsonNode routes = null;
    JsonNode nested = tree.path("tokenwise").path("router");
    if (tree.size() == 1 && tree.has("routes")) {
      routes = tree.get("routes");
    } else if (tree.size() == 1 && tree.path("tokenwise").size() == 1 && nested.size() == 1) {
      routes = nested.get("routes");
    }
    if (routes == null || !routes.isObject() || routes.isEmpty()) {
      String members = String.join(", ", tree.propertyNames());
      throw invalid(
          "A route file must hold only 'routes', an object of routes by name (found: "
              + (members.length() > 200 ? members.substring(0, 200) + "…" : members)
              + ").");
    }
    return routes;
  }

  private Mono<TenantRoutes.Stored> stored(String tenant) {
    return routes
        .read(tenant)
        .switchIfEmpty(
            Mono.error(
                () ->
                    AdminRoutes.notFound(
                        "Tenant '"
                            + tenant
                            + "' has no route file; it uses the router-wide routes.")));
  }

  private Map<String, Object> view(TenantRoutes.Stored stored) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("tenant", stored.tenant());
    view.put("version", stored.version());
    view.put("etag", etag(stored));
    AdminViews.putInstant(view, "setAt", stored.setAt());
    view.put("setBy", stored.setBy());
    view.put("routes", json.readTree(stored.file()).get("routes"));
    return view;
  }

  private static String etag(TenantRoutes.Stored stored) {
    return "\"" + stored.version() + "\"";
  }

  private ObjectNode emptyFile() {
    ObjectNode file = json.createObjectNode();
    file.putObject("routes");
    return file;
  }

  private static List<String> names(JsonNode file) {
    return List.copyOf(file.path("routes").propertyNames());
  }

  private static String routeName(ServerRequest request) {
    String name = request.pathVariable("route");
    if (!TenantRoutes.ROUTE_NAME.matcher(name).matches()) {
      throw OpenAiApiException.invalidRequest(
          "'route' must be 1 to 64 letters, digits, '_' or '-'.", "route", "invalid_value");
    }
    return name;
  }

  private static OpenAiApiException invalid(String message) {
    return OpenAiApiException.invalidRequest(message, "routes", "invalid_route_file");
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
