package dev.tokenwise.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** Where the deploy/ tree is, and the mappers the tests read it with. */
final class Deploy {

  static final Path DIR =
      Path.of(System.getProperty("tokenwise.deploy.dir", "..")).toAbsolutePath().normalize();
  static final Path CHART = DIR.resolve("helm/tokenwise");
  static final Path DASHBOARDS = DIR.resolve("grafana");
  static final Path RULES = DIR.resolve("prometheus/tokenwise-alerts.yml");

  static final YAMLMapper YAML = YAMLMapper.builder().build();
  static final JsonMapper JSON = JsonMapper.builder().build();

  private Deploy() {}

  /** The dashboard JSON files, sorted. */
  static List<Path> dashboardFiles() {
    return list(DASHBOARDS, ".json");
  }

  /** The chart's scenario values files ({@code ci/*.yaml}), sorted. */
  static List<Path> scenarios() {
    return list(CHART.resolve("ci"), ".yaml");
  }

  static JsonNode readJson(Path file) {
    return JSON.readTree(file.toFile());
  }

  static JsonNode readYaml(Path file) {
    return YAML.readTree(file.toFile());
  }

  private static List<Path> list(Path dir, String suffix) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
