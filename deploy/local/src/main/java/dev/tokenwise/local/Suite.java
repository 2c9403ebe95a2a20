package dev.tokenwise.local;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The whole suite on one machine: embedded Redis and PostgreSQL in this process, the provider
 * simulator and the four services as child JVMs ({@code java -jar}), each with its own classpath
 * and therefore its own Spring Boot auto-configuration. {@link Main} runs it from the command line;
 * tests drive it in-process.
 */
public final class Suite implements AutoCloseable {

  private static final Duration STOP_GRACE = Duration.ofSeconds(20);

  private final SuiteOptions options;
  private final List<DemoTenant> demoTenants;
  private final String simulatorKey = DemoTenant.generate("simulator").virtualKey();

  /**
   * The secret the services sign and verify their internal calls with: {@code
   * TOKENWISE_SERVICE_SECRET} from the launcher's environment when set (a tool that calls the
   * internal APIs signs with it), else new on every start.
   */
  private final String serviceSecret;

  /**
   * The router's and cost-service's admin token: {@code TOKENWISE_ADMIN_TOKEN} from the launcher's
   * environment when set, else new on every start.
   */
  private final String adminToken;

  /** The secret batch-service signs its webhooks to cost-service with. */
  private final String webhookSecret;

  private final Map<Service, ChildProcess> children = new EnumMap<>(Service.class);

  /** Instances started by {@link #startReplica}, stopped before the others. */
  private final List<ChildProcess> replicas = new ArrayList<>();

  private final Map<Service, Integer> servicePorts = new EnumMap<>(Service.class);
  private final Thread shutdownHook = new Thread(this::stop, "tokenwise-local-shutdown");

  /** Guards {@link #stopping} and the registration of everything that must be stopped. */
  private final Object lifecycle = new Object();

  private volatile Path runDirectory;
  private volatile LocalRedis redis;
  private volatile LocalPostgres postgres;
  private boolean started;
  private volatile boolean stopping;

  public Suite(SuiteOptions options) {
    this.options = Objects.requireNonNull(options, "options");
    this.serviceSecret = ChildSettings.serviceSecret(options.environment());
    this.adminToken = ChildSettings.adminToken(options.environment());
    this.webhookSecret = ChildSettings.webhookSecret(options.environment());
    this.demoTenants = List.of(DemoTenant.generate("demo"), DemoTenant.generate("demo-b"));
  }

  /**
   * Starts everything and returns when every service answers its readiness probe.
   *
   * @throws SuiteStartupException naming what failed (with the log tail of a failed service);
   *     whatever had started is stopped again
   */
  public void start() {
    synchronized (lifecycle) {
      if (started || stopping) {
        throw new IllegalStateException("a suite starts once");
      }
      started = true;
      Runtime.getRuntime().addShutdownHook(shutdownHook);
    }
    try {
      startAll();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop();
      throw new SuiteStartupException("interrupted while starting", e);
    } catch (SuiteStartupException e) {
      boolean stoppedMeanwhile = stopping;
      stop();
      throw stoppedMeanwhile ? new SuiteStartupException("stopped while starting", e) : e;
    } catch (IOException | RuntimeException e) {
      boolean stoppedMeanwhile = stopping;
      stop();
      throw new SuiteStartupException(
          stoppedMeanwhile
              ? "stopped while starting"
              : "could not start the suite: " + e.getMessage(),
          e);
    }
  }

  /**
   * Keeps {@code resource} for {@link #stop()}; closes it instead when a stop came first, so that
   * nothing started during a Ctrl-C outlives the launcher.
   */
  private <T extends AutoCloseable> void registerOrClose(T resource, Consumer<T> keep)
      throws IOException {
    synchronized (lifecycle) {
      if (!stopping) {
        keep.accept(resource);
        return;
      }
    }
    try {
      resource.close();
    } catch (Exception e) {
      throw new IOException("could not close " + resource, e);
    }
    throw new IOException("stopped while starting");
  }

  private void startAll() throws IOException, InterruptedException {
    runDirectory =
        options.runDirectory() != null
            ? Files.createDirectories(options.runDirectory())
            : Files.createTempDirectory("tokenwise-local-");
    say("Run directory: " + runDirectory.toAbsolutePath());

    int redisPort = options.ports().forInfrastructure(6379);
    registerOrClose(LocalRedis.start(redisPort, runDirectory.resolve("redis")), r -> redis = r);
    say("Redis       localhost:" + redisPort + " (embedded)");

    int postgresPort = options.ports().forInfrastructure(5432);
    registerOrClose(LocalPostgres.start(postgresPort), p -> postgres = p);
    say(
        "PostgreSQL  localhost:"
            + postgres.port()
            + " (embedded), database "
            + LocalPostgres.DATABASE);

    for (Service service : Service.values()) {
      servicePorts.put(service, options.ports().forService(service));
    }
    for (Service service : Service.values()) {
      Path jar = ServiceJars.extract(service, runDirectory.resolve("services"));
      String launchId = UUID.randomUUID().toString();
      ChildProcess child =
          ChildProcess.start(
              service,
              servicePorts.get(service),
              launchId,
              command(service, jar, launchId),
              settings().environment(service),
              runDirectory.resolve("work").resolve(service.artifactId()),
              logFile(service));
      registerOrClose(child, c -> children.put(service, c));
      say("Starting " + service.artifactId() + " (pid " + child.pid() + ")");
    }
    say("Logs: " + runDirectory.resolve("logs").toAbsolutePath());

    Instant deadline = Instant.now().plus(options.startupTimeout());
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    for (ChildProcess child : children.values()) {
      child.awaitReady(http, deadline);
      say(child.service().artifactId() + " ready at " + url(child.service()));
    }
    // Ctrl-C in a terminal signals the children too, so they may exit just before stop() begins:
    // only an exit that no stop follows within a moment is reported.
    Executor shortly = CompletableFuture.delayedExecutor(2, TimeUnit.SECONDS);
    for (ChildProcess child : children.values()) {
      child
          .onExit()
          .thenAcceptAsync(
              code -> {
                if (!stopping) {
                  say(
                      child.service().artifactId()
                          + " exited unexpectedly with code "
                          + code
                          + "; see "
                          + child.logFile());
                }
              },
              shortly);
    }
  }

  /**
   * Starts one more instance of a started service on a port of its own, with the same settings (the
   * suite's Redis, PostgreSQL and services): a second router replica, for instance, sharing
   * budgets, keys and the usage stream with the first. Returns its base URL once it is ready; it
   * stops with the suite.
   */
  public URI startReplica(Service service) throws IOException, InterruptedException {
    int port;
    synchronized (lifecycle) {
      if (!started || stopping || !children.containsKey(service)) {
        throw new IllegalStateException(service.artifactId() + " is not running");
      }
      port = Ports.allFree().forService(service);
      while (servicePorts.containsValue(port)) {
        port = Ports.allFree().forService(service);
      }
    }
    int instance = replicas.size() + 2;
    String name = service.artifactId() + "-" + instance;
    // the first instance's jar, not a fresh copy over the file it runs from
    Path jar = runDirectory.resolve("services").resolve(service.artifactId() + ".jar");
    if (!Files.exists(jar)) {
      jar = ServiceJars.extract(service, runDirectory.resolve("services"));
    }
    String launchId = UUID.randomUUID().toString();
    Map<String, String> environment = new HashMap<>(settings().environment(service));
    environment.put("PORT", String.valueOf(port));
    Path log = runDirectory.resolve("logs").resolve(name + ".log");
    ChildProcess child =
        ChildProcess.start(
            service,
            port,
            launchId,
            command(service, jar, launchId, Map.of("server.port", String.valueOf(port))),
            environment,
            runDirectory.resolve("work").resolve(name),
            log);
    registerOrClose(child, replicas::add);
    say("Starting " + name + " (pid " + child.pid() + ")");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    child.awaitReady(http, Instant.now().plus(options.startupTimeout()));
    URI url = URI.create("http://localhost:" + port);
    say(name + " ready at " + url);
    return url;
  }

  private List<String> command(Service service, Path jar, String launchId) {
    return command(service, jar, launchId, Map.of());
  }

  private List<String> command(
      Service service, Path jar, String launchId, Map<String, String> overrides) {
    List<String> command = new ArrayList<>();
    command.add(javaExecutable());
    command.addAll(options.childJvmOptions());
    command.add("-jar");
    command.add(jar.toAbsolutePath().toString());
    // Command-line arguments outrank every other property source in Spring Boot.
    Map<String, String> properties = new LinkedHashMap<>(settings().properties(service));
    properties.putAll(options.extraProperties().getOrDefault(service, Map.of()));
    properties.putAll(overrides);
    properties.putAll(ChildProcess.launchIdProperties(launchId));
    properties.forEach((name, value) -> command.add("--" + name + "=" + value));
    return command;
  }

  private ChildSettings settings() {
    return new ChildSettings(
        servicePorts,
        redis.port(),
        postgres.jdbcUrl(),
        postgres.cost(),
        postgres.batch(),
        demoTenants,
        options.environment(),
        simulatorKey,
        serviceSecret,
        adminToken,
        webhookSecret);
  }

  /** The secret the services sign their internal calls with, for a tool that calls them. */
  public String serviceSecret() {
    return serviceSecret;
  }

  /** The admin token of the router's and cost-service's admin APIs. */
  public String adminToken() {
    return adminToken;
  }

  /** The OpenAI upstream: the real API when {@code OPENAI_API_KEY} is set, else the simulator. */
  public URI openAiBaseUrl() {
    return settings().openAiBaseUrl();
  }

  /**
   * The Anthropic upstream: the real API when {@code ANTHROPIC_API_KEY} is set, else the simulator.
   */
  public URI anthropicBaseUrl() {
    return settings().anthropicBaseUrl();
  }

  /** The Gemini upstream: the real API when {@code GEMINI_API_KEY} is set, else the simulator. */
  public URI geminiBaseUrl() {
    return settings().geminiBaseUrl();
  }

  /**
   * Stops everything this suite started: the services (SIGTERM, then a kill after a grace period),
   * then Redis and PostgreSQL. Idempotent; also run by a shutdown hook.
   */
  public void stop() {
    List<ChildProcess> running;
    synchronized (lifecycle) {
      if (stopping) {
        return;
      }
      stopping = true;
      running = new ArrayList<>(children.values());
      running.addAll(replicas);
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException | IllegalArgumentException e) {
      // Already shutting down (we are the hook), or the hook was never added.
    }
    // The router first, so nothing new arrives while the others go.
    Collections.reverse(running);
    if (!running.isEmpty()) {
      say("Stopping services...");
    }
    running.forEach(ChildProcess::requestStop);
    for (ChildProcess child : running) {
      try {
        child.awaitStop(STOP_GRACE);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        child.kill();
      }
    }
    if (redis != null) {
      try {
        redis.close();
      } catch (IOException | RuntimeException e) {
        say("Could not stop Redis: " + e.getMessage());
      }
    }
    if (postgres != null) {
      try {
        postgres.close();
      } catch (RuntimeException e) {
        say("Could not stop PostgreSQL: " + e.getMessage());
      }
    }
    if (runDirectory != null) {
      deleteQuietly(runDirectory.resolve("services"));
      say("Stopped. Logs kept in " + runDirectory.resolve("logs").toAbsolutePath());
    }
  }

  @Override
  public void close() {
    stop();
  }

  /** The base URL of a service, e.g. {@code http://localhost:8080}. */
  public URI url(Service service) {
    Integer port = servicePorts.get(service);
    if (port == null) {
      throw new IllegalStateException("not started");
    }
    return URI.create("http://localhost:" + port);
  }

  public URI routerUrl() {
    return url(Service.ROUTER);
  }

  /** The demo tenants, {@code demo} and {@code demo-b}, with the keys generated for this run. */
  public List<DemoTenant> demoTenants() {
    return demoTenants;
  }

  public int redisPort() {
    return redis.port();
  }

  public int postgresPort() {
    return postgres.port();
  }

  public Path runDirectory() {
    return runDirectory;
  }

  public Path logFile(Service service) {
    return runDirectory.resolve("logs").resolve(service.artifactId() + ".log");
  }

  /** A curl command that works as pasted: one chat completion through the router. */
  public String exampleCurl() {
    return "curl -sS -i "
        + routerUrl()
        + "/v1/chat/completions \\\n"
        + "  -H 'Authorization: Bearer "
        + demoTenants.get(0).virtualKey()
        + "' \\\n"
        + "  -H 'Content-Type: application/json' \\\n"
        + "  -d '{\"model\":\""
        + ChildSettings.DEMO_MODEL
        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello in five words.\"}]}'";
  }

  private void say(String line) {
    options.progress().accept(line);
  }

  private static String javaExecutable() {
    boolean windows = System.getProperty("os.name", "").toLowerCase().startsWith("windows");
    return Path.of(System.getProperty("java.home"), "bin", windows ? "java.exe" : "java")
        .toString();
  }

  private static void deleteQuietly(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      // Leftover jars in a temporary directory are harmless.
    }
  }
}
