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
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The whole suite on one machine: embedded Redis and PostgreSQL in this process, the provider
 * simulator and the four services as child JVMs ({@code java -jar}), each with its own classpath
 * and therefore its own Spring Boot auto-configuration. {@link Main} runs it from the command line;
 * tests drive it in-process.
 */
public final class Suite implements AutoCloseable {

  /** Where the router sends OpenAI traffic when {@code OPENAI_API_KEY} is set. */
  public static final URI OPENAI_API = URI.create("https://api.openai.com");

  /** Where the router sends Anthropic traffic when {@code ANTHROPIC_API_KEY} is set. */
  public static final URI ANTHROPIC_API = URI.create("https://api.anthropic.com");

  /** The model the default route names and the example request asks for. */
  public static final String DEMO_MODEL = "gpt-5-mini";

  static final String OPENAI_KEY_ENV = "OPENAI_API_KEY";
  static final String ANTHROPIC_KEY_ENV = "ANTHROPIC_API_KEY";

  private static final Duration STOP_GRACE = Duration.ofSeconds(20);

  private final SuiteOptions options;
  private final List<DemoTenant> demoTenants;
  private final Map<Service, ChildProcess> children = new EnumMap<>(Service.class);
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
      ChildProcess child =
          ChildProcess.start(
              service,
              servicePorts.get(service),
              command(service, jar),
              environment(service),
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
    for (ChildProcess child : children.values()) {
      child
          .onExit()
          .thenAccept(
              code -> {
                if (!stopping) {
                  say(
                      child.service().artifactId()
                          + " exited unexpectedly with code "
                          + code
                          + "; see "
                          + child.logFile());
                }
              });
    }
  }

  private List<String> command(Service service, Path jar) {
    List<String> command = new ArrayList<>();
    command.add(javaExecutable());
    command.addAll(options.childJvmOptions());
    command.add("-jar");
    command.add(jar.toAbsolutePath().toString());
    // Command-line arguments outrank every other property source in Spring Boot.
    properties(service).forEach((name, value) -> command.add("--" + name + "=" + value));
    return command;
  }

  /** The non-secret properties each service gets; secrets travel in the environment. */
  Map<String, String> properties(Service service) {
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("server.port", String.valueOf(servicePorts.get(service)));
    // A local launcher answers this machine only.
    properties.put("server.address", "127.0.0.1");
    switch (service) {
      case PROVIDER_SIMULATOR -> {}
      case CACHE -> putRedis(properties);
      case COST -> {
        putRedis(properties);
        putDatasource(properties, postgres.cost());
      }
      case BATCH -> {
        putRedis(properties);
        putDatasource(properties, postgres.batch());
      }
      case ROUTER -> {
        putRedis(properties);
        for (int i = 0; i < demoTenants.size(); i++) {
          DemoTenant tenant = demoTenants.get(i);
          String prefix = "tokenwise.router.tenants[" + i + "].";
          properties.put(prefix + "id", tenant.id());
          properties.put(prefix + "app", tenant.app());
          properties.put(prefix + "key-hashes[0]", tenant.keyHash());
        }
        properties.put("tokenwise.router.providers.openai.base-url", openAiBaseUrl().toString());
        properties.put(
            "tokenwise.router.providers.anthropic.base-url", anthropicBaseUrl().toString());
        properties.put("tokenwise.router.default-route.name", "default");
        properties.put("tokenwise.router.default-route.model", DEMO_MODEL);
        properties.put("tokenwise.router.cache.base-url", url(Service.CACHE).toString());
      }
    }
    return properties;
  }

  private void putRedis(Map<String, String> properties) {
    properties.put("spring.data.redis.host", "localhost");
    properties.put("spring.data.redis.port", String.valueOf(redis.port()));
  }

  private void putDatasource(Map<String, String> properties, LocalPostgres.Login login) {
    properties.put("spring.datasource.url", postgres.jdbcUrl());
    properties.put("spring.datasource.username", login.username());
  }

  /**
   * The child's environment: this process's, without provider keys except for the router, plus
   * {@code PORT} and the secrets that must not show in {@code ps}.
   */
  Map<String, String> environment(Service service) {
    Map<String, String> environment = new HashMap<>(options.environment());
    environment.remove(OPENAI_KEY_ENV);
    environment.remove(ANTHROPIC_KEY_ENV);
    environment.put("PORT", String.valueOf(servicePorts.get(service)));
    switch (service) {
      case COST -> environment.put("SPRING_DATASOURCE_PASSWORD", postgres.cost().password());
      case BATCH -> environment.put("SPRING_DATASOURCE_PASSWORD", postgres.batch().password());
      case ROUTER -> {
        providerKey(OPENAI_KEY_ENV)
            .ifPresent(
                key -> {
                  environment.put(OPENAI_KEY_ENV, key);
                  environment.put("TOKENWISE_ROUTER_PROVIDERS_OPENAI_APIKEY", key);
                });
        providerKey(ANTHROPIC_KEY_ENV)
            .ifPresent(
                key -> {
                  environment.put(ANTHROPIC_KEY_ENV, key);
                  environment.put("TOKENWISE_ROUTER_PROVIDERS_ANTHROPIC_APIKEY", key);
                });
      }
      default -> {}
    }
    return environment;
  }

  private Optional<String> providerKey(String variable) {
    return Optional.ofNullable(options.environment().get(variable)).filter(key -> !key.isBlank());
  }

  /** The OpenAI upstream: the real API when {@code OPENAI_API_KEY} is set, else the simulator. */
  public URI openAiBaseUrl() {
    return providerKey(OPENAI_KEY_ENV).isPresent() ? OPENAI_API : url(Service.PROVIDER_SIMULATOR);
  }

  /**
   * The Anthropic upstream: the real API when {@code ANTHROPIC_API_KEY} is set, else the simulator.
   */
  public URI anthropicBaseUrl() {
    return providerKey(ANTHROPIC_KEY_ENV).isPresent()
        ? ANTHROPIC_API
        : url(Service.PROVIDER_SIMULATOR);
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
        + DEMO_MODEL
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
