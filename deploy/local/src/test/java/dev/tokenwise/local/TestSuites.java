package dev.tokenwise.local;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The launcher's options for a test suite that talks to the provider simulator only. */
public final class TestSuites {

  /** Real provider keys on the machine must never reach a test suite's router. */
  private static final List<String> PROVIDER_KEYS =
      List.of("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY");

  private TestSuites() {}

  /**
   * Free ports, this environment without provider keys, a run directory {@code
   * target/<name>-<time>} and a startup timeout long enough for a loaded CI machine.
   */
  /** {@link #simulatorOnly(String)} with the services' secret fixed, to call internal APIs. */
  public static SuiteOptions simulatorOnly(String name, String serviceSecret) {
    SuiteOptions options = simulatorOnly(name);
    Map<String, String> environment = new HashMap<>(options.environment());
    environment.put("TOKENWISE_SERVICE_SECRET", serviceSecret);
    return options.withEnvironment(environment);
  }

  public static SuiteOptions simulatorOnly(String name) {
    Map<String, String> environment = new HashMap<>(System.getenv());
    PROVIDER_KEYS.forEach(environment::remove);
    String runName =
        name + "-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").format(LocalDateTime.now());
    return SuiteOptions.defaults()
        .withPorts(Ports.allFree())
        .withEnvironment(environment)
        .withRunDirectory(Path.of("target", runName))
        .withStartupTimeout(Duration.ofMinutes(8));
  }

  /**
   * Batch-service assembling and polling every second instead of every few minutes, so that
   * deferred requests and shadow replays come back within seconds.
   */
  public static SuiteOptions withQuickBatches(SuiteOptions options) {
    return options
        .withProperty(Service.BATCH, "tokenwise.batch.assembly.max-age", "1s")
        .withProperty(Service.BATCH, "tokenwise.batch.assembly.interval", "1s")
        .withProperty(Service.BATCH, "tokenwise.batch.collect.first-poll", "1s")
        .withProperty(Service.BATCH, "tokenwise.batch.collect.interval", "1s");
  }
}
