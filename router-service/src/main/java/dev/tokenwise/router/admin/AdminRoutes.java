package dev.tokenwise.router.admin;

import static org.springframework.web.reactive.function.server.RequestPredicates.POST;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.tenant.MintedKeys;
import dev.tokenwise.router.tenant.Tenant;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /admin/keys} with {@code Authorization: Bearer <admin token>} and {@code
 * {"tenant","app"?,"routes"?,"models"?,"replenishRate"?,"burstCapacity"?,"tokensPerMinute"?,
 * "tokenBurst"?}} mints a virtual key: 201 with the key, shown this once (only its SHA-256 is
 * stored). Errors are RFC 9457 problems.
 */
@Configuration(proxyBeanMethods = false)
class AdminRoutes {

  @Bean
  RouterFunction<ServerResponse> adminKeysRoute(
      AdminProperties properties, Environment env, MintedKeys keys, JsonMapper json) {
    byte[] token = adminToken(properties, env);
    return route(
        POST("/admin/keys"),
        request -> {
          String presented = request.headers().firstHeader(HttpHeaders.AUTHORIZATION);
          byte[] given =
              presented != null && presented.regionMatches(true, 0, "Bearer ", 0, 7)
                  ? presented.substring(7).trim().getBytes(StandardCharsets.UTF_8)
                  : new byte[0];
          if (token == null || !MessageDigest.isEqual(token, given)) {
            return Mono.error(
                new OpenAiApiException(
                    HttpStatus.UNAUTHORIZED,
                    "A valid admin token is required.",
                    "authentication_error",
                    null,
                    "admin_unauthorized"));
          }
          return request
              .bodyToMono(byte[].class)
              .defaultIfEmpty(new byte[0])
              .map(bytes -> tenantOf(json, bytes))
              .flatMap(
                  tenant ->
                      keys.mint(tenant)
                          .flatMap(
                              key -> {
                                Map<String, Object> body = new LinkedHashMap<>();
                                body.put("key", key);
                                body.put("tenant", tenant.id());
                                body.put("app", tenant.app());
                                body.put("routes", tenant.routes());
                                body.put("models", tenant.models());
                                return ServerResponse.status(HttpStatus.CREATED)
                                    .contentType(MediaType.APPLICATION_JSON)
                                    .bodyValue(body);
                              }));
        });
  }

  private static Tenant tenantOf(JsonMapper json, byte[] bytes) {
    JsonNode tree;
    try {
      tree = json.readTree(bytes);
    } catch (JacksonException e) {
      throw OpenAiApiException.invalidRequest("The body is not valid JSON.", null, "invalid_json");
    }
    if (tree == null
        || !tree.path("tenant").isString()
        || tree.path("tenant").asString().isBlank()) {
      throw OpenAiApiException.invalidRequest("'tenant' is required.", "tenant", "invalid_value");
    }
    int rate = tree.path("replenishRate").asInt(0);
    return new Tenant(
        tree.path("tenant").asString(),
        tree.path("app").isString() ? tree.path("app").asString() : null,
        strings(tree.path("routes")),
        strings(tree.path("models")),
        rate > 0
            ? new Tenant.RateLimit(rate, Math.max(rate, tree.path("burstCapacity").asInt(rate)))
            : null,
        tokenLimit(tree));
  }

  private static Tenant.TokenLimit tokenLimit(JsonNode tree) {
    long perMinute = tree.path("tokensPerMinute").asLong(0);
    long burst = tree.path("tokenBurst").asLong(perMinute);
    return perMinute > 0 ? new Tenant.TokenLimit(perMinute, Math.max(1, burst)) : null;
  }

  private static List<String> strings(JsonNode array) {
    return array.isArray()
        ? java.util.stream.StreamSupport.stream(array.spliterator(), false)
            .filter(JsonNode::isString)
            .map(JsonNode::asString)
            .toList()
        : List.of();
  }

  private static byte[] adminToken(AdminProperties properties, Environment env) {
    String value = env.getProperty("TOKENWISE_ADMIN_TOKEN");
    if ((value == null || value.isBlank()) && properties.tokenFile() != null) {
      try {
        value = Files.readString(properties.tokenFile(), StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new IllegalStateException("Cannot read the admin token file", e);
      }
    }
    if ((value == null || value.isBlank()) && properties.token() != null) {
      value = properties.token().reveal();
    }
    return value == null || value.isBlank() ? null : value.getBytes(StandardCharsets.UTF_8);
  }
}
