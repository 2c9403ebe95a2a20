package dev.tokenwise.router.route;

import dev.tokenwise.router.routing.Polling;
import dev.tokenwise.router.tenant.AdminChanges;
import dev.tokenwise.router.tenant.AdminWrite;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Tenants' own route files, set through the admin API and kept in Redis: hash {@value #PREFIX}
 * {@code <tenant>} (the file as JSON, its version, when and by whom it was set), the set {@value
 * #TENANTS} of tenants that have one, and the counter {@value #VERSION} that every change
 * increments. Every replica holds all tenants' files in its {@link RouteTable}: it loads them at
 * start, reloads a tenant's when a change is announced on {@link AdminChanges} ({@code
 * routes:<tenant>}, within about a second), and, because pub/sub may miss a message, reloads all of
 * them whenever the counter moved at its {@code poll-interval} check. When Redis cannot be read the
 * tables last loaded stay in force.
 */
@Component
public class TenantRoutes implements InitializingBean, DisposableBean {

  public static final String PREFIX = "tokenwise:admin:routes:";
  public static final String TENANTS = "tokenwise:admin:route-tenants";
  public static final String VERSION = "tokenwise:admin:routes:version";
  public static final String RELOADS_METRIC = "tokenwise.router.routes.tenant-reloads";
  static final String ANNOUNCEMENT = "routes";

  /** A tenant file's route names: what a route name in the admin API's path may be. */
  public static final Pattern ROUTE_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  public static final int MAX_ROUTES = 100;

  private static final Logger log = LoggerFactory.getLogger(TenantRoutes.class);
  private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(5);

  /** A poll's reload of every tenant's routes, at most; the next poll tries again. */
  private static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(30);

  /** A tenant's stored route file: the file as JSON, and when, by whom and as which version. */
  public record Stored(String tenant, String file, long version, Instant setAt, String setBy) {}

  private final ReactiveStringRedisTemplate redis;
  private final RouteTable table;
  private final AdminChanges changes;
  private final MeterRegistry meters;
  private final Duration pollInterval;
  private volatile String lastVersion;
  private Disposable poll;

  public TenantRoutes(
      ReactiveStringRedisTemplate redis,
      RouteTable table,
      AdminChanges changes,
      MeterRegistry meters,
      @Value("${tokenwise.router.tenant-routes.poll-interval:5s}") Duration pollInterval) {
    this.redis = redis;
    this.table = table;
    this.changes = changes;
    this.meters = meters;
    this.pollInterval = pollInterval;
  }

  /**
   * A tenant route file's routes, checked as the route file on disk is ({@link RouteTable#check})
   * and further: route names are {@link #ROUTE_NAME}, at most {@value #MAX_ROUTES} routes, and no
   * {@code classifier.model-path} (a tenant must not make the router read files from its disk).
   *
   * @throws RouteTable.InvalidRoutes naming each problem
   */
  public Map<String, RouteProperties.Definition> check(byte[] file) {
    Map<String, RouteProperties.Definition> routes = table.check(file);
    List<String> problems = new ArrayList<>();
    if (routes.size() > MAX_ROUTES) {
      problems.add("a tenant's route file may hold at most " + MAX_ROUTES + " routes");
    }
    routes.forEach(
        (name, route) -> {
          if (!ROUTE_NAME.matcher(name).matches()) {
            problems.add("route '" + name + "': a route's name must be 1-64 of [A-Za-z0-9_-]");
          }
          if (route.classifier().modelPath() != null) {
            problems.add(
                "route '"
                    + name
                    + "': classifier.model-path is not allowed in a tenant's route file");
          }
        });
    if (!problems.isEmpty()) {
      throw new RouteTable.InvalidRoutes(String.join("; ", problems));
    }
    return routes;
  }

  /** {@code tenant}'s stored route file, or empty. */
  public Mono<Stored> read(String tenant) {
    return redis
        .<String, String>opsForHash()
        .entries(PREFIX + tenant)
        .collectMap(Map.Entry::getKey, Map.Entry::getValue)
        .filter(fields -> fields.containsKey("file"))
        .map(
            fields ->
                new Stored(
                    tenant,
                    fields.get("file"),
                    Long.parseLong(fields.getOrDefault("version", "0")),
                    fields.containsKey("setAt")
                        ? Instant.ofEpochMilli(Long.parseLong(fields.get("setAt")))
                        : null,
                    fields.get("setBy")));
  }

  /**
   * Adds storing {@code file} (checked JSON) as {@code tenant}'s route file to {@code write}.
   *
   * @return the position among the write's change replies of the file's new version
   */
  public int put(String tenant, String file, String by, AdminWrite write) {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("file", file);
    fields.put("setAt", String.valueOf(Instant.now().toEpochMilli()));
    fields.put("setBy", by);
    int version = write.size() + 1;
    write
        .hset(PREFIX + tenant, fields)
        .hincrby(PREFIX + tenant, "version", 1)
        .sadd(TENANTS, tenant)
        .incr(VERSION);
    return version;
  }

  /** Adds removing {@code tenant}'s route file to {@code write}. */
  public void delete(String tenant, AdminWrite write) {
    write.del(PREFIX + tenant).srem(TENANTS, tenant).incr(VERSION);
  }

  /**
   * After a committed change to {@code tenant}'s file: applies it here and announces it to every
   * replica.
   */
  public Mono<Void> changed(String tenant) {
    return reload(tenant).then(changes.announce(ANNOUNCEMENT, tenant));
  }

  /**
   * Reads {@code tenant}'s file and puts it in force here; on failure the last one stays.
   *
   * @return whether Redis was read
   */
  Mono<Boolean> reload(String tenant) {
    return read(tenant)
        .map(stored -> Optional.of(stored.file()))
        .defaultIfEmpty(Optional.empty())
        .timeout(REDIS_TIMEOUT)
        .map(
            file -> {
              apply(tenant, file.orElse(null));
              return true;
            })
        .onErrorResume(
            e -> {
              log.warn(
                  "Route file of tenant '{}' not reloaded, the last one stays: {}",
                  tenant,
                  e.toString());
              count("error");
              return Mono.just(false);
            });
  }

  /** Reads every tenant's file and puts them in force here; what cannot be read stays. */
  Mono<Void> reloadAll() {
    return redis
        .opsForValue()
        .get(VERSION)
        .defaultIfEmpty("0")
        .flatMap(
            version ->
                redis
                    .opsForSet()
                    .members(TENANTS)
                    .collectList()
                    .flatMap(
                        tenants -> {
                          Set<String> gone = new HashSet<>(table.tenantsWithRoutes());
                          gone.removeAll(tenants);
                          gone.forEach(tenant -> apply(tenant, null));
                          return Flux.fromIterable(tenants)
                              .concatMap(this::reload)
                              .all(read -> read);
                        })
                    .doOnNext(
                        allRead -> {
                          // a tenant that could not be read is tried again at the next check
                          if (allRead) {
                            lastVersion = version;
                          }
                        }))
        .then()
        .timeout(REDIS_TIMEOUT.multipliedBy(4))
        .onErrorResume(
            e -> {
              log.warn("Tenants' route files not reloaded, the last ones stay: {}", e.toString());
              return Mono.empty();
            });
  }

  /** Reloads every tenant's file when the change counter moved since the last full load. */
  Mono<Void> check() {
    return redis
        .opsForValue()
        .get(VERSION)
        .defaultIfEmpty("0")
        .timeout(REDIS_TIMEOUT)
        .filter(version -> !version.equals(lastVersion))
        .flatMap(version -> reloadAll().timeout(RELOAD_TIMEOUT))
        .onErrorResume(
            e -> {
              log.debug("Tenants' route files not checked: {}", e.toString());
              return Mono.empty();
            });
  }

  private void apply(String tenant, String file) {
    if (file == null) {
      if (!table.tenantRoutes(tenant).isEmpty()) {
        table.setTenantRoutes(tenant, null);
        count("ok");
        log.info("Tenant '{}' has no route file any more", tenant);
      }
      return;
    }
    try {
      Map<String, RouteProperties.Definition> routes = check(file.getBytes(StandardCharsets.UTF_8));
      if (!routes.equals(table.tenantRoutes(tenant))) {
        table.setTenantRoutes(tenant, routes);
        count("ok");
        log.info("Tenant '{}' route file applied: {}", tenant, routes.keySet());
      }
    } catch (RouteTable.InvalidRoutes e) {
      // stored files were checked when put; one that fails now (the price catalog changed, say)
      // leaves the tenant's last routes in force
      count("error");
      log.error(
          "Tenant '{}' route file rejected, its last routes stay: {}", tenant, e.getMessage());
    }
  }

  private void count(String outcome) {
    Counter.builder(RELOADS_METRIC)
        .description("Tenant route files applied or rejected by this replica, by outcome")
        .tag("outcome", outcome)
        .register(meters)
        .increment();
  }

  @Override
  public void afterPropertiesSet() {
    changes.listen(ANNOUNCEMENT, tenant -> reload(tenant).subscribe());
    // a replica starts with every tenant's routes when Redis answers; else the poll loads them
    reloadAll().timeout(REDIS_TIMEOUT).onErrorResume(e -> Mono.empty()).block();
    // One check at a time, a tick that comes while one runs dropped: a check slower than the
    // interval (Redis stalled) must not end the poll, which is what a missed announcement relies
    // on.
    poll = Polling.every(pollInterval, pollInterval, this::check);
  }

  /** Whether this replica still polls for route changes: until it stops, whatever Redis does. */
  public boolean polling() {
    Disposable running = poll;
    return running != null && !running.isDisposed();
  }

  @Override
  public void destroy() {
    if (poll != null) {
      poll.dispose();
    }
  }
}
