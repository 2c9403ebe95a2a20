package dev.tokenwise.router.admin;

import dev.tokenwise.router.error.OpenAiApiException;
import dev.tokenwise.router.tenant.VirtualKeyAuthenticator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;

/**
 * Who makes an admin call: the super admin ({@code TOKENWISE_ADMIN_TOKEN}, compared in constant
 * time) or a tenant admin token ({@link AdminTokens}). Anything else is a 401.
 */
@Component
class AdminAuth {

  private final byte[] superToken;
  private final AdminTokens tokens;

  AdminAuth(AdminProperties properties, Environment env, AdminTokens tokens) {
    this.superToken = adminToken(properties, env);
    this.tokens = tokens;
  }

  Mono<Admin> admin(ServerRequest request) {
    String presented = request.headers().firstHeader(HttpHeaders.AUTHORIZATION);
    String token =
        presented != null && presented.regionMatches(true, 0, "Bearer ", 0, 7)
            ? presented.substring(7).trim()
            : "";
    if (token.isEmpty()) {
      return Mono.error(
          unauthorized("An admin token is required: 'Authorization: Bearer <token>'."));
    }
    if (superToken != null
        && MessageDigest.isEqual(superToken, token.getBytes(StandardCharsets.UTF_8))) {
      return Mono.just(Admin.SUPER);
    }
    if (!token.startsWith(AdminTokens.TOKEN_PREFIX) || token.length() > 256) {
      return Mono.error(unauthorized("A valid admin token is required."));
    }
    return tokens
        .live(VirtualKeyAuthenticator.hash(token))
        .timeout(Duration.ofSeconds(5))
        .map(stored -> new Admin(stored.id(), stored.tenant()))
        .switchIfEmpty(Mono.error(() -> unauthorized("A valid admin token is required.")));
  }

  private static OpenAiApiException unauthorized(String message) {
    return new OpenAiApiException(
        HttpStatus.UNAUTHORIZED, message, "authentication_error", null, "admin_unauthorized");
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
