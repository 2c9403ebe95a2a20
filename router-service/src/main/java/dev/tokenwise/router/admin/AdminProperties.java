package dev.tokenwise.router.admin;

import dev.tokenwise.router.provider.ProviderApiKey;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The admin API's bearer token ({@code tokenwise.router.admin.*}): the environment variable {@code
 * TOKENWISE_ADMIN_TOKEN} wins, else a mounted secret file, else the property. Without a token the
 * admin API refuses every call.
 */
@ConfigurationProperties("tokenwise.router.admin")
public record AdminProperties(ProviderApiKey token, Path tokenFile) {}
