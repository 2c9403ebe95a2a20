package dev.tokenwise.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The metric names dashboards and alerts may read: those the code names (common's {@code
 * MetricNames} and {@code MetricTags}, and meter names in the services' sources), in Micrometer's
 * Prometheus form, and the libraries' own meters the dashboards read ({@link #LIBRARIES}). There is
 * no list of metrics still being built: every name a dashboard or alert reads is exported.
 */
final class MetricInventory {

  /**
   * Meters that Spring Boot and the libraries the services bind publish under their own names:
   * Boot's HTTP server timer, and Resilience4j's circuit-breaker state ({@code
   * TaggedCircuitBreakerMetrics}, bound by the router's {@code ProviderMeters}).
   */
  static final Set<String> LIBRARIES =
      Set.of("http_server_requests", "resilience4j_circuitbreaker_state");

  /** What Micrometer's Prometheus naming appends to a meter name (units, counter, histogram). */
  private static final List<String> SUFFIXES =
      List.of(
          "",
          "_total",
          "_usd",
          "_usd_total",
          "_sum",
          "_count",
          "_bucket",
          "_tokens_total",
          "_bytes",
          "_seconds",
          "_seconds_bucket",
          "_seconds_count",
          "_seconds_sum",
          "_seconds_max");

  private static final Pattern NAME_LITERAL =
      Pattern.compile("\"((?:tokenwise|gen_ai|error)\\.[a-z0-9_.]+)\"");

  private MetricInventory() {}

  /** Meter and tag names in the code's string literals, dots as underscores. */
  static Set<String> namedInCode() {
    Path repository = Deploy.DIR.getParent();
    Set<String> names = new TreeSet<>(LIBRARIES);
    try (Stream<Path> modules = Files.list(repository)) {
      for (Path module : modules.toList()) {
        Path sources = module.resolve("src/main/java");
        if (!Files.isDirectory(sources)) {
          continue;
        }
        try (Stream<Path> files = Files.walk(sources)) {
          for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
            Matcher m = NAME_LITERAL.matcher(Files.readString(file));
            while (m.find()) {
              names.add(m.group(1).replace('.', '_'));
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return names;
  }

  /** True when {@code name} is a meter or tag the code names, in any Prometheus form of it. */
  static boolean namedInCode(Set<String> inCode, String name) {
    return SUFFIXES.stream()
        .anyMatch(
            s ->
                name.endsWith(s) && inCode.contains(name.substring(0, name.length() - s.length())));
  }
}
