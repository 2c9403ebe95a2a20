package dev.tokenwise.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Renders and lints the chart with helm-java (Helm's own Go code, no helm binary needed). */
final class HelmChart {

  static final String RELEASE = "tw";
  static final String NAMESPACE = "llm";

  /** The oldest Kubernetes the chart supports (Chart.yaml kubeVersion); Helm's default is older. */
  static final String KUBE_VERSION = "v1.25.0";

  private HelmChart() {}

  /** {@code helm template tw deploy/helm/tokenwise -n llm -f values [--set k=v...]}, parsed. */
  static Manifests render(Path values, Map<String, String> sets) {
    TemplateCommand template =
        new Helm(Deploy.CHART)
            .template()
            .withName(RELEASE)
            .withNamespace(NAMESPACE)
            .withKubeVersion(KUBE_VERSION);
    if (values != null) {
      template = template.withValuesFile(values);
    }
    for (Map.Entry<String, String> set : sets.entrySet()) {
      template = template.set(set.getKey(), set.getValue());
    }
    return Manifests.parse(template.call());
  }

  static Manifests render(Path values) {
    return render(values, Map.of());
  }

  /** NOTES.txt as {@code helm install --dry-run} prints it for {@code values} (null: defaults). */
  static String notes(Path values) {
    InstallCommand install =
        new Helm(Deploy.CHART)
            .install()
            .withName(RELEASE)
            .withNamespace(NAMESPACE)
            .withKubeVersion(KUBE_VERSION)
            .dryRun()
            .clientOnly();
    if (values != null) {
      install = install.withValuesFile(values);
    }
    String output = install.call().getOutput();
    return output.substring(output.indexOf("NOTES:"));
  }

  /**
   * {@code helm lint --strict} of the chart with {@code values} in force. Helm-java's lint takes no
   * values file, so the chart is copied with the scenario merged into its values.yaml, as Helm
   * merges them (maps deeply, everything else replaced).
   */
  static LintResult lintStrict(Path values, Path workDir) {
    try {
      Path copy = workDir.resolve("tokenwise");
      copyFollowingLinks(Deploy.CHART, copy);
      Deploy.YAML.writeValue(copy.resolve("values.yaml").toFile(), values(values));
      return new Helm(copy).lint().strict().call();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The values in force for a scenario: the chart's values.yaml with the scenario merged over. */
  static ObjectNode values(Path scenario) {
    ObjectNode merged = (ObjectNode) Deploy.readYaml(Deploy.CHART.resolve("values.yaml"));
    merge(merged, Deploy.readYaml(scenario));
    return merged;
  }

  private static void merge(ObjectNode target, JsonNode overlay) {
    for (Map.Entry<String, JsonNode> field : overlay.properties()) {
      JsonNode current = target.get(field.getKey());
      if (current instanceof ObjectNode object && field.getValue().isObject()) {
        merge(object, field.getValue());
      } else {
        target.set(field.getKey(), field.getValue());
      }
    }
  }

  private static void copyFollowingLinks(Path from, Path to) throws IOException {
    List<Path> sources = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(from, FileVisitOption.FOLLOW_LINKS)) {
      walk.forEach(sources::add);
    }
    for (Path source : sources) {
      Path target = to.resolve(from.relativize(source).toString());
      if (Files.isDirectory(source)) {
        Files.createDirectories(target);
      } else {
        Files.copy(source, target);
      }
    }
  }
}
