package dev.tokenwise.common.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * A {@link ServiceTokens} and a {@link StreamSignatures} bean for every service that names itself
 * in {@code tokenwise.service-auth.service}. The secret comes from {@code
 * tokenwise.service-auth.secret} (environment {@code TOKENWISE_SERVICE_SECRET}) or from the file
 * {@code tokenwise.service-auth.secret-file} (a mounted Kubernetes Secret). A service that names
 * itself but has no secret does not start: internal calls are never left unauthenticated by
 * accident.
 */
@AutoConfiguration
@ConditionalOnProperty(prefix = "tokenwise.service-auth", name = "service")
public class ServiceAuthAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  ServiceTokens serviceTokens(Environment env) {
    return new ServiceTokens(
        secret(env), env.getRequiredProperty("tokenwise.service-auth.service"), Clock.systemUTC());
  }

  /** Signs this service's Redis stream entries and verifies other services' ones. */
  @Bean
  @ConditionalOnMissingBean
  StreamSignatures streamSignatures(Environment env) {
    return new StreamSignatures(
        secret(env), env.getRequiredProperty("tokenwise.service-auth.service"));
  }

  private static String secret(Environment env) {
    String secret = env.getProperty("tokenwise.service-auth.secret");
    String file = env.getProperty("tokenwise.service-auth.secret-file");
    if ((secret == null || secret.isBlank()) && file != null && !file.isBlank()) {
      try {
        secret = Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new IllegalStateException(
            "Cannot read tokenwise.service-auth.secret-file " + file, e);
      }
    }
    return secret;
  }
}
