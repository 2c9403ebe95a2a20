package dev.tokenwise.batch.crash;

import java.nio.file.Path;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * For kill tests only ({@code tokenwise.batch.crash.*}; test sources, not in the service): the
 * process stops dead at each point in {@code haltAt}, after writing a file named after the point
 * into {@code markerDir}, so a test that sees the file can kill the process there with SIGKILL.
 *
 * @param haltAt the points to halt at
 * @param markerDir where the marker files go
 */
@ConfigurationProperties("tokenwise.batch.crash")
public record CrashProperties(Set<CrashPoint> haltAt, Path markerDir) {

  public CrashProperties {
    haltAt = haltAt == null ? Set.of() : Set.copyOf(haltAt);
    if (!haltAt.isEmpty() && markerDir == null) {
      throw new IllegalArgumentException(
          "tokenwise.batch.crash.marker-dir is required with tokenwise.batch.crash.halt-at");
    }
  }
}
