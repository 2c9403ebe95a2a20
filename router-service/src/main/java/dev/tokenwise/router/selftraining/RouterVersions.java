package dev.tokenwise.router.selftraining;

import dev.tokenwise.router.route.RouteTable;
import dev.tokenwise.router.routing.LinearRouterModel;
import dev.tokenwise.router.routing.Polling;
import dev.tokenwise.router.tenant.AdminWrite;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The published versions of each learned route's routing model, in Redis so that every router
 * instance serves the same one: {@code tokenwise:router-model:<route>:versions} (a hash, version
 * name to {@link Stored}), {@code ...:active} (the version in use; absent: the route's configured
 * model), {@code ...:seq} (the last version number) and {@code ...:last-retraining} (what the
 * latest retraining decided, published or not). Every version is kept, so any can be made active
 * again (the admin API's rollback). Each instance re-reads the active pointers every {@code
 * poll-interval} and swaps the model in without a restart; until the first reading, and whenever
 * Redis does not answer, a route keeps the version it had.
 */
@Component
public class RouterVersions implements InitializingBean, DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(RouterVersions.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  private static final String PREFIX = "tokenwise:router-model:";

  /** A published version's record, without its weights. */
  public record Info(
      String version,
      String route,
      Instant publishedAt,
      String parent,
      int trainingVerdicts,
      int heldOutVerdicts,
      Double heldOutScore,
      Double parentScore,
      String publishedBy,
      String note) {}

  /** What the versions hash holds for one version. */
  record Stored(Info info, LinearRouterModel model) {}

  /** A version in use. */
  public record Active(String version, LinearRouterModel model) {}

  private final ReactiveStringRedisTemplate redis;
  private final RouteTable routes;
  private final LearningProperties properties;
  private final JsonMapper json;
  private final Map<String, Active> active = new ConcurrentHashMap<>();
  private Disposable polling;

  public RouterVersions(
      ReactiveStringRedisTemplate redis,
      RouteTable routes,
      LearningProperties properties,
      JsonMapper json) {
    this.redis = redis;
    this.routes = routes;
    this.properties = properties;
    this.json = json;
  }

  /** The route's published version in use on this instance, if it has one. */
  public Optional<Active> active(String route) {
    return Optional.ofNullable(active.get(route));
  }

  @Override
  public void afterPropertiesSet() {
    if (properties.enabled()) {
      polling = Polling.every(Duration.ZERO, properties.pollInterval(), this::refresh);
    }
  }

  @Override
  public void destroy() {
    if (polling != null) {
      polling.dispose();
    }
  }

  /** Reads every learned route's active pointer and loads a version that changed. */
  public Mono<Void> refresh() {
    return Flux.fromIterable(learnedRoutes())
        .concatMap(this::refresh)
        .then()
        .doOnError(e -> log.debug("Routing model versions not read: {}", e.toString()));
  }

  private Mono<Void> refresh(String route) {
    return redis
        .opsForValue()
        .get(key(route, "active"))
        .timeout(TIMEOUT)
        .map(Optional::of)
        .defaultIfEmpty(Optional.empty())
        .flatMap(
            version ->
                version.isPresent()
                    ? load(route, version.get())
                    : Mono.fromRunnable(() -> drop(route)));
  }

  /** Swaps in {@code version} unless it is already the one in use. */
  private Mono<Void> load(String route, String version) {
    Active current = active.get(route);
    if (current != null && current.version().equals(version)) {
      return Mono.empty();
    }
    return stored(route, version)
        .doOnNext(
            s -> {
              active.put(route, new Active(version, s.model()));
              log.info(
                  "Route '{}' now routes with model version {} (was {})",
                  route,
                  version,
                  current == null ? "the configured model" : current.version());
            })
        .then();
  }

  /** Back to the configured model: the route has no active version in Redis. */
  private void drop(String route) {
    Active removed = active.remove(route);
    if (removed != null) {
      log.info(
          "Route '{}' routes with its configured model again (was {})", route, removed.version());
    }
  }

  /** Stores a new version and makes it active; the new version's name. */
  public Mono<String> publish(String route, LinearRouterModel model, Info info) {
    return redis
        .opsForValue()
        .increment(key(route, "seq"))
        .flatMap(
            n -> {
              String version = route + "-v" + n;
              Info named =
                  new Info(
                      version,
                      route,
                      info.publishedAt(),
                      info.parent(),
                      info.trainingVerdicts(),
                      info.heldOutVerdicts(),
                      info.heldOutScore(),
                      info.parentScore(),
                      info.publishedBy(),
                      info.note());
              String value = json.writeValueAsString(new Stored(named, model));
              return redis
                  .opsForHash()
                  .put(key(route, "versions"), version, value)
                  .then(redis.opsForValue().set(key(route, "active"), version))
                  .thenReturn(version);
            });
  }

  /**
   * Makes a stored version active again, or, for {@code null}, the route's configured model; false
   * when the route has no such version.
   */
  public Mono<Boolean> activate(String route, String version) {
    AdminWrite write = new AdminWrite();
    return activate(route, version, write)
        .flatMap(found -> found ? write.commit(redis).thenReturn(true) : Mono.just(false));
  }

  /**
   * Adds to {@code write} making a stored version active again, or, for {@code null}, the route's
   * configured model; false (and nothing added) when the route has no such version.
   */
  public Mono<Boolean> activate(String route, String version, AdminWrite write) {
    if (version == null) {
      write.del(key(route, "active"));
      return Mono.just(true);
    }
    return redis
        .opsForHash()
        .hasKey(key(route, "versions"), version)
        .map(
            exists -> {
              if (exists) {
                write.set(key(route, "active"), version);
              }
              return exists;
            });
  }

  /**
   * The version active in Redis (what every instance converges to), empty for the configured one.
   */
  public Mono<String> activeInRedis(String route) {
    return redis.opsForValue().get(key(route, "active"));
  }

  /** Keeps what the route's latest retraining did, for the admin API (JSON, as given). */
  public Mono<Void> recordRetraining(String route, String resultJson) {
    return redis.opsForValue().set(key(route, "last-retraining"), resultJson).then();
  }

  /** What the route's latest retraining did (JSON), empty before the first. */
  public Mono<String> lastRetraining(String route) {
    return redis.opsForValue().get(key(route, "last-retraining"));
  }

  /** Every stored version of a route, oldest first. */
  public Mono<List<Info>> list(String route) {
    return redis
        .opsForHash()
        .values(key(route, "versions"))
        .flatMap(value -> Mono.justOrEmpty(parse(route, value.toString())))
        .map(Stored::info)
        .collectList()
        .map(
            infos -> {
              List<Info> sorted = new ArrayList<>(infos);
              sorted.sort(Comparator.comparing(Info::publishedAt));
              return sorted;
            });
  }

  /** One stored version with its weights. */
  public Mono<Active> version(String route, String version) {
    return stored(route, version).map(s -> new Active(version, s.model()));
  }

  /** The routes whose classifier is learned. */
  public List<String> learnedRoutes() {
    List<String> learned = new ArrayList<>();
    routes
        .routes()
        .forEach(
            (name, route) -> {
              if (!route.tiers().isEmpty() && "learned".equals(route.classifier().type())) {
                learned.add(name);
              }
            });
    return learned;
  }

  private Mono<Stored> stored(String route, String version) {
    return redis
        .opsForHash()
        .get(key(route, "versions"), version)
        .timeout(TIMEOUT)
        .flatMap(value -> Mono.justOrEmpty(parse(route, value.toString())));
  }

  private Optional<Stored> parse(String route, String value) {
    try {
      Stored stored = json.readValue(value, Stored.class);
      LinearRouterModel model = stored.model();
      if (!LinearRouterModel.FORMAT.equals(model.format())) {
        log.warn("A stored version of route '{}' is not {}: ignored", route, model.format());
        return Optional.empty();
      }
      return Optional.of(stored);
    } catch (JacksonException | IllegalArgumentException e) {
      log.warn("A stored version of route '{}' does not parse, ignored: {}", route, e.getMessage());
      return Optional.empty();
    }
  }

  static String key(String route, String part) {
    return PREFIX + route + ":" + part;
  }
}
