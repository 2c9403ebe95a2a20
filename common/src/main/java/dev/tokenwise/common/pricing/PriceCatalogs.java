package dev.tokenwise.common.pricing;

import dev.tokenwise.common.usage.UsageEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every catalog version, oldest first: the bundled history ({@code pricing/index.json} listing
 * {@code pricing/catalog-<version>.json}), so that an event is priced by the version in force when
 * it occurred and a later price change never rewrites history. Immutable and thread-safe.
 */
public final class PriceCatalogs {

  /** Classpath location of the list of bundled versions. */
  public static final String INDEX_RESOURCE = "pricing/index.json";

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final List<PriceCatalog> versions;

  private PriceCatalogs(List<PriceCatalog> versions) {
    if (versions.isEmpty()) {
      throw new IllegalArgumentException("at least one catalog version is required");
    }
    List<PriceCatalog> sorted = new ArrayList<>(versions);
    sorted.sort(Comparator.comparing(PriceCatalog::effectiveFrom));
    this.versions = List.copyOf(sorted);
  }

  /** The versions bundled in common, read once per JVM. */
  public static PriceCatalogs bundled() {
    return Bundled.CATALOGS;
  }

  /** A history from explicit versions (any order). */
  public static PriceCatalogs of(List<PriceCatalog> versions) {
    return new PriceCatalogs(versions);
  }

  /** Every version, oldest first. */
  public List<PriceCatalog> versions() {
    return versions;
  }

  /** The version with this id, if any. */
  public Optional<PriceCatalog> version(String version) {
    return versions.stream().filter(v -> v.version().equals(version)).findFirst();
  }

  /** The version in force now. */
  public PriceCatalog current() {
    return inForceAt(Instant.now());
  }

  /**
   * The version in force at {@code instant}: the latest whose {@code effectiveFrom} is not after
   * it. Instants before the oldest version get the oldest version (there is no older price).
   */
  public PriceCatalog inForceAt(Instant instant) {
    PriceCatalog inForce = versions.get(0);
    for (PriceCatalog version : versions) {
      if (!version.effectiveFrom().isAfter(instant)) {
        inForce = version;
      }
    }
    return inForce;
  }

  /**
   * The version that prices {@code event}: the one in force at its {@code occurredAt}; when that
   * version lacks the requested or served model (a model released between two catalog versions),
   * the first later version that prices both. Empty when no version prices them: the event's cost
   * is unknown, not zero.
   */
  public Optional<PriceCatalog> forEvent(UsageEvent event) {
    PriceCatalog inForce = inForceAt(event.occurredAt());
    for (PriceCatalog version : versions.subList(versions.indexOf(inForce), versions.size())) {
      if (prices(version, event)) {
        return Optional.of(version);
      }
    }
    return Optional.empty();
  }

  /** Every version with {@link PriceCatalog#withOverrides} applied. */
  public PriceCatalogs withOverrides(Map<String, PriceOverride> overrides) {
    if (overrides == null || overrides.isEmpty()) {
      return this;
    }
    return new PriceCatalogs(versions.stream().map(v -> v.withOverrides(overrides)).toList());
  }

  private static boolean prices(PriceCatalog version, UsageEvent event) {
    String requested = CostCalculator.baselineModel(event);
    return version.knows(requested)
        && (event.servedModel() == null
            || event.mode().isCacheHit()
            || version.knows(event.servedModel()));
  }

  static PriceCatalogs load() {
    try (InputStream index = PriceCatalog.open(INDEX_RESOURCE)) {
      JsonNode root = JSON.readTree(index);
      List<PriceCatalog> versions = new ArrayList<>();
      for (JsonNode version : root.path("versions")) {
        String resource = "pricing/catalog-" + version.asString() + ".json";
        try (InputStream in = PriceCatalog.open(resource)) {
          PriceCatalog catalog = PriceCatalog.parse(in);
          if (!catalog.version().equals(version.asString())) {
            throw new IllegalStateException(
                resource + " declares version " + catalog.version() + ", index says " + version);
          }
          versions.add(catalog);
        }
      }
      return new PriceCatalogs(versions);
    } catch (IOException e) {
      throw new UncheckedIOException("bundled price catalog unreadable", e);
    }
  }

  @Override
  public String toString() {
    return "PriceCatalogs" + versions.stream().map(PriceCatalog::version).toList();
  }

  private static final class Bundled {
    static final PriceCatalogs CATALOGS = Objects.requireNonNull(load());
  }
}
