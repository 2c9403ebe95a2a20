package dev.tokenwise.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Runs the pods a rendered chart describes as local processes, the way a kubelet would: each
 * Deployment's image becomes the service's jar, its ConfigMap a file, its env what the Secret
 * holds, its emptyDirs temporary directories, and cluster DNS names of the chart's Services
 * loopback ports. Readiness is the Deployment's own readiness probe.
 */
final class ChartPods implements AutoCloseable {

  private final Manifests manifests;
  private final Map<String, String> secret;
  private final Path work;
  private final Map<String, Integer> ports = new LinkedHashMap<>();
  private final List<Process> processes = new ArrayList<>();

  ChartPods(Manifests manifests, Map<String, String> secret, Path work) {
    this.manifests = manifests;
    this.secret = secret;
    this.work = work;
  }

  /** The loopback port the Deployment named {@code name} listens on once started. */
  int port(String name) {
    return ports.get(name);
  }

  /** Starts every Deployment from the service jars inside {@code launcherJar}; waits for all. */
  void start(Path launcherJar, List<String> deployments, int firstPort) throws IOException {
    for (int i = 0; i < deployments.size(); i++) {
      ports.put(deployments.get(i), firstPort + i);
    }
    for (String name : deployments) {
      processes.add(start(name, launcherJar));
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    for (int i = 0; i < deployments.size(); i++) {
      String name = deployments.get(i);
      Process process = processes.get(i);
      String path = container(name).getReadinessProbe().getHttpGet().getPath();
      URI probe = URI.create("http://127.0.0.1:" + ports.get(name) + path);
      Path log = work.resolve(name + ".log");
      try {
        await(name + " ready at " + probe)
            .atMost(Duration.ofMinutes(4))
            .pollInterval(Duration.ofSeconds(1))
            .ignoreExceptions()
            .until(() -> !process.isAlive() || ready(http, probe));
      } catch (ConditionTimeoutException e) {
        throw new AssertionError(
            name + " not ready within 4 minutes; its log ends:\n" + tail(log), e);
      }
      if (!process.isAlive()) {
        throw new AssertionError(
            name
                + " exited with "
                + process.exitValue()
                + " before it was ready; its log ends:\n"
                + tail(log));
      }
    }
  }

  private static boolean ready(HttpClient http, URI probe) throws Exception {
    return http.send(
                HttpRequest.newBuilder(probe).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.discarding())
            .statusCode()
        == 200;
  }

  /** The last lines of a pod's log, for a failure message that explains itself in CI output. */
  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private Process start(String name, Path launcherJar) throws IOException {
    Deployment deployment = manifests.get(Deployment.class, name);
    Container container = container(name);
    String service = name.substring(HelmChart.RELEASE.length() + 1);
    Path dir = Files.createDirectories(work.resolve(name));
    Path jar = extract(launcherJar, service, dir);

    // Volumes: emptyDirs as fresh directories, then the ConfigMap's files (which may name them).
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    Map<String, String> mounts = new LinkedHashMap<>();
    Map<VolumeMount, ConfigMap> configMounts = new LinkedHashMap<>();
    for (VolumeMount mount : container.getVolumeMounts()) {
      Volume volume =
          pod.getVolumes().stream()
              .filter(v -> v.getName().equals(mount.getName()))
              .findFirst()
              .orElseThrow();
      if (volume.getEmptyDir() != null) {
        Path local = Files.createDirectories(dir.resolve("volume-" + mount.getName()));
        mounts.put(mount.getMountPath(), local.toString());
      } else if (volume.getConfigMap() != null && mount.getSubPath() == null) {
        // A directory mount (the router's route file): every key a file, as the kubelet does.
        Path local = Files.createDirectories(dir.resolve("configmap-" + mount.getName()));
        ConfigMap map = manifests.get(ConfigMap.class, volume.getConfigMap().getName());
        for (Map.Entry<String, String> file : map.getData().entrySet()) {
          Files.writeString(local.resolve(file.getKey()), file.getValue());
        }
        mounts.put(mount.getMountPath(), local.toString());
      } else if (volume.getConfigMap() != null) {
        configMounts.put(mount, manifests.get(ConfigMap.class, volume.getConfigMap().getName()));
        mounts.put(mount.getMountPath(), dir.resolve("config-" + mount.getSubPath()).toString());
      }
    }
    for (Map.Entry<VolumeMount, ConfigMap> config : configMounts.entrySet()) {
      String data = config.getValue().getData().get(config.getKey().getSubPath());
      Files.writeString(Path.of(mounts.get(config.getKey().getMountPath())), local(data, mounts));
    }

    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar var : container.getEnv()) {
      if (var.getValueFrom() == null) {
        env.put(var.getName(), local(var.getValue(), mounts));
        continue;
      }
      SecretKeySelector ref = var.getValueFrom().getSecretKeyRef();
      String value = secret.get(ref.getKey());
      if (value == null) {
        assertThat(ref.getOptional()).as(name + " needs secret key " + ref.getKey()).isTrue();
        continue;
      }
      env.put(var.getName(), value);
    }
    // Loopback instead of a pod network; small heaps for a shared test machine.
    env.put("SERVER_PORT", String.valueOf(ports.get(name)));
    env.put("SERVER_ADDRESS", "127.0.0.1");
    env.put(
        "JAVA_TOOL_OPTIONS",
        env.getOrDefault("JAVA_TOOL_OPTIONS", "") + " -Xmx384m -XX:TieredStopAtLevel=1");

    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder builder =
        new ProcessBuilder(java.toString(), "-jar", jar.toString())
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(work.resolve(name + ".log").toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("SPRING_") || k.endsWith("_API_KEY"));
    builder.environment().putAll(env);
    return builder.start();
  }

  /**
   * Replaces what only a cluster resolves, in one pass: mount paths by the local files and
   * directories, and {@code <Service>:<port>} by the loopback port of that Service's pod.
   */
  private String local(String text, Map<String, String> mounts) {
    Map<String, String> replacements = new LinkedHashMap<>(mounts);
    for (Map.Entry<String, Integer> port : ports.entrySet()) {
      int servicePort =
          manifests
              .get(io.fabric8.kubernetes.api.model.Service.class, port.getKey())
              .getSpec()
              .getPorts()
              .get(0)
              .getPort();
      replacements.put(port.getKey() + ":" + servicePort, "127.0.0.1:" + port.getValue());
    }
    String alternatives =
        replacements.keySet().stream()
            .sorted(Comparator.comparingInt(String::length).reversed())
            .map(Pattern::quote)
            .collect(Collectors.joining("|"));
    return Pattern.compile(alternatives)
        .matcher(text)
        .replaceAll(m -> Matcher.quoteReplacement(replacements.get(m.group())));
  }

  private Container container(String name) {
    return manifests
        .get(Deployment.class, name)
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0);
  }

  private static Path extract(Path launcherJar, String service, Path dir) throws IOException {
    Path jar = dir.resolve(service + ".jar");
    try (ZipFile zip = new ZipFile(launcherJar.toFile())) {
      ZipEntry entry = zip.getEntry("BOOT-INF/classes/services/" + service + ".jar");
      assertThat(entry).as(service + " inside " + launcherJar).isNotNull();
      try (InputStream in = zip.getInputStream(entry)) {
        Files.copy(in, jar, StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return jar;
  }

  @Override
  public void close() throws InterruptedException {
    for (Process process : processes) {
      process.destroy();
    }
    for (Process process : processes) {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
