package dev.tokenwise.router.route;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * A YAML file of routes reloaded while the router runs ({@code tokenwise.router.route-file.*}).
 *
 * @param path the file; null: only the routes in the application's configuration. It holds {@code
 *     routes.<name>.*} (or {@code tokenwise.router.routes.<name>.*}) with the same members as
 *     {@link RouteProperties.Definition}; its routes are added to the configured ones and win by
 *     name
 * @param checkInterval how often the file is read and, when its bytes changed, applied
 */
@ConfigurationProperties("tokenwise.router.route-file")
public record RouteFileProperties(Path path, @DefaultValue("5s") Duration checkInterval) {}
