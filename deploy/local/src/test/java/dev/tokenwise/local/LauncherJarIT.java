package dev.tokenwise.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The packaged launcher, run the way README.md says: {@code java -jar tokenwise-local.jar}. */
class LauncherJarIT {

  private static final Path JAR = Path.of("target", "tokenwise-local.jar");

  @Test
  void theJarIsExecutableAndExplainsItself() throws Exception {
    Result help = run("--help");

    assertThat(help.exitCode()).isZero();
    assertThat(help.output())
        .contains("usage: java -jar tokenwise-local.jar", "--port-base", "OPENAI_API_KEY");
  }

  @Test
  void aBadArgumentIsNamedAndExitsNonZero() throws Exception {
    Result bad = run("--port-base=80");

    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.output()).contains("port base must be between 1024 and 65525");
  }

  @Test
  void theJarCarriesEveryServiceJar() throws Exception {
    try (var jar = new java.util.jar.JarFile(JAR.toFile())) {
      for (Service service : Service.values()) {
        assertThat(jar.getEntry("BOOT-INF/classes/services/" + service.artifactId() + ".jar"))
            .as(service.artifactId())
            .isNotNull();
      }
    }
  }

  private record Result(int exitCode, String output) {}

  private static Result run(String... args) throws Exception {
    assertThat(JAR).as("built by the package phase").exists();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new java.util.ArrayList<>(List.of(java, "-jar", JAR.toString()));
    command.addAll(List.of(args));
    Path output = Files.createTempFile("tokenwise-local-", ".out");
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exits").isTrue();
      return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(output);
    }
  }
}
