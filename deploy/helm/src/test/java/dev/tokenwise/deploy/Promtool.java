package dev.tokenwise.deploy;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Prometheus's {@code promtool}, when it is on the PATH (Debian's {@code prometheus} package). */
final class Promtool {

  private Promtool() {}

  static Optional<Path> find() {
    return executable("promtool");
  }

  static Optional<Path> executable(String name) {
    String path = System.getenv().getOrDefault("PATH", "");
    return Stream.of(path.split(File.pathSeparator))
        .filter(dir -> !dir.isBlank())
        .map(dir -> Path.of(dir, name))
        .filter(Files::isExecutable)
        .findFirst();
  }

  /** Output of {@code promtool check rules <file>}; throws with that output when it fails. */
  static String checkRules(Path promtool, Path rules) throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(List.of(promtool.toString(), "check", "rules", rules.toString()));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("promtool check rules timed out");
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.exitValue() != 0) {
      throw new AssertionError("promtool check rules " + rules + " failed:\n" + output);
    }
    return output;
  }
}
