package dev.tokenwise.local;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One service running as a child JVM, its output going to a log file. */
final class ChildProcess implements AutoCloseable {

  private static final Duration POLL_INTERVAL = Duration.ofMillis(500);

  private final Service service;
  private final int port;
  private final String launchId;
  private final Path logFile;
  private final Process process;

  private ChildProcess(Service service, int port, String launchId, Path logFile, Process process) {
    this.service = service;
    this.port = port;
    this.launchId = launchId;
    this.logFile = logFile;
    this.process = process;
  }

  /**
   * The properties that make a child show {@code launchId} at {@code /actuator/info}, so that a
   * readiness answer can be told apart from one by some other process on the same port.
   */
  static Map<String, String> launchIdProperties(String launchId) {
    return Map.of("management.info.env.enabled", "true", "info.tokenwise-launch.id", launchId);
  }

  static ChildProcess start(
      Service service,
      int port,
      String launchId,
      List<String> command,
      Map<String, String> environment,
      Path workingDirectory,
      Path logFile)
      throws IOException {
    Files.createDirectories(workingDirectory);
    Files.createDirectories(logFile.getParent());
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(workingDirectory.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
    builder.environment().clear();
    builder.environment().putAll(environment);
    return new ChildProcess(service, port, launchId, logFile, builder.start());
  }

  Service service() {
    return service;
  }

  int port() {
    return port;
  }

  Path logFile() {
    return logFile;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  URI baseUrl() {
    return URI.create("http://localhost:" + port);
  }

  /**
   * Polls the readiness probe until it answers 200 and {@code /actuator/info} shows this child's
   * launch id.
   *
   * @throws SuiteStartupException when the process exits or the deadline passes first
   */
  void awaitReady(HttpClient http, Instant deadline) throws InterruptedException {
    HttpRequest probe = get("/actuator/health/readiness");
    HttpRequest info = get("/actuator/info");
    String lastAnswer = "no answer yet";
    while (true) {
      if (!process.isAlive()) {
        throw new SuiteStartupException(
            service.artifactId()
                + " exited with code "
                + process.exitValue()
                + " before becoming ready",
            this);
      }
      try {
        HttpResponse<String> response = http.send(probe, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          if (http.send(info, HttpResponse.BodyHandlers.ofString()).body().contains(launchId)) {
            return;
          }
          lastAnswer = "another process answers on port " + port;
        } else {
          lastAnswer = "HTTP " + response.statusCode() + " " + response.body();
        }
      } catch (ConnectException e) {
        lastAnswer = "not listening yet";
      } catch (IOException e) {
        lastAnswer = e.toString();
      }
      if (Instant.now().isAfter(deadline)) {
        throw new SuiteStartupException(
            service.artifactId()
                + " did not become ready on port "
                + port
                + " in time (last: "
                + lastAnswer
                + ")",
            this);
      }
      Thread.sleep(POLL_INTERVAL.toMillis());
    }
  }

  /** Completes with the exit code when the process ends, for whatever reason. */
  java.util.concurrent.CompletableFuture<Integer> onExit() {
    return process.onExit().thenApply(Process::exitValue);
  }

  void kill() {
    process.destroyForcibly();
  }

  private HttpRequest get(String path) {
    return HttpRequest.newBuilder(baseUrl().resolve(path))
        .timeout(Duration.ofSeconds(2))
        .GET()
        .build();
  }

  /** Asks the process to stop (SIGTERM, so Spring shuts down gracefully). */
  void requestStop() {
    process.destroy();
  }

  /** Waits for the process to exit, killing it when it takes longer than {@code grace}. */
  void awaitStop(Duration grace) throws InterruptedException {
    if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Kills the process; for a child started while the suite was already stopping. */
  @Override
  public void close() {
    kill();
  }

  /** The last {@code lines} lines of the log, for error messages. */
  String logTail(int lines) {
    try (RandomAccessFile file = new RandomAccessFile(logFile.toFile(), "r")) {
      long length = file.length();
      long from = Math.max(0, length - 64 * 1024);
      byte[] bytes = new byte[(int) (length - from)];
      file.seek(from);
      file.readFully(bytes);
      String[] all = new String(bytes, StandardCharsets.UTF_8).split("\\R");
      List<String> tail = new ArrayList<>();
      for (int i = Math.max(0, all.length - lines); i < all.length; i++) {
        tail.add(all[i]);
      }
      return String.join(System.lineSeparator(), tail);
    } catch (IOException e) {
      return "(could not read " + logFile + ": " + e.getMessage() + ")";
    }
  }

  private static java.io.File nullDevice() {
    return new java.io.File(
        System.getProperty("os.name").toLowerCase().startsWith("windows") ? "NUL" : "/dev/null");
  }
}
