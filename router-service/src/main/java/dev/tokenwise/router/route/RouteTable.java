package dev.tokenwise.router.route;

import dev.tokenwise.router.routing.Polling;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.BindResult;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The routes in force: the configured ones, plus those of the route file ({@link
 * RouteFileProperties}), which is checked every {@code check-interval} and applied without a
 * restart when its bytes change. A file that cannot be read, parsed, bound or validated leaves the
 * routes as they were; the failure is logged once per version of the file and counted in {@value
 * #RELOADS_METRIC} with {@code outcome=error}, and {@value #FAILING_METRIC} stays 1 until a good
 * version is applied.
 */
@Component
public class RouteTable implements InitializingBean, DisposableBean {

  public static final String RELOADS_METRIC = "tokenwise.router.routes.reloads";
  public static final String FAILING_METRIC = "tokenwise.router.routes.file.failing";
  public static final String ROUTES_METRIC = "tokenwise.router.routes";
  public static final String TENANT_FILES_METRIC = "tokenwise.router.routes.tenant-files";

  private static final Logger log = LoggerFactory.getLogger(RouteTable.class);
  private static final Set<String> CLASSIFIERS = Set.of("learned", "heuristic", "none");
  private static final Pattern SCHEMA_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
  private static final Bindable<Map<String, RouteProperties.Definition>> ROUTES =
      Bindable.mapOf(String.class, RouteProperties.Definition.class);

  private final Map<String, RouteProperties.Definition> configured;
  private final RouteFileProperties file;
  private final MeterRegistry meters;
  private final ArmTargets armTargets;
  private final JsonMapper json = JsonMapper.builder().build();
  private final AtomicReference<Map<String, RouteProperties.Definition>> routes;
  private final AtomicInteger failing = new AtomicInteger();
  private final Map<String, TenantTable> tenants = new ConcurrentHashMap<>();
  private volatile String lastSeen;
  private volatile String pending;
  private Disposable watch;

  /** Experiment arms checked against the bundled price catalog only. */
  public RouteTable(RouteProperties properties, RouteFileProperties file, MeterRegistry meters) {
    this(properties, file, meters, ArmTargets.bundled());
  }

  /**
   * @throws IllegalStateException when a configured route's experiment is invalid (naming the route
   *     and the problem), or the route file's first version is
   */
  @Autowired
  public RouteTable(
      RouteProperties properties,
      RouteFileProperties file,
      MeterRegistry meters,
      ArmTargets armTargets) {
    this.configured = new LinkedHashMap<>(properties.routes());
    this.file = file;
    this.meters = meters;
    this.armTargets = armTargets;
    List<String> experiments = experimentProblems(configured);
    if (!experiments.isEmpty()) {
      // the configured routes are not validated otherwise; an experiment that cannot split its
      // traffic must not start serving it
      throw new IllegalStateException(
          "Invalid experiment in tokenwise.router.routes: " + String.join("; ", experiments));
    }
    List<String> caches = new ArrayList<>();
    configured.forEach((name, route) -> caches.addAll(cacheProblems(name, route.cache())));
    if (!caches.isEmpty()) {
      // nor may a cache policy cache-service would refuse: every lookup of the route would fail
      throw new IllegalStateException(
          "Invalid cache policy in tokenwise.router.routes: " + String.join("; ", caches));
    }
    this.routes = new AtomicReference<>(Map.copyOf(configured));
    Gauge.builder(FAILING_METRIC, failing, AtomicInteger::get)
        .description("1 while the route file on disk is invalid and the previous routes serve")
        .register(meters);
    Gauge.builder(ROUTES_METRIC, routes, r -> r.get().size())
        .description("Routes in force")
        .register(meters);
    Gauge.builder(TENANT_FILES_METRIC, tenants, Map::size)
        .description("Tenants with their own route file (admin API) in force")
        .register(meters);
    if (file.path() != null) {
      // the first version must be valid: a router must not start on routes it cannot read
      if (!reload(true)) {
        throw new IllegalStateException(
            "The route file " + file.path() + " is not valid; see the log for the reason.");
      }
    }
  }

  /** Only the configured routes, no file and no watching (tests and tools). */
  public static RouteTable of(RouteProperties properties) {
    return new RouteTable(
        properties, new RouteFileProperties(null, null), new SimpleMeterRegistry());
  }

  /** The routes in force, in declaration order (configured first, then the file's). */
  public Map<String, RouteProperties.Definition> routes() {
    return routes.get();
  }

  /**
   * The routes in force for {@code tenant}'s requests: the router-wide ones, each replaced by the
   * tenant's own route of the same name when its route file (admin API) has one, followed by the
   * tenant's other routes. The router-wide routes for a tenant without a file, or for null. A map
   * lookup per request; the merged table is rebuilt only after either side changed.
   */
  public Map<String, RouteProperties.Definition> routes(String tenant) {
    Map<String, RouteProperties.Definition> global = routes.get();
    TenantTable table = tenant == null ? null : tenants.get(tenant);
    if (table == null) {
      return global;
    }
    if (table.base() == global) {
      return table.merged();
    }
    TenantTable merged = TenantTable.of(table.own(), global);
    tenants.replace(tenant, table, merged);
    return merged.merged();
  }

  /** {@code tenant}'s own routes (its route file's), empty when it has none. */
  public Map<String, RouteProperties.Definition> tenantRoutes(String tenant) {
    TenantTable table = tenants.get(tenant);
    return table == null ? Map.of() : table.own();
  }

  /** The tenants with routes of their own. */
  public Set<String> tenantsWithRoutes() {
    return Set.copyOf(tenants.keySet());
  }

  /** Puts {@code own} in force for {@code tenant}'s requests; empty or null: none of its own. */
  public void setTenantRoutes(String tenant, Map<String, RouteProperties.Definition> own) {
    if (own == null || own.isEmpty()) {
      tenants.remove(tenant);
    } else {
      tenants.put(tenant, TenantTable.of(own, routes.get()));
    }
  }

  /** A tenant's own routes and, merged over {@code base}, the table its requests see. */
  private record TenantTable(
      Map<String, RouteProperties.Definition> own,
      Map<String, RouteProperties.Definition> base,
      Map<String, RouteProperties.Definition> merged) {

    static TenantTable of(
        Map<String, RouteProperties.Definition> own, Map<String, RouteProperties.Definition> base) {
      Map<String, RouteProperties.Definition> merged = new LinkedHashMap<>(base);
      merged.putAll(own);
      return new TenantTable(
          Collections.unmodifiableMap(new LinkedHashMap<>(own)),
          base,
          Collections.unmodifiableMap(merged));
    }
  }

  @Override
  public void afterPropertiesSet() {
    if (file.path() != null) {
      // A failing read only waits for the next tick; it never ends the watch.
      watch =
          Polling.every(
              file.checkInterval(),
              file.checkInterval(),
              () ->
                  Mono.fromCallable(() -> reload(false)).subscribeOn(Schedulers.boundedElastic()));
    }
  }

  @Override
  public void destroy() {
    if (watch != null) {
      watch.dispose();
    }
  }

  /**
   * Reads the file and applies it when its bytes changed since the last attempt and, unless {@code
   * now}, read the same at the previous check too: a file caught half-written (an editor or {@code
   * cp} truncates it first) is neither applied nor reported.
   *
   * @return false when this version of the file is invalid (the previous routes stay)
   */
  synchronized boolean reload(boolean now) {
    Path path = file.path();
    byte[] bytes = null;
    String version;
    String unreadable = null;
    try {
      bytes = Files.readAllBytes(path);
      version = sha256(bytes);
    } catch (IOException | RuntimeException e) {
      unreadable = e.toString();
      version = "unreadable:" + unreadable;
    }
    if (version.equals(lastSeen)) {
      pending = null;
      return failing.get() == 0;
    }
    if (!now && !version.equals(pending)) {
      pending = version;
      return failing.get() == 0;
    }
    pending = null;
    if (unreadable != null) {
      return rejected(version, "cannot be read: " + unreadable);
    }
    Map<String, RouteProperties.Definition> fromFile;
    try {
      fromFile = check(bytes);
    } catch (InvalidRoutes e) {
      return rejected(version, e.getMessage());
    }
    Map<String, RouteProperties.Definition> merged = new LinkedHashMap<>(configured);
    merged.putAll(fromFile);
    Map<String, RouteProperties.Definition> before = routes.getAndSet(merged);
    lastSeen = version;
    failing.set(0);
    count("ok");
    log.info(
        "Routes reloaded from {}: {} from the file, {} in force (was {}): {}",
        path,
        fromFile.size(),
        merged.size(),
        before.size(),
        merged.keySet());
    return true;
  }

  private boolean rejected(String version, String reason) {
    if (!version.equals(lastSeen)) {
      lastSeen = version;
      count("error");
      log.error(
          "Route file {} rejected, the {} routes in force stay: {}",
          file.path(),
          routes.get().size(),
          reason);
    }
    failing.set(1);
    return false;
  }

  private void count(String outcome) {
    Counter.builder(RELOADS_METRIC)
        .description("Attempts to apply a changed route file, by outcome")
        .tag("outcome", outcome)
        .register(meters)
        .increment();
  }

  /** A route file that cannot be used: the message names each problem (and its route). */
  public static final class InvalidRoutes extends IllegalArgumentException {
    InvalidRoutes(String message) {
      super(message);
    }
  }

  /**
   * A route file's routes, bound and validated as the route file on disk is (the admin API's tenant
   * route files too): YAML (JSON is YAML) holding {@code routes.<name>.*} or {@code
   * tokenwise.router.routes.<name>.*} with the members of {@link RouteProperties.Definition}.
   *
   * @throws InvalidRoutes when the bytes cannot be parsed, name a member a route does not have,
   *     cannot be bound, or fail validation; its message names every problem
   */
  public Map<String, RouteProperties.Definition> check(byte[] yaml) {
    Map<String, RouteProperties.Definition> parsed;
    try {
      parsed = parse(yaml);
    } catch (RuntimeException | IOException e) {
      throw new InvalidRoutes("cannot be parsed: " + rootMessage(e));
    }
    List<String> problems = validate(parsed);
    if (!problems.isEmpty()) {
      throw new InvalidRoutes(String.join("; ", problems));
    }
    return parsed;
  }

  static Map<String, RouteProperties.Definition> parse(byte[] yaml) throws IOException {
    List<PropertySource<?>> sources =
        new YamlPropertySourceLoader().load("route-file", new ByteArrayResource(yaml));
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("the file is empty");
    }
    Binder binder = new Binder(ConfigurationPropertySources.from(sources));
    // a member no route has (a typo such as 'teirs') is an error, not silently ignored
    BindResult<Map<String, RouteProperties.Definition>> bound =
        binder.bind(
            "tokenwise.router.routes",
            ROUTES,
            new NoUnboundElementsBindHandler(BindHandler.DEFAULT));
    if (!bound.isBound()) {
      bound = binder.bind("routes", ROUTES, new NoUnboundElementsBindHandler(BindHandler.DEFAULT));
    }
    return bound
        .map(LinkedHashMap::new)
        .orElseThrow(
            () ->
                new IllegalArgumentException("the file names no routes (expected routes.<name>)"));
  }

  List<String> validate(Map<String, RouteProperties.Definition> routes) {
    List<String> problems = new ArrayList<>();
    routes.forEach(
        (name, route) -> {
          String at = "route '" + name + "': ";
          RouteProperties.Classifier classifier = route.classifier();
          if (!CLASSIFIERS.contains(classifier.type())) {
            problems.add(at + "classifier.type must be one of " + CLASSIFIERS);
          }
          if (!(classifier.strongShare() >= 0 && classifier.strongShare() <= 1)) {
            problems.add(at + "classifier.strong-share must be within [0, 1]");
          }
          if (classifier.threshold() != null && !Double.isFinite(classifier.threshold())) {
            problems.add(at + "classifier.threshold must be a number");
          }
          if (classifier.modelPath() != null
              && !Files.isReadable(Path.of(classifier.modelPath()))) {
            problems.add(at + "classifier.model-path cannot be read");
          }
          if (route.tiers().stream().anyMatch(t -> t == null || t.isBlank())) {
            problems.add(at + "tiers must name models");
          }
          if ("learned".equals(classifier.type()) && route.tiers().size() < 2) {
            problems.add(at + "a learned classifier needs at least two tiers");
          }
          RouteProperties.Output output = route.output();
          if ((output.defaultMaxTokens() != null && output.defaultMaxTokens() < 1)
              || (output.maxTokens() != null && output.maxTokens() < 1)) {
            problems.add(at + "output caps must be positive");
          }
          if (route.jsonSchema() != null && !route.jsonSchema().isBlank()) {
            try {
              if (!json.readTree(route.jsonSchema()).isObject()) {
                problems.add(at + "json-schema must be a JSON object");
              }
            } catch (JacksonException e) {
              problems.add(at + "json-schema is not valid JSON");
            }
          }
          if (!SCHEMA_NAME.matcher(route.jsonSchemaName()).matches()) {
            problems.add(at + "json-schema-name must be 1-64 of [a-zA-Z0-9_-]");
          }
          if (!(route.shadowSampleRate() >= 0 && route.shadowSampleRate() <= 1)
              || !(route.regressionBudget() >= 0 && route.regressionBudget() <= 1)) {
            problems.add(at + "shadow-sample-rate and regression-budget must be within [0, 1]");
          }
          problems.addAll(cacheProblems(name, route.cache()));
        });
    problems.addAll(experimentProblems(routes));
    return problems;
  }

  /**
   * The members of a route's {@code cache} block outside the ranges cache-service accepts for its
   * semantic-cache policy ({@code SemanticPolicy}); unset members are not checked (not sent).
   */
  static List<String> cacheProblems(String route, RouteProperties.Cache cache) {
    List<String> problems = new ArrayList<>();
    if (cache == null) {
      return problems;
    }
    String at = "route '" + route + "': cache.";
    if (cache.verifyThreshold() != null
        && !(cache.verifyThreshold() >= 0 && cache.verifyThreshold() <= 1)) {
      problems.add(at + "verify-threshold must be within [0, 1]");
    }
    if (cache.maxFalseHitRate() != null
        && !(cache.maxFalseHitRate() >= 0 && cache.maxFalseHitRate() < 1)) {
      problems.add(at + "max-false-hit-rate must be within [0, 1)");
    }
    if (cache.falseHitRateOf() != null
        && !cache.falseHitRateOf().equalsIgnoreCase("hits")
        && !cache.falseHitRateOf().equalsIgnoreCase("lookups")) {
      problems.add(
          at + "false-hit-rate-of must be hits or lookups, was '" + cache.falseHitRateOf() + "'");
    }
    if (cache.grayZoneWidth() != null
        && !(cache.grayZoneWidth() >= 0 && cache.grayZoneWidth() < 1)) {
      problems.add(at + "gray-zone-width must be within [0, 1)");
    }
    if (cache.promotionThreshold() != null
        && !(cache.promotionThreshold() > 0 && cache.promotionThreshold() <= 1)) {
      problems.add(at + "promotion-threshold must be within (0, 1]");
    }
    return problems;
  }

  private List<String> experimentProblems(Map<String, RouteProperties.Definition> routes) {
    List<String> problems = new ArrayList<>();
    routes.forEach(
        (name, route) -> {
          if (route.experiment() != null) {
            problems.addAll(armTargets.problems(name, route.experiment()));
          }
        });
    return problems;
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    StringBuilder message = new StringBuilder(String.valueOf(e.getMessage()));
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
      message.append(" <- ").append(root.getMessage());
    }
    return message.toString();
  }

  private static String sha256(byte[] bytes) {
    try {
      return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
