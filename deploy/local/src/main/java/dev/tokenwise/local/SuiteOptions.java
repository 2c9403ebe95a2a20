package dev.tokenwise.local;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * How to start the suite.
 *
 * @param ports how ports are chosen
 * @param runDirectory where logs, unpacked jars and the services' working directories go; {@code
 *     null} for a new temporary directory
 * @param startupTimeout how long all services together may take to become ready
 * @param environment the environment the children inherit; {@code OPENAI_API_KEY} and {@code
 *     ANTHROPIC_API_KEY} in it switch the router to the real providers and reach the router only
 * @param childJvmOptions options for each child JVM
 * @param extraProperties more properties per service, applied after the launcher's own
 * @param progress where progress lines go
 */
public record SuiteOptions(
    Ports ports,
    Path runDirectory,
    Duration startupTimeout,
    Map<String, String> environment,
    List<String> childJvmOptions,
    Map<Service, Map<String, String>> extraProperties,
    Consumer<String> progress) {

  /**
   * Small heaps and the C1 compiler only: five JVMs start faster on a small machine and use less
   * memory; a load test should pass its own.
   */
  public static final List<String> DEFAULT_CHILD_JVM_OPTIONS =
      List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx512m");

  public SuiteOptions {
    environment = Map.copyOf(environment);
    childJvmOptions = List.copyOf(childJvmOptions);
    extraProperties = Map.copyOf(extraProperties);
  }

  /** Documented ports when free, a temporary run directory, this process's environment. */
  public static SuiteOptions defaults() {
    return new SuiteOptions(
        Ports.defaultsOrFree(),
        null,
        Duration.ofMinutes(5),
        System.getenv(),
        DEFAULT_CHILD_JVM_OPTIONS,
        Map.of(),
        System.out::println);
  }

  public SuiteOptions withPorts(Ports ports) {
    return new SuiteOptions(
        ports,
        runDirectory,
        startupTimeout,
        environment,
        childJvmOptions,
        extraProperties,
        progress);
  }

  public SuiteOptions withRunDirectory(Path runDirectory) {
    return new SuiteOptions(
        ports,
        runDirectory,
        startupTimeout,
        environment,
        childJvmOptions,
        extraProperties,
        progress);
  }

  public SuiteOptions withStartupTimeout(Duration startupTimeout) {
    return new SuiteOptions(
        ports,
        runDirectory,
        startupTimeout,
        environment,
        childJvmOptions,
        extraProperties,
        progress);
  }

  public SuiteOptions withEnvironment(Map<String, String> environment) {
    return new SuiteOptions(
        ports,
        runDirectory,
        startupTimeout,
        environment,
        childJvmOptions,
        extraProperties,
        progress);
  }

  public SuiteOptions withProgress(Consumer<String> progress) {
    return new SuiteOptions(
        ports,
        runDirectory,
        startupTimeout,
        environment,
        childJvmOptions,
        extraProperties,
        progress);
  }

  /** Sets one more property of one service, e.g. a test's longer timeout. */
  public SuiteOptions withProperty(Service service, String name, String value) {
    Map<Service, Map<String, String>> extra = new java.util.EnumMap<>(Service.class);
    extra.putAll(extraProperties);
    Map<String, String> forService =
        new java.util.LinkedHashMap<>(extra.getOrDefault(service, Map.of()));
    forService.put(name, value);
    extra.put(service, forService);
    return new SuiteOptions(
        ports, runDirectory, startupTimeout, environment, childJvmOptions, extra, progress);
  }

  @Override
  public String toString() {
    // The environment may hold provider keys.
    return "SuiteOptions[runDirectory=" + runDirectory + ", startupTimeout=" + startupTimeout + "]";
  }
}
