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
 * Prometheus form, and those whose meters are still being built ({@link #PENDING}).
 */
final class MetricInventory {

  /**
   * Metrics the dashboards and alerts read that no service exports yet: their meters are being
   * built. A query reading one of them may come back empty while the metric is absent; once a
   * service exports it, the query must return data like every other.
   */
  static final Set<String> PENDING =
      Set.of(
          "tokenwise_router_overhead_seconds_bucket",
          "gen_ai_client_operation_time_to_first_chunk_seconds_bucket",
          "tokenwise_router_fallbacks_total",
          "resilience4j_circuitbreaker_state",
          "tokenwise_promptcache_lint_total",
          "tokenwise_promptcache_tokens_total",
          "tokenwise_cache_semantic_false_hit_estimate",
          "tokenwise_cache_semantic_shadow_reports_total",
          "tokenwise_cache_semantic_index_entries",
          "tokenwise_cache_semantic_index_size_bytes",
          "tokenwise_cache_semantic_guard_refusals_total",
          "tokenwise_batch_queue_depth",
          "tokenwise_batch_batches",
          "tokenwise_batch_queue_oldest_age_seconds",
          "tokenwise_batch_requests_total",
          "tokenwise_quality_regression_rate",
          "tokenwise_quality_budget_exceeded",
          "tokenwise_quality_shadow_evaluations_total",
          "tokenwise_quality_feedback_total");

  /** Spring Boot's own meters the dashboards read. */
  private static final Set<String> BOOT = Set.of("http_server_requests");

  /** What Micrometer's Prometheus naming appends to a meter name (units, counter, histogram). */
  private static final List<String> SUFFIXES =
      List.of(
          "",
          "_total",
          "_usd_total",
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
    Set<String> names = new TreeSet<>(BOOT);
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
