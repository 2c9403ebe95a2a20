package dev.tokenwise.common.testsupport;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.stream.Stream;

/**
 * The real provider simulator (the {@code provider-simulator} module's Spring Boot jar) run as a
 * child process on a free port, for a service's integration tests. It is a jar on disk, not a
 * dependency: the enforcer bans depending on a service module, and the two applications' classpaths
 * must not mix. A reactor build packages the simulator first; a build of one module needs {@code
 * ./mvnw -pl provider-simulator package -DskipTests} once (or {@code
 * -Dtokenwise.simulator.jar=<path>}).
 */
public final class SimulatorProcess implements AutoCloseable {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Process process;
  private final int port;

  private SimulatorProcess(Map<String, String> properties) {
    port = freePort();
    Path jar;
    try {
      // a copy: a rebuild of the simulator module must not pull the jar from under a running test
      jar = Files.createTempFile("provider-simulator-", ".jar");
      Files.copy(jar(), jar, StandardCopyOption.REPLACE_EXISTING);
      jar.toFile().deleteOnExit();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-jar");
    command.add(jar.toString());
    command.add("--server.port=" + port);
    command.add("--server.address=127.0.0.1");
    properties.forEach((name, value) -> command.add("--" + name + "=" + value));
    try {
      Path log = Files.createTempFile("provider-simulator-" + port + "-", ".log");
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
    await("the provider simulator on port " + port)
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(250))
        .ignoreExceptions()
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new IllegalStateException("the simulator exited: " + process.exitValue());
              }
              return get("/actuator/health").contains("UP");
            });
  }

  /** A simulator of its own, started with these {@code tokenwise.simulator.*} properties. */
  public static SimulatorProcess start(Map<String, String> properties) {
    return new SimulatorProcess(properties);
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  /** {@code POST /simulator/reset}: counts, recorded requests, faults and the billing ledger. */
  public void reset() {
    post("/simulator/reset", "{}");
  }

  /** A control-API GET; fails on a status of 300 or more. */
  public String get(String path) {
    return send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).GET());
  }

  /** A control-API POST of a JSON body; fails on a status of 300 or more. */
  public String post(String path, String json) {
    return send(
        HttpRequest.newBuilder(URI.create(baseUrl() + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  @Override
  public void close() {
    process.destroy();
  }

  private static String send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response =
          HTTP.send(
              request.timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() >= 300) {
        throw new IllegalStateException(
            "simulator control call answered " + response.statusCode() + ": " + response.body());
      }
      return response.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Path jar() {
    String configured = System.getProperty("tokenwise.simulator.jar");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    Path target = Path.of("..", "provider-simulator", "target");
    try (Stream<Path> files = Files.list(target)) {
      return files
          .filter(p -> p.getFileName().toString().matches("provider-simulator-.*\\.jar"))
          .filter(p -> !p.getFileName().toString().matches(".*-(sources|javadoc|tests)\\.jar"))
          .findFirst()
          .orElseThrow();
    } catch (IOException | NoSuchElementException e) {
      throw new IllegalStateException(
          "The provider simulator's jar is not in "
              + target.toAbsolutePath().normalize()
              + ": run ./mvnw -pl provider-simulator package -DskipTests first",
          e);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
