package dev.tokenwise.router.admin;

import static org.springframework.web.reactive.function.server.RequestPredicates.DELETE;
import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RequestPredicates.PATCH;
import static org.springframework.web.reactive.function.server.RequestPredicates.POST;
import static org.springframework.web.reactive.function.server.RequestPredicates.PUT;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import dev.tokenwise.router.budget.BudgetProperties;
import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.tenant.AdminChanges;
import dev.tokenwise.router.tenant.AdminWrite;
import dev.tokenwise.router.tenant.MintedKeys;
import dev.tokenwise.router.tenant.StoredKey;
import dev.tokenwise.router.tenant.Tenant;
import dev.tokenwise.router.tenant.TenantProperties;
import dev.tokenwise.router.tenant.TenantSettings;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.BiFunction;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tokenwise's admin API under {@code /admin}: virtual keys (mint, list, read, change, revoke,
 * rotate), tenants' budgets, tenant admin tokens and the audit log. Every call needs {@code
 * Authorization: Bearer <admin token>} ({@link AdminAuth}); a tenant admin acts on its own tenant
 * only. Every change is written together with its {@link AuditLog} entries, in one atomic {@link
 * AdminWrite}: when that write fails (500, or 503 when Redis is unreachable) nothing was changed or
 * audited. Errors are RFC 9457 problems; a refused call changes nothing.
 */
@Configuration(proxyBeanMethods = false)
class AdminRoutes {

  static final Duration DEFAULT_OVERLAP = Duration.ofHours(1);
  static final long MAX_OVERLAP_SECONDS = Duration.ofDays(30).toSeconds();

  private final AdminAuth auth;
  private final MintedKeys keys;
  private final AdminTokens tokens;
  private final TenantSettings settings;
  private final AdminChanges changes;
  private final AuditLog audit;
  private final BudgetProperties budgets;
  private final TenantProperties tenants;
  private final JsonMapper json;

  AdminRoutes(
      AdminAuth auth,
      MintedKeys keys,
      AdminTokens tokens,
      TenantSettings settings,
      AdminChanges changes,
      AuditLog audit,
      BudgetProperties budgets,
      TenantProperties tenants,
      JsonMapper json) {
    this.auth = auth;
    this.keys = keys;
    this.tokens = tokens;
    this.settings = settings;
    this.changes = changes;
    this.audit = audit;
    this.budgets = budgets;
    this.tenants = tenants;
    this.json = json;
  }

  @Bean
  RouterFunction<ServerResponse> adminApi() {
    return route(POST("/admin/keys"), as(this::mintKey))
        .andRoute(GET("/admin/keys"), as(this::listKeys))
        .andRoute(GET("/admin/keys/{id}"), as(this::getKey))
        .andRoute(PATCH("/admin/keys/{id}"), as(this::updateKey))
        .andRoute(POST("/admin/keys/{id}/revoke"), as(this::revokeKey))
        .andRoute(POST("/admin/keys/{id}/rotate"), as(this::rotateKey))
        .andRoute(GET("/admin/tenants"), as(this::listTenants))
        .andRoute(GET("/admin/tenants/{tenant}"), as(this::getTenant))
        .andRoute(PUT("/admin/tenants/{tenant}/budget"), as(this::setBudget))
        .andRoute(DELETE("/admin/tenants/{tenant}/budget"), as(this::clearBudget))
        .andRoute(PUT("/admin/tenants/{tenant}/limits"), as(this::setLimits))
        .andRoute(DELETE("/admin/tenants/{tenant}/limits"), as(this::clearLimits))
        .andRoute(POST("/admin/admin-tokens"), as(this::mintAdminToken))
        .andRoute(GET("/admin/admin-tokens"), as(this::listAdminTokens))
        .andRoute(POST("/admin/admin-tokens/{id}/revoke"), as(this::revokeAdminToken))
        .andRoute(GET("/admin/audit"), as(this::auditPage));
  }

  private org.springframework.web.reactive.function.server.HandlerFunction<ServerResponse> as(
      BiFunction<Admin, ServerRequest, Mono<ServerResponse>> handler) {
    return guarded(auth, handler);
  }

  /** A handler that runs only for an authenticated admin; a refused call's body is drained. */
  static org.springframework.web.reactive.function.server.HandlerFunction<ServerResponse> guarded(
      AdminAuth auth, BiFunction<Admin, ServerRequest, Mono<ServerResponse>> handler) {
    return request ->
        auth.admin(request)
            .flatMap(admin -> handler.apply(admin, request))
            .onErrorResume(error -> drained(request).then(Mono.error(error)));
  }

  /**
   * Reads what is left of a refused call's body: a keep-alive connection whose request body was
   * never read does not serve the next request.
   */
  private static Mono<Void> drained(ServerRequest request) {
    return request
        .body(BodyExtractors.toDataBuffers())
        .doOnNext(DataBufferUtils::release)
        .then()
        .onErrorResume(alreadyRead -> Mono.empty());
  }

  private Mono<ServerResponse> mintKey(Admin admin, ServerRequest request) {
    return AdminBodies.read(request, json)
        .map(AdminBodies::mint)
        .flatMap(
            mint -> {
              admin.mayActOn(mint.terms().id());
              AdminWrite write = new AdminWrite();
              MintedKeys.Minted minted = keys.mint(mint.terms(), mint.expiresAt(), null, write);
              Map<String, Object> view = AdminViews.key(minted.stored(), Instant.now());
              audit.record(
                  write,
                  admin,
                  "key.mint",
                  minted.stored().tenant().id(),
                  minted.stored().id(),
                  view);
              return audit
                  .commit(write)
                  .then(respond(HttpStatus.CREATED, withSecret("key", minted.key(), view)));
            });
  }

  private Mono<ServerResponse> listKeys(Admin admin, ServerRequest request) {
    String tenant = request.queryParam("tenant").orElse(admin.tenant());
    Flux<String> scope;
    if (tenant != null) {
      admin.mayActOn(AdminBodies.name(tenant, "tenant"));
      scope = Flux.just(tenant);
    } else {
      scope = keys.tenants();
    }
    Instant now = Instant.now();
    return scope
        .concatMap(keys::ofTenant)
        .map(key -> AdminViews.key(key, now))
        .collectList()
        .flatMap(list -> respond(HttpStatus.OK, Map.of("keys", list)));
  }

  private Mono<ServerResponse> getKey(Admin admin, ServerRequest request) {
    return key(admin, request)
        .flatMap(key -> respond(HttpStatus.OK, AdminViews.key(key, Instant.now())));
  }

  private Mono<ServerResponse> updateKey(Admin admin, ServerRequest request) {
    return key(admin, request)
        .zipWith(AdminBodies.read(request, json))
        .flatMap(
            both -> {
              StoredKey key = both.getT1();
              refuseRevoked(key);
              AdminBodies.Mint changed =
                  AdminBodies.update(both.getT2(), key.tenant(), key.expiresAt());
              Map<String, Object> before = AdminViews.terms(key.tenant());
              AdminWrite write = new AdminWrite();
              StoredKey updated = keys.update(key, changed.terms(), changed.expiresAt(), write);
              Map<String, Object> after = AdminViews.key(updated, Instant.now());
              audit.record(
                  write,
                  admin,
                  "key.update",
                  key.tenant().id(),
                  key.id(),
                  difference(before, key.expiresAt(), after));
              return audit
                  .commit(write)
                  .then(keys.changed(key))
                  .then(respond(HttpStatus.OK, after));
            });
  }

  private Mono<ServerResponse> revokeKey(Admin admin, ServerRequest request) {
    return key(admin, request)
        .flatMap(
            key -> {
              refuseRevoked(key);
              AdminWrite write = new AdminWrite();
              StoredKey revoked = keys.revoke(key, write);
              Map<String, Object> view = AdminViews.key(revoked, Instant.now());
              audit.record(
                  write,
                  admin,
                  "key.revoke",
                  revoked.tenant().id(),
                  revoked.id(),
                  Map.of("revokedAt", view.get("revokedAt")));
              return audit.commit(write).then(keys.changed(key)).then(respond(HttpStatus.OK, view));
            });
  }

  private Mono<ServerResponse> rotateKey(Admin admin, ServerRequest request) {
    return key(admin, request)
        .zipWith(AdminBodies.read(request, json))
        .flatMap(
            both -> {
              StoredKey key = both.getT1();
              refuseRevoked(key);
              if (key.rotatedTo() != null) {
                throw conflict(
                    "Key '" + key.id() + "' was already rotated to " + key.rotatedTo() + ".",
                    "key_already_rotated");
              }
              if (key.refusedAt(Instant.now())) {
                throw conflict("Key '" + key.id() + "' has expired.", "key_expired");
              }
              long overlap =
                  AdminBodies.integer(
                      both.getT2(),
                      "overlapSeconds",
                      0,
                      MAX_OVERLAP_SECONDS,
                      DEFAULT_OVERLAP.toSeconds());
              AdminWrite write = new AdminWrite();
              MintedKeys.Minted minted = keys.rotate(key, Duration.ofSeconds(overlap), write);
              Map<String, Object> view = AdminViews.key(minted.stored(), Instant.now());
              Map<String, Object> summary = new LinkedHashMap<>();
              summary.put("rotatedTo", minted.stored().id());
              summary.put("overlapSeconds", overlap);
              audit.record(write, admin, "key.rotate", key.tenant().id(), key.id(), summary);
              return audit
                  .commit(write)
                  .then(keys.changed(key))
                  .then(respond(HttpStatus.CREATED, withSecret("key", minted.key(), view)));
            });
  }

  private Mono<ServerResponse> listTenants(Admin admin, ServerRequest request) {
    if (!admin.isSuper()) {
      return respond(HttpStatus.OK, Map.of("tenants", List.of(admin.tenant())));
    }
    TreeSet<String> names = new TreeSet<>(budgets.tenants().keySet());
    tenants.tenants().stream()
        .map(TenantProperties.TenantEntry::id)
        .filter(Objects::nonNull)
        .forEach(names::add);
    return keys.tenants()
        .collectList()
        .flatMap(
            stored -> {
              names.addAll(stored);
              return respond(HttpStatus.OK, Map.of("tenants", List.copyOf(names)));
            });
  }

  private Mono<ServerResponse> getTenant(Admin admin, ServerRequest request) {
    String tenant = pathTenant(admin, request);
    return Mono.zip(
            keys.ofTenant(tenant).collectList(),
            settings
                .monthlyBudget(tenant)
                .map(b -> budgetView(b.hardUsd(), b.softUsd(), "admin"))
                .defaultIfEmpty(configuredBudget(tenant)),
            settings.rateLimit(tenant).map(AdminRoutes::limitsView).defaultIfEmpty(Map.of()))
        .flatMap(
            all -> {
              Map<String, Object> view = new LinkedHashMap<>();
              view.put("tenant", tenant);
              view.put("budget", all.getT2());
              view.put("limits", all.getT3());
              view.put(
                  "apps",
                  new TreeSet<>(
                      all.getT1().stream()
                          .map(k -> k.tenant().app())
                          .filter(Objects::nonNull)
                          .toList()));
              view.put("keys", all.getT1().size());
              return respond(HttpStatus.OK, view);
            });
  }

  private Mono<ServerResponse> setBudget(Admin admin, ServerRequest request) {
    String tenant = pathTenant(admin, request);
    admin.mustBeSuper("set a tenant's budget");
    return AdminBodies.read(request, json)
        .map(AdminBodies::budget)
        .flatMap(
            caps -> {
              AdminWrite write = new AdminWrite();
              settings.setMonthlyBudget(
                  tenant, new TenantSettings.MonthlyBudget(caps[0], caps[1]), write);
              Map<String, Object> view = budgetView(caps[0], caps[1], "admin");
              audit.record(write, admin, "tenant.budget.set", tenant, tenant, view);
              return audit
                  .commit(write)
                  .then(Mono.defer(() -> changes.tenantChanged(tenant)))
                  .then(respond(HttpStatus.OK, Map.of("tenant", tenant, "budget", view)));
            });
  }

  private static Map<String, Object> limitsView(Tenant.RateLimit limit) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("replenishRate", limit.replenishRate());
    view.put("burstCapacity", limit.burstCapacity());
    return view;
  }

  /**
   * {@code PUT /admin/tenants/{tenant}/limits}: the tenant's request rate limit, shared by all its
   * keys (each key's own limit applies too). Super admin only, like budgets.
   */
  private Mono<ServerResponse> setLimits(Admin admin, ServerRequest request) {
    String tenant = pathTenant(admin, request);
    admin.mustBeSuper("set a tenant's limits");
    return AdminBodies.read(request, json)
        .map(AdminBodies::tenantRateLimit)
        .flatMap(
            limit -> {
              AdminWrite write = settings.setRateLimit(tenant, limit, new AdminWrite());
              Map<String, Object> view = limitsView(limit);
              audit.record(write, admin, "tenant.limits.set", tenant, tenant, view);
              return audit
                  .commit(write)
                  .then(Mono.defer(() -> changes.tenantChanged(tenant)))
                  .then(respond(HttpStatus.OK, Map.of("tenant", tenant, "limits", view)));
            });
  }

  private Mono<ServerResponse> clearLimits(Admin admin, ServerRequest request) {
    String tenant = pathTenant(admin, request);
    admin.mustBeSuper("clear a tenant's limits");
    AdminWrite write = settings.clearRateLimit(tenant, new AdminWrite());
    audit.record(write, admin, "tenant.limits.clear", tenant, tenant, Map.of());
    return audit
        .commit(write)
        .then(Mono.defer(() -> changes.tenantChanged(tenant)))
        .then(
            Mono.defer(() -> respond(HttpStatus.OK, Map.of("tenant", tenant, "limits", Map.of()))));
  }

  private Mono<ServerResponse> clearBudget(Admin admin, ServerRequest request) {
    String tenant = pathTenant(admin, request);
    admin.mustBeSuper("clear a tenant's budget");
    AdminWrite write = settings.clearMonthlyBudget(tenant, new AdminWrite());
    audit.record(write, admin, "tenant.budget.clear", tenant, tenant, Map.of());
    return audit
        .commit(write)
        .then(Mono.defer(() -> changes.tenantChanged(tenant)))
        .then(
            Mono.defer(
                () ->
                    respond(
                        HttpStatus.OK,
                        Map.of("tenant", tenant, "budget", configuredBudget(tenant)))));
  }

  private Mono<ServerResponse> mintAdminToken(Admin admin, ServerRequest request) {
    admin.mustBeSuper("mint admin tokens");
    return AdminBodies.read(request, json)
        .map(AdminBodies::tenant)
        .flatMap(
            tenant -> {
              AdminWrite write = new AdminWrite();
              Map.Entry<String, AdminTokens.StoredToken> minted = tokens.mint(tenant, write);
              Map<String, Object> view = minted.getValue().view();
              audit.record(
                  write,
                  admin,
                  "admin-token.mint",
                  minted.getValue().tenant(),
                  minted.getValue().id(),
                  view);
              return audit
                  .commit(write)
                  .then(respond(HttpStatus.CREATED, withSecret("token", minted.getKey(), view)));
            });
  }

  private Mono<ServerResponse> listAdminTokens(Admin admin, ServerRequest request) {
    admin.mustBeSuper("list admin tokens");
    String tenant =
        AdminBodies.name(
            request
                .queryParam("tenant")
                .orElseThrow(() -> AdminBodies.invalid("'tenant' is required.", "tenant")),
            "tenant");
    return tokens
        .ofTenant(tenant)
        .map(AdminTokens.StoredToken::view)
        .collectList()
        .flatMap(list -> respond(HttpStatus.OK, Map.of("adminTokens", list)));
  }

  private Mono<ServerResponse> revokeAdminToken(Admin admin, ServerRequest request) {
    admin.mustBeSuper("revoke admin tokens");
    String id = request.pathVariable("id");
    return tokens
        .byId(id)
        .switchIfEmpty(Mono.error(() -> notFound("No admin token '" + shorten(id) + "'.")))
        .flatMap(
            token -> {
              if (token.revokedAt() != null) {
                throw conflict("Admin token '" + id + "' is already revoked.", "already_revoked");
              }
              AdminWrite write = new AdminWrite();
              AdminTokens.StoredToken revoked = tokens.revoke(token, write);
              audit.record(
                  write,
                  admin,
                  "admin-token.revoke",
                  revoked.tenant(),
                  revoked.id(),
                  Map.of("revokedAt", revoked.revokedAt().toString()));
              return audit.commit(write).then(respond(HttpStatus.OK, revoked.view()));
            });
  }

  private Mono<ServerResponse> auditPage(Admin admin, ServerRequest request) {
    String tenant = request.queryParam("tenant").orElse(null);
    if (tenant != null) {
      admin.mayActOn(AdminBodies.name(tenant, "tenant"));
    } else {
      tenant = admin.tenant();
    }
    int limit = (int) limit(request.queryParam("limit").orElse(null));
    return audit
        .page(tenant, request.queryParam("cursor").filter(c -> !c.isEmpty()).orElse(null), limit)
        .flatMap(
            page -> {
              Map<String, Object> body = new LinkedHashMap<>();
              body.put("entries", page.entries());
              body.put("nextCursor", page.nextCursor());
              return respond(HttpStatus.OK, body);
            });
  }

  /** The key named in the path, which the admin may act on; 404 when there is none. */
  private Mono<StoredKey> key(Admin admin, ServerRequest request) {
    String id = request.pathVariable("id");
    return keys.byId(id)
        .switchIfEmpty(Mono.error(() -> notFound("No key '" + shorten(id) + "'.")))
        .doOnNext(key -> admin.mayActOn(key.tenant().id()));
  }

  static String pathTenant(Admin admin, ServerRequest request) {
    String tenant = AdminBodies.name(request.pathVariable("tenant"), "tenant");
    admin.mayActOn(tenant);
    return tenant;
  }

  private Map<String, Object> configuredBudget(String tenant) {
    BudgetProperties.Caps caps = budgets.tenants().get(tenant);
    return caps == null
        ? Map.of("source", "none")
        : budgetView(caps.hardUsd(), caps.softUsd(), "configuration");
  }

  private static Map<String, Object> budgetView(BigDecimal hard, BigDecimal soft, String source) {
    Map<String, Object> view = new LinkedHashMap<>();
    if (hard != null) {
      view.put("hardUsd", hard.toPlainString());
    }
    if (soft != null) {
      view.put("softUsd", soft.toPlainString());
    }
    view.put("source", source);
    return view;
  }

  private static Map<String, Object> difference(
      Map<String, Object> before, Instant expiresBefore, Map<String, Object> after) {
    Map<String, Object> old = new LinkedHashMap<>(before);
    AdminViews.putInstant(old, "expiresAt", expiresBefore);
    Map<String, Object> changed = new LinkedHashMap<>();
    for (String field :
        List.of(
            "routes",
            "models",
            "replenishRate",
            "burstCapacity",
            "tokensPerMinute",
            "tokenBurst",
            "expiresAt")) {
      if (!Objects.equals(old.get(field), after.get(field))) {
        Map<String, Object> change = new LinkedHashMap<>();
        change.put("from", old.get(field));
        change.put("to", after.get(field));
        changed.put(field, change);
      }
    }
    return changed;
  }

  private static Map<String, Object> withSecret(
      String name, String secret, Map<String, Object> view) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put(name, secret);
    body.putAll(view);
    return body;
  }

  private static long limit(String value) {
    if (value == null || value.isEmpty()) {
      return 50;
    }
    try {
      long limit = Long.parseLong(value);
      if (limit >= 1 && limit <= 500) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw AdminBodies.invalid("'limit' must be a whole number from 1 to 500.", "limit");
  }

  private static void refuseRevoked(StoredKey key) {
    if (key.revokedAt() != null) {
      throw conflict("Key '" + key.id() + "' is revoked.", "key_revoked");
    }
  }

  private static String shorten(String id) {
    return id.length() > 64 ? id.substring(0, 64) + "…" : id;
  }

  static OpenAiApiException notFound(String message) {
    return new OpenAiApiException(
        HttpStatus.NOT_FOUND, message, "invalid_request_error", null, "not_found");
  }

  private static OpenAiApiException conflict(String message, String code) {
    return new OpenAiApiException(
        HttpStatus.CONFLICT, message, "invalid_request_error", null, code);
  }

  static Mono<ServerResponse> respond(HttpStatus status, Object body) {
    return ServerResponse.status(status).contentType(MediaType.APPLICATION_JSON).bodyValue(body);
  }
}
